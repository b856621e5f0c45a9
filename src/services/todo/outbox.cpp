#include "services/todo/outbox.hpp"

#include "core/time.hpp"

namespace todoai::todo {

void Outbox::append(store::Transaction& tx,
                    const CloudEvent& event,
                    std::string_view topic,
                    std::string_view partition_key) {
    tx.execute(
        "INSERT INTO outbox (event_id, topic, partition_key, event, created_at) VALUES ($1, $2, $3, $4, $5)",
        {event.id, std::string(topic), std::string(partition_key), serialize(event), format_rfc3339(event.time)});
}

}  // namespace todoai::todo

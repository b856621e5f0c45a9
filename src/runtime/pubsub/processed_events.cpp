#include "runtime/pubsub/processed_events.hpp"

#include <string>

namespace todoai::pubsub {

bool claim_event(store::Transaction& tx, std::string_view event_id, std::string_view service, std::string_view now) {
    std::string key = "processed-";
    key.append(event_id).append("-").append(service);
    // ON CONFLICT ... DO NOTHING: SQLite >= 3.24 and PostgreSQL alike; a repeat changes no row.
    return tx.execute("INSERT INTO processed_events (key, processed_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                      {std::move(key), std::string(now)}) == 1;
}

}  // namespace todoai::pubsub

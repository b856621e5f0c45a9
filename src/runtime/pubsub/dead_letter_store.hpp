#pragma once
// Dead letters of the embedded bus, kept in its own store (bus.db): what a consumer group dropped or could not
// process after its retries, with the reason. `todoai dlq list|replay <topic>` reads and requeues them.
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/store/database.hpp"

namespace todoai::pubsub {

struct DeadLetter {
    std::int64_t id = 0;
    std::string topic;  // the dead-letter topic, "<original>-dlq"
    std::string original_topic;
    std::string group;  // the consumer group (service) that gave up
    std::string key;
    std::string event_id;
    std::string payload;
    std::string reason;
    int attempts = 0;
    std::string failed_at;  // RFC 3339
    bool requeued = false;  // replay asked; the bus redelivers it to `group` and removes it
};

class DeadLetterStore {
  public:
    explicit DeadLetterStore(store::Database& db);
    static std::span<const store::Migration> migrations();

    void add(const Message& message, std::string_view group, std::string_view reason, Timestamp now);
    /// Dead letters of `dlq_topic` ("task-events-dlq"; the original topic name is accepted too), oldest first.
    std::vector<DeadLetter> list(std::string_view topic, std::size_t limit = 1000);
    /// Marks the topic's dead letters for redelivery; returns how many.
    std::size_t requeue(std::string_view topic);
    /// Requeued dead letters, oldest first, for the bus to redeliver.
    std::vector<DeadLetter> take_requeued(std::size_t limit);
    void remove(std::int64_t id);
    /// Topics that have (or had) dead letters, "<topic>-dlq" form.
    std::vector<std::string> topics();

  private:
    store::Database& db_;
};

}  // namespace todoai::pubsub

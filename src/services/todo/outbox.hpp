#pragma once
// The producer side of delivery: an event is written to the outbox in the same transaction as the change it
// describes; the relay (runtime/pubsub) publishes it later and marks it sent only once the bus confirmed.
#include <string_view>

#include "core/cloud_event.hpp"
#include "runtime/store/database.hpp"

namespace todoai::todo {

inline constexpr std::string_view kTaskEventsTopic = "task-events";

class Outbox {
  public:
    /// Appends `event` for `topic`; `partition_key` keeps one user's events in order (the user id).
    static void append(store::Transaction& tx,
                       const CloudEvent& event,
                       std::string_view topic,
                       std::string_view partition_key);
};

}  // namespace todoai::todo

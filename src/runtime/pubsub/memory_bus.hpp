#pragma once
#include <memory>

#include "core/clock.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/pubsub/dead_letter_store.hpp"

namespace todoai::pubsub {

/// The embedded default: publish() delivers to every subscribed group in the calling thread, retrying RETRY with
/// bounded exponential backoff, dead-lettering DROP and exhausted retries, and returns when every group is done.
/// A background thread redelivers requeued dead letters (`todoai dlq replay`) to the group that failed them.
std::unique_ptr<Bus> make_memory_bus(DeadLetterStore& dead_letters, const Clock& clock, RetryPolicy retry = {});

}  // namespace todoai::pubsub

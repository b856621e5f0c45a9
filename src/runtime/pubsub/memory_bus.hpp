#pragma once
#include <memory>

#include "core/clock.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/pubsub/dead_letter_store.hpp"

namespace todoai::pubsub {

/// The embedded default: publish() delivers to every subscribed group in the calling thread, group after group in
/// subscription order, retrying RETRY with bounded exponential backoff, dead-lettering DROP and exhausted retries,
/// and returns when every group is done. A batch group (subscribe_batch) gets the publish's messages of its topic in
/// one call: all RETRY (or an exception, or a result vector of the wrong size) retries the whole batch, a mix
/// retries its RETRY messages one by one after the batch. A background thread redelivers requeued dead letters
/// (`todoai dlq replay`) to the group that failed them (a batch group gets a batch of one).
std::unique_ptr<Bus> make_memory_bus(DeadLetterStore& dead_letters, const Clock& clock, RetryPolicy retry = {});

}  // namespace todoai::pubsub

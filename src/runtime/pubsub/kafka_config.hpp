#pragma once
// KafkaOptions → librdkafka configuration: validation (one-line std::invalid_argument), security, and the producer
// and consumer settings the delivery guarantees rest on.
#include <string_view>

#include "runtime/pubsub/kafka_bus.hpp"
#include "runtime/pubsub/kafka_handle.hpp"

namespace todoai::pubsub::kafka {

/// librdkafka's log lines into ours (syslog levels: <= 3 error, <= 5 warn, else debug); every handle's default.
void forward_log(const rd_kafka_t* rk, int level, const char* facility, const char* message);

/// `topic` as the bus's handlers know it: without options.topic_prefix.
inline std::string_view unprefixed(std::string_view topic, const KafkaOptions& options) {
    if (topic.starts_with(options.topic_prefix)) topic.remove_prefix(options.topic_prefix.size());
    return topic;
}

/// Throws std::invalid_argument naming the option and what is accepted.
void validate(const KafkaOptions& options);

/// Idempotent producer, acks=all, deliveries bounded by publish_timeout.
Config producer_config(const KafkaOptions& options);

/// A member of consumer group `group`: offsets committed by the bus only, start from initial_offset.
Config consumer_config(const KafkaOptions& options, std::string_view group);

/// A consumer that reads with assign() only (no subscription, so no group membership): e.g. to read a dead-letter
/// topic. librdkafka's consumer API still wants a group id, used for nothing but offset storage.
Config reader_config(const KafkaOptions& options, std::string_view group);

}  // namespace todoai::pubsub::kafka

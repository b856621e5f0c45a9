#pragma once
// The pubsub.kafka component's settings (TODOAI_KAFKA_BROKERS, TODOAI_KAFKA_AUTH_TYPE, ...) as the Kafka driver's
// options.
#include "app/config.hpp"
#include "runtime/pubsub/kafka_bus.hpp"

namespace todoai::app {

/// Options for a Kafka client of `config`'s brokers (the bus, or `todoai dlq` on Kafka). Not validated here: the
/// driver throws std::invalid_argument naming the option that is wrong.
pubsub::KafkaOptions kafka_options(const Config& config);

}  // namespace todoai::app

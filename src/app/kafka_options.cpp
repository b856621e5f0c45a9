#include "app/kafka_options.hpp"

#include <chrono>

namespace todoai::app {

pubsub::KafkaOptions kafka_options(const Config& config) {
    return pubsub::KafkaOptions{.brokers = config.kafka_brokers,
                                .client_id = "todoai",
                                .auth_type = config.kafka_auth_type,
                                .sasl_mechanism = config.kafka_sasl_mechanism,
                                .sasl_username = config.kafka_sasl_username,
                                .sasl_password = config.kafka_sasl_password,
                                .disable_tls = config.kafka_disable_tls,
                                .ca_file = config.kafka_ca_file,
                                .cert_file = config.kafka_cert_file,
                                .key_file = config.kafka_key_file,
                                .initial_offset = config.kafka_initial_offset,
                                .fetch_wait_max = std::chrono::milliseconds(config.kafka_fetch_wait_ms),
                                .topic_prefix = config.kafka_topic_prefix,
                                .topic_partitions = config.kafka_partitions,
                                .topic_replication = config.kafka_replication};
}

}  // namespace todoai::app

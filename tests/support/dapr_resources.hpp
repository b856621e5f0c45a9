#pragma once
// A resources folder for one local daprd: the components todoai uses (kafka-pubsub, statestore, kubernetes-secrets
// standing in as secretstores.local.file, the reminder-check-cron binding), a Resiliency policy, and the Configuration
// (name resolution by the sqlite component: nothing is sent to the network, no mDNS multicast).
#include <filesystem>
#include <string>

namespace todoai::testing {

struct DaprResourcesOptions {
    std::string kafka_brokers;              // host:port,...
    std::string consumer_group;             // the app's consumer group (one per app id; one per websocket replica)
    std::string postgres_url;               // state.postgresql's connectionString
    std::filesystem::path secrets_file;     // JSON {"db-credentials": {"connectionString": ...}, ...}
    std::filesystem::path name_resolution;  // the sqlite file every sidecar of a test shares
    std::string cron_schedule = "@every 1m";
    int pubsub_max_retries = 3;           // then daprd dead-letters the message
    std::string kafka_version = "1.0.0";  // sarama protocol version: librdkafka's mock cluster; "3.9.0" for Kafka 4
};

/// Writes <dir>/resources/*.yaml and <dir>/config.yaml; returns {resources dir, config file}.
std::pair<std::filesystem::path, std::filesystem::path> write_dapr_resources(const std::filesystem::path& dir,
                                                                             const DaprResourcesOptions& options);

}  // namespace todoai::testing

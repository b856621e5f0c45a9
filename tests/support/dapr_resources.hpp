#pragma once
// The resources folder a local daprd loads, rendered from the Helm chart (scripts/dapr-resources.sh: `helm template`
// of deploy/helm/todoai with values-local-daprd.yaml), so the tests run the components the chart deploys:
// kafka-pubsub and websocket's kafka-pubsub-broadcast (pubsub.kafka), statestore (state.postgresql),
// kubernetes-secrets (secretstores.local.file standing in for secretstores.kubernetes), reminder-check-cron
// (bindings.cron), the Resiliency policy, the Subscriptions, and the Configuration appconfig (name resolution by the
// sqlite component: nothing is sent to the network, no mDNS multicast). Consumer groups are the chart's: {appID}, and
// {podName} for websocket (give each websocket daprd POD_NAME=<replica>).
#include <filesystem>
#include <string>
#include <utility>

namespace todoai::testing {

struct DaprResourcesOptions {
    std::string kafka_brokers;              // host:port,...
    std::filesystem::path secrets_file;     // JSON {"todoai-secrets": {"DATABASE_URL": ...}, "db-credentials": ...}
    std::filesystem::path name_resolution;  // the sqlite file every sidecar of a test shares
    std::string cron_schedule = "@every 1m";
};

/// Renders <dir>/resources/*.yaml and <dir>/config.yaml from the chart; returns {resources dir, config file}.
std::pair<std::filesystem::path, std::filesystem::path> write_dapr_resources(const std::filesystem::path& dir,
                                                                             const DaprResourcesOptions& options);

}  // namespace todoai::testing

#include "support/dapr_resources.hpp"

#include <fstream>
#include <stdexcept>

namespace todoai::testing {
namespace {

void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path.string());
    out << text;
}

// A YAML double-quoted scalar.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

std::pair<std::filesystem::path, std::filesystem::path> write_dapr_resources(const std::filesystem::path& dir,
                                                                             const DaprResourcesOptions& o) {
    const auto resources = dir / "resources";
    std::filesystem::create_directories(resources);
    write(resources / "kafka-pubsub.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: kafka-pubsub
spec:
  type: pubsub.kafka
  version: v1
  metadata:
    - name: brokers
      value: )" + quoted(o.kafka_brokers) + R"(
    - name: consumerGroup
      value: )" + quoted(o.consumer_group) + R"(
    - name: clientID
      value: )" + quoted(o.consumer_group) + R"(
    - name: authType
      value: "none"
    - name: disableTls
      value: "true"
    - name: initialOffset
      value: "oldest"
    - name: version
      value: )" + quoted(o.kafka_version) + R"(
)");
    write(resources / "statestore.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: statestore
spec:
  type: state.postgresql
  version: v1
  metadata:
    - name: connectionString
      value: )" + quoted(o.postgres_url) + R"(
    - name: tableName
      value: "dapr_state"
)");
    write(resources / "kubernetes-secrets.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: kubernetes-secrets
spec:
  type: secretstores.local.file
  version: v1
  metadata:
    - name: secretsFile
      value: )" + quoted(o.secrets_file.string()) + R"(
    - name: multiValued
      value: "true"
)");
    write(resources / "reminder-check-cron.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: reminder-check-cron
spec:
  type: bindings.cron
  version: v1
  metadata:
    - name: schedule
      value: )" + quoted(o.cron_schedule) + R"(
    - name: direction
      value: "input"
scopes:
  - notification-service
)");
    write(resources / "resiliency.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: todoai-resiliency
spec:
  policies:
    retries:
      pubsubRetry:
        policy: constant
        duration: 200ms
        maxRetries: )" + std::to_string(o.pubsub_max_retries) +
                                             R"(
      invokeRetry:
        policy: exponential
        maxInterval: 2s
        maxRetries: 3
    timeouts:
      invokeTimeout: 5s
  targets:
    apps:
      todo-service:
        retry: invokeRetry
        timeout: invokeTimeout
    components:
      kafka-pubsub:
        inbound:
          retry: pubsubRetry
)");
    const auto config = dir / "config.yaml";
    write(config, R"(apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: appconfig
spec:
  nameResolution:
    component: sqlite
    version: v1
    configuration:
      connectionString: )" +
                      quoted(o.name_resolution.string()) + R"(
  metric:
    enabled: true
)");
    return {resources, config};
}

}  // namespace todoai::testing

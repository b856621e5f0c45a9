#pragma once
// Every setting, from the command line or its environment variable (flag wins), with the defaults --help shows.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "runtime/pubsub/topic_layout.hpp"

namespace todoai::app {

struct Config {
    std::string host = "0.0.0.0";
    std::optional<std::uint16_t> port;  // unset: 8000 for all, the service's own port (8001..8005) for one
    std::filesystem::path data_dir = "./todoai-data";
    std::string database_url;
    std::string jwt_secret;
    std::string jwks_url;  // another issuer's public keys (Better Auth: {BETTER_AUTH_URL}/api/auth/jwks)
    std::int64_t jwks_timeout_ms = 3000;
    std::string jwt_issuer, jwt_audience;  // checked when set
    std::filesystem::path jwt_secret_file;
    std::string environment = "development";
    std::string cors_origins;
    std::string log_level = "info";
    bool access_log = true;
    std::size_t http_threads = 0;
    std::size_t http_workers = 0;
    std::size_t max_connections = 0;  // 0: below the descriptor limit (server.hpp)
    std::int64_t request_timeout_seconds = 30;
    std::int64_t idle_timeout_seconds = 60;
    int auth_failures_per_account = 10;  // failed sign-ins/sign-ups per 5 minutes; 0 = no limit
    int auth_failures_per_address = 30;
    double rate_limit_per_address = 0;  // requests per second; 0 = no limit
    double rate_limit_per_user = 0;
    double rate_limit_burst = 0;  // 0: twice the rate, at least 10
    std::int64_t token_ttl_seconds = 24 * 3600;
    std::int64_t drain_seconds = 10;
    std::int64_t reminder_check_interval_seconds = 60;
    std::int64_t processed_retention_days = 30;
    std::int64_t ws_heartbeat_interval_seconds = 30;
    std::string app_api_token;
    std::string topic_layout = "single";
    std::string json_case = "snake";  // camel: every /api/ response in camelCase (front ends that read dueDate)

    // Separate processes (serve <service>): the Kafka bus, and where the other services answer.
    std::string kafka_brokers;  // empty: the in-process bus
    std::string kafka_auth_type = "none";
    bool kafka_disable_tls = true;
    std::string kafka_sasl_mechanism = "PLAIN";
    std::string kafka_sasl_username;
    std::string kafka_sasl_password;
    std::string kafka_ca_file, kafka_cert_file, kafka_key_file;
    std::string kafka_consumer_group;  // prefix of every consumer group (the component's consumerGroup)
    std::string kafka_initial_offset = "oldest";
    std::int64_t kafka_connect_timeout_seconds = 10;
    std::int64_t kafka_fetch_wait_ms = 10;
    std::string kafka_topic_prefix;
    int kafka_partitions = 6;   // of the topics todoai creates when missing
    int kafka_replication = 0;  // ... 0: min(3, brokers)
    std::string replica_id;     // empty: hostname-pid
    std::string todo_url = "http://127.0.0.1:8001";
    // 16: on PostgreSQL the HTTP threads follow the pool (process.cpp), and a task + outbox commit reaches ~3 600/s
    // with 16 in flight on this machine's PostgreSQL 15 (fsync on) vs ~1 800/s with 8 (bench/cluster_bench.sh).
    // Connections open on demand, so idle services hold few.
    std::size_t database_pool_size = 16;

    // Dapr mode (--pubsub dapr): the sidecar and the component names the services use through it.
    std::string pubsub;  // memory, kafka or dapr; empty: kafka when kafka_brokers is set, else memory
    std::string dapr_host = "127.0.0.1";
    std::uint16_t dapr_http_port = 3500;
    std::string dapr_api_token;  // DAPR_API_TOKEN: sent to the sidecar on every call
    std::string dapr_pubsub_name = "kafka-pubsub";
    bool dapr_bulk_publish = true;  // the relay's batches through daprd's bulk publish API
    std::string secret_store;       // e.g. kubernetes-secrets: DATABASE_URL, JWT_SECRET when unset
    std::string db_secret_name = "db-credentials";
    std::string db_secret_key = "connectionString";
    std::string jwt_secret_name = "jwt-secret";
    std::string jwt_secret_key = "secret";
    std::string cron_binding = "reminder-check-cron";
    std::string processed_markers = "store";  // or dapr-state (audit's markers in the Dapr state store)
    std::string dapr_state_store = "statestore";
    std::int64_t dapr_wait_seconds = 60;  // how long start-up waits for the sidecar (secrets)

    bool dapr() const { return pubsub == "dapr"; }
};

/// Adds the options shared by `serve` and `migrate` to `cmd`.
void add_options(CLI::App& cmd, Config& config);

/// The data directory the configuration points at: DATABASE_URL=sqlite:///dir wins over TODOAI_DATA_DIR (with a
/// PostgreSQL URL it is TODOAI_DATA_DIR). Throws std::runtime_error with a one-line reason for an unsupported URL.
std::filesystem::path resolve_data_dir(const Config& config);

/// postgresql://... or postgres://...
bool is_postgres_url(std::string_view url);

/// The topic names the configuration asks for (--topic-layout, validated by the parser).
pubsub::Topics topics(const Config& config);

}  // namespace todoai::app

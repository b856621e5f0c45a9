#include "app/config.hpp"

#include <stdexcept>

namespace todoai::app {

namespace {

// The pubsub.kafka component's fields (seed 000), as flags and environment variables.
void add_kafka_options(CLI::App& cmd, Config& c) {
    cmd.add_option("--kafka-brokers", c.kafka_brokers,
                   "host:port,... of the Kafka brokers (empty: the in-process bus; required by serve <service>)")
        ->envname("TODOAI_KAFKA_BROKERS");
    cmd.add_option("--kafka-auth-type", c.kafka_auth_type, "none, password (SASL) or mtls")
        ->envname("TODOAI_KAFKA_AUTH_TYPE")
        ->check(CLI::IsMember({"none", "password", "mtls"}))
        ->capture_default_str();
    cmd.add_option("--kafka-disable-tls", c.kafka_disable_tls, "Plaintext to the brokers (true/false)")
        ->envname("TODOAI_KAFKA_DISABLE_TLS")
        ->capture_default_str();
    cmd.add_option("--kafka-sasl-mechanism", c.kafka_sasl_mechanism, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
        ->envname("TODOAI_KAFKA_SASL_MECHANISM")
        ->capture_default_str();
    cmd.add_option("--kafka-sasl-username", c.kafka_sasl_username, "SASL user (auth type password)")
        ->envname("TODOAI_KAFKA_SASL_USERNAME");
    cmd.add_option("--kafka-sasl-password", c.kafka_sasl_password, "SASL password (auth type password)")
        ->envname("TODOAI_KAFKA_SASL_PASSWORD");
    cmd.add_option("--kafka-ca-file", c.kafka_ca_file, "CA certificate (PEM) of the brokers")
        ->envname("TODOAI_KAFKA_CA_FILE");
    cmd.add_option("--kafka-cert-file", c.kafka_cert_file, "Client certificate (PEM, auth type mtls)")
        ->envname("TODOAI_KAFKA_CERT_FILE");
    cmd.add_option("--kafka-key-file", c.kafka_key_file, "Client key (PEM, auth type mtls)")
        ->envname("TODOAI_KAFKA_KEY_FILE");
    cmd.add_option("--kafka-consumer-group", c.kafka_consumer_group,
                   "Prefix of the consumer groups (<prefix>.audit-service, ...; the component's consumerGroup)")
        ->envname("TODOAI_KAFKA_CONSUMER_GROUP");
    cmd.add_option("--kafka-initial-offset", c.kafka_initial_offset,
                   "oldest or newest: where a consumer group with no committed offset starts")
        ->envname("TODOAI_KAFKA_INITIAL_OFFSET")
        ->check(CLI::IsMember({"oldest", "newest"}))
        ->capture_default_str();
    cmd.add_option("--kafka-connect-timeout", c.kafka_connect_timeout_seconds,
                   "Seconds to wait at start for the brokers (and a warm producer) before giving up")
        ->envname("TODOAI_KAFKA_CONNECT_TIMEOUT")
        ->check(CLI::Range(1, 600))
        ->capture_default_str();
    cmd.add_option("--kafka-fetch-wait-ms", c.kafka_fetch_wait_ms,
                   "Consumers' fetch.wait.max.ms: how long a broker may hold a fetch that found nothing (brokers that "
                   "hold it the full time, like librdkafka's mock cluster, add up to this much to each hop)")
        ->envname("TODOAI_KAFKA_FETCH_WAIT_MS")
        ->check(CLI::Range(0, 300000))
        ->capture_default_str();
    cmd.add_option("--kafka-partitions", c.kafka_partitions,
                   "Partitions of the topics todoai creates when missing (task-events, reminders, their -dlq, ...)")
        ->envname("TODOAI_KAFKA_PARTITIONS")
        ->check(CLI::Range(1, 10000))
        ->capture_default_str();
    cmd.add_option("--kafka-replication", c.kafka_replication,
                   "Replication factor of the topics todoai creates (0: min(3, brokers in the cluster))")
        ->envname("TODOAI_KAFKA_REPLICATION")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
    cmd.add_option("--kafka-topic-prefix", c.kafka_topic_prefix,
                   "Prepended to every topic name on the brokers, so several deployments can share one cluster")
        ->envname("TODOAI_KAFKA_TOPIC_PREFIX");
}

// Dapr mode: the sidecar (seed names DAPR_HOST, DAPR_HTTP_PORT, DAPR_API_TOKEN) and the components used through it.
void add_dapr_options(CLI::App& cmd, Config& c) {
    cmd.add_option("--pubsub", c.pubsub,
                   "memory (in-process), kafka (librdkafka to --kafka-brokers) or dapr (through the sidecar at "
                   "DAPR_HOST:DAPR_HTTP_PORT); default: kafka when --kafka-brokers is set, else memory")
        ->envname("TODOAI_PUBSUB")
        ->check(CLI::IsMember({"memory", "kafka", "dapr"}));
    cmd.add_option("--dapr-host", c.dapr_host, "Host of the Dapr sidecar's HTTP API")
        ->envname("DAPR_HOST")
        ->capture_default_str();
    cmd.add_option("--dapr-http-port", c.dapr_http_port, "Port of the Dapr sidecar's HTTP API")
        ->envname("DAPR_HTTP_PORT")
        ->capture_default_str();
    cmd.add_option("--dapr-api-token", c.dapr_api_token, "Token sent to the sidecar as dapr-api-token")
        ->envname("DAPR_API_TOKEN");
    cmd.add_option("--dapr-bulk-publish", c.dapr_bulk_publish,
                   "Publish the outbox's batches through daprd's bulk publish API (false: one call per event)")
        ->envname("TODOAI_DAPR_BULK_PUBLISH")
        ->capture_default_str();
    cmd.add_option("--dapr-pubsub-name", c.dapr_pubsub_name, "The pub/sub component events go through")
        ->envname("TODOAI_DAPR_PUBSUB_NAME")
        ->capture_default_str();
    cmd.add_option("--secret-store", c.secret_store,
                   "Dapr secret store (e.g. kubernetes-secrets) that DATABASE_URL and JWT_SECRET come from when they "
                   "are not set (secrets --db-secret-name/key, --jwt-secret-name/key)")
        ->envname("TODOAI_SECRET_STORE");
    cmd.add_option("--db-secret-name", c.db_secret_name, "Secret holding DATABASE_URL in --secret-store")
        ->envname("TODOAI_DB_SECRET_NAME")
        ->capture_default_str();
    cmd.add_option("--db-secret-key", c.db_secret_key, "Its key")
        ->envname("TODOAI_DB_SECRET_KEY")
        ->capture_default_str();
    cmd.add_option("--jwt-secret-name", c.jwt_secret_name, "Secret holding JWT_SECRET in --secret-store")
        ->envname("TODOAI_JWT_SECRET_NAME")
        ->capture_default_str();
    cmd.add_option("--jwt-secret-key", c.jwt_secret_key, "Its key")
        ->envname("TODOAI_JWT_SECRET_KEY")
        ->capture_default_str();
    cmd.add_option("--cron-binding", c.cron_binding,
                   "Dapr mode: the cron input binding whose calls run notification's catch-up sweep")
        ->envname("TODOAI_CRON_BINDING")
        ->capture_default_str();
    cmd.add_option("--dapr-wait", c.dapr_wait_seconds, "Seconds start-up waits for the sidecar to read secrets")
        ->envname("TODOAI_DAPR_WAIT")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    cmd.add_option("--processed-markers", c.processed_markers,
                   "Where audit keeps its processed-{event_id}-{service} markers: store (its own database, in the "
                   "transaction of the effect: they cannot part) or dapr-state (Dapr mode: the state store "
                   "--dapr-state-store through the sidecar, first-write; weaker, see the README)")
        ->envname("TODOAI_PROCESSED_MARKERS")
        ->check(CLI::IsMember({"store", "dapr-state"}))
        ->capture_default_str();
    cmd.add_option("--dapr-state-store", c.dapr_state_store, "Dapr mode: the state store of --processed-markers")
        ->envname("TODOAI_DAPR_STATE_STORE")
        ->capture_default_str();
}

}  // namespace

void add_options(CLI::App& cmd, Config& c) {
    cmd.add_option("--host", c.host, "Address to listen on")->envname("API_HOST")->capture_default_str();
    cmd.add_option("--port", c.port,
                   "Port to listen on (default 8000 for all, the service's own for one: todo 8001, audit 8002, "
                   "websocket 8003, notification 8004, recurring 8005; 0 picks a free one)")
        ->envname("API_PORT");
    cmd.add_option("--data-dir", c.data_dir, "Directory of the embedded SQLite files (todo.db, ...)")
        ->envname("TODOAI_DATA_DIR")
        ->capture_default_str();
    cmd.add_option("--database-url", c.database_url,
                   "sqlite:///<dir> (embedded default; overrides --data-dir) or postgresql://user:pass@host:port/db "
                   "(one schema per service: todo_service, audit_service, ...)")
        ->envname("DATABASE_URL");
    cmd.add_option("--database-pool-size", c.database_pool_size, "PostgreSQL connections per service store")
        ->envname("TODOAI_DATABASE_POOL_SIZE")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd.add_option("--jwt-secret", c.jwt_secret,
                   "HS256 secret, at least 32 bytes (default: generated into the data dir)")
        ->envname("JWT_SECRET");
    cmd.add_option("--jwt-secret-file", c.jwt_secret_file, "File holding the HS256 secret")
        ->envname("TODOAI_JWT_SECRET_FILE");
    cmd.add_option(
           "--jwks-url", c.jwks_url,
           "JWKS of another token issuer (EdDSA, ES256, RS256), e.g. {BETTER_AUTH_URL}/api/auth/jwks; http only")
        ->envname("TODOAI_JWKS_URL");
    cmd.add_option("--jwks-timeout-ms", c.jwks_timeout_ms, "Connect and answer timeout of a JWKS fetch")
        ->envname("TODOAI_JWKS_TIMEOUT_MS")
        ->check(CLI::Range(100, 60000))
        ->capture_default_str();
    cmd.add_option("--jwt-issuer", c.jwt_issuer,
                   "When set, the iss of every token verified with the JWKS must equal it")
        ->envname("TODOAI_JWT_ISSUER");
    cmd.add_option("--jwt-audience", c.jwt_audience,
                   "When set, the aud of every token verified with the JWKS must contain it")
        ->envname("TODOAI_JWT_AUDIENCE");
    cmd.add_option("--environment", c.environment, "development or production (production requires a JWT secret)")
        ->envname("ENVIRONMENT")
        ->capture_default_str();
    cmd.add_option("--cors-origins", c.cors_origins, "Comma-separated allowed browser origins, * for any")
        ->envname("CORS_ORIGINS");
    cmd.add_option("--log-level", c.log_level, "debug, info, warn or error")
        ->envname("TODOAI_LOG_LEVEL")
        ->capture_default_str();
    cmd.add_option("--access-log", c.access_log, "Log one JSON line per request (true/false)")
        ->envname("TODOAI_ACCESS_LOG")
        ->capture_default_str();
    cmd.add_option("--http-threads", c.http_threads, "HTTP io threads (0 = one per core)")
        ->envname("TODOAI_HTTP_THREADS")
        ->capture_default_str();
    cmd.add_option("--http-workers", c.http_workers,
                   "Threads that run request handlers, off the io threads (0 = on PostgreSQL one per pooled "
                   "connection, else twice the io threads, at least 4)")
        ->envname("TODOAI_HTTP_WORKERS")
        ->capture_default_str();
    cmd.add_option("--max-connections", c.max_connections,
                   "Open HTTP and WebSocket connections at most (0 = below the descriptor limit); at the cap a new "
                   "client sheds the longest-idle, else the slowest-sending, connection")
        ->envname("TODOAI_MAX_CONNECTIONS")
        ->capture_default_str();
    cmd.add_option("--request-timeout", c.request_timeout_seconds,
                   "Seconds a client has to send a whole request (header and body) once it started")
        ->envname("TODOAI_REQUEST_TIMEOUT")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    cmd.add_option("--idle-timeout", c.idle_timeout_seconds, "Seconds a keep-alive connection may wait for a request")
        ->envname("TODOAI_IDLE_TIMEOUT")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    cmd.add_option("--auth-failures-per-account", c.auth_failures_per_account,
                   "Failed sign-ins (and sign-ups of a taken email) an account may see per 5 minutes before 429 "
                   "(0 = no limit)")
        ->envname("TODOAI_AUTH_FAILURES_PER_ACCOUNT")
        ->check(CLI::Range(0, 1'000'000))
        ->capture_default_str();
    cmd.add_option("--auth-failures-per-address", c.auth_failures_per_address,
                   "Failed sign-ins and sign-ups one client address may make per 5 minutes before 429 (0 = no limit)")
        ->envname("TODOAI_AUTH_FAILURES_PER_ADDRESS")
        ->check(CLI::Range(0, 1'000'000))
        ->capture_default_str();
    cmd.add_option("--rate-limit-per-address", c.rate_limit_per_address,
                   "Requests per second one client address may make to the API (token bucket; 0 = no limit)")
        ->envname("TODOAI_RATE_LIMIT_PER_ADDRESS")
        ->check(CLI::Range(0.0, 1e9))
        ->capture_default_str();
    cmd.add_option("--rate-limit-per-user", c.rate_limit_per_user,
                   "Requests per second one authenticated user may make (token bucket; 0 = no limit)")
        ->envname("TODOAI_RATE_LIMIT_PER_USER")
        ->check(CLI::Range(0.0, 1e9))
        ->capture_default_str();
    cmd.add_option("--rate-limit-burst", c.rate_limit_burst,
                   "Requests a client may make at once above the per-second rates (0 = twice the rate, at least 10)")
        ->envname("TODOAI_RATE_LIMIT_BURST")
        ->check(CLI::Range(0.0, 1e9))
        ->capture_default_str();
    cmd.add_option("--token-ttl", c.token_ttl_seconds, "Lifetime of issued tokens, in seconds")
        ->envname("TODOAI_TOKEN_TTL")
        ->check(CLI::Range(60, 365 * 24 * 3600))
        ->capture_default_str();
    cmd.add_option("--drain-seconds", c.drain_seconds, "On SIGTERM, how long in-flight requests may finish")
        ->envname("TODOAI_DRAIN_SECONDS")
        ->check(CLI::Range(0, 3600))
        ->capture_default_str();
    cmd.add_option(
           "--reminder-check-interval", c.reminder_check_interval_seconds,
           "Seconds between catch-up sweeps for reminders missed while down (reminders themselves fire on time)")
        ->envname("REMINDER_CHECK_INTERVAL")
        ->check(CLI::Range(1, 24 * 3600))
        ->capture_default_str();
    cmd.add_option("--processed-retention-days", c.processed_retention_days,
                   "How long consumers keep processed-event markers (longer than any redelivery: Kafka retention, "
                   "dead-letter replays)")
        ->envname("TODOAI_PROCESSED_RETENTION_DAYS")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();
    cmd.add_option("--ws-heartbeat-interval", c.ws_heartbeat_interval_seconds, "Seconds between WebSocket pings")
        ->envname("WS_HEARTBEAT_INTERVAL")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    cmd.add_option("--app-api-token", c.app_api_token,
                   "Token services present to each other (recurring -> todo); generated per process when empty")
        ->envname("APP_API_TOKEN");
    cmd.add_option("--topic-layout", c.topic_layout,
                   "single (task-events, reminders) or per-type (task-created, task-updated, task-completed, "
                   "task-deleted, reminder-scheduled, reminder-due: seed 001's names)")
        ->envname("TODOAI_TOPIC_LAYOUT")
        ->check(CLI::IsMember({"single", "per-type"}))
        ->capture_default_str();
    cmd.add_option("--json-case", c.json_case,
                   "snake, or camel for front ends that read camelCase (dueDate, createdAt, status \"completed\"): "
                   "every /api/ response; input accepts both always")
        ->envname("TODOAI_JSON_CASE")
        ->check(CLI::IsMember({"snake", "camel"}))
        ->capture_default_str();
    add_kafka_options(cmd, c);
    add_dapr_options(cmd, c);
    cmd.add_option("--replica-id", c.replica_id,
                   "This replica's name: the websocket service's consumer group is unique per replica "
                   "(default: hostname-pid)")
        ->envname("TODOAI_REPLICA_ID");
    cmd.add_option("--todo-url", c.todo_url,
                   "Where the todo service answers invocations when it runs in another process "
                   "(notification -> /internal/tasks/open, recurring -> /internal/series/{id}/next)")
        ->envname("TODOAI_TODO_URL")
        ->capture_default_str();
}

bool is_postgres_url(std::string_view url) {
    return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::filesystem::path resolve_data_dir(const Config& config) {
    const std::string& url = config.database_url;
    if (url.empty()) return config.data_dir;
    constexpr std::string_view kSqlite = "sqlite://";
    if (url.starts_with(kSqlite)) {
        auto path = url.substr(kSqlite.size());
        if (path.empty() || path == "/") throw std::runtime_error("DATABASE_URL '" + url + "' names no directory");
        return path;
    }
    // PostgreSQL holds the stores; the data dir still holds what is not a store (a generated JWT secret).
    if (is_postgres_url(url)) return config.data_dir;
    throw std::runtime_error("DATABASE_URL '" + url + "' must start with sqlite:// or postgresql://");
}

pubsub::Topics topics(const Config& config) {
    const auto layout = pubsub::parse_topic_layout(config.topic_layout);
    if (!layout)
        throw std::runtime_error("--topic-layout must be single or per-type, not '" + config.topic_layout + "'");
    return pubsub::Topics(*layout);
}

}  // namespace todoai::app

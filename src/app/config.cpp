#include "app/config.hpp"

#include <stdexcept>

namespace todoai::app {

void add_options(CLI::App& cmd, Config& c) {
    cmd.add_option("--host", c.host, "Address to listen on")->envname("API_HOST")->capture_default_str();
    cmd.add_option("--port", c.port, "Port to listen on (0 picks a free one)")
        ->envname("API_PORT")
        ->capture_default_str();
    cmd.add_option("--data-dir", c.data_dir, "Directory of the embedded SQLite files (todo.db, ...)")
        ->envname("TODOAI_DATA_DIR")
        ->capture_default_str();
    cmd.add_option("--database-url", c.database_url, "sqlite:///<dir> (embedded default; overrides --data-dir)")
        ->envname("DATABASE_URL");
    cmd.add_option("--jwt-secret", c.jwt_secret,
                   "HS256 secret, at least 32 bytes (default: generated into the data dir)")
        ->envname("JWT_SECRET");
    cmd.add_option("--jwt-secret-file", c.jwt_secret_file, "File holding the HS256 secret")
        ->envname("TODOAI_JWT_SECRET_FILE");
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
    if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
        throw std::runtime_error("DATABASE_URL: PostgreSQL is not supported by this build yet; use sqlite:///<dir>");
    throw std::runtime_error("DATABASE_URL '" + url + "' must start with sqlite:// or postgresql://");
}

pubsub::Topics topics(const Config& config) {
    const auto layout = pubsub::parse_topic_layout(config.topic_layout);
    if (!layout)
        throw std::runtime_error("--topic-layout must be single or per-type, not '" + config.topic_layout + "'");
    return pubsub::Topics(*layout);
}

}  // namespace todoai::app

#pragma once
// Every setting, from the command line or its environment variable (flag wins), with the defaults --help shows.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "runtime/pubsub/topic_layout.hpp"

namespace todoai::app {

struct Config {
    std::string host = "0.0.0.0";
    std::uint16_t port = 8000;
    std::filesystem::path data_dir = "./todoai-data";
    std::string database_url;
    std::string jwt_secret;
    std::filesystem::path jwt_secret_file;
    std::string environment = "development";
    std::string cors_origins;
    std::string log_level = "info";
    bool access_log = true;
    std::size_t http_threads = 0;
    std::int64_t token_ttl_seconds = 24 * 3600;
    std::int64_t drain_seconds = 10;
    std::int64_t reminder_check_interval_seconds = 60;
    std::int64_t ws_heartbeat_interval_seconds = 30;
    std::string app_api_token;
    std::string topic_layout = "single";
};

/// Adds the options shared by `serve` and `migrate` to `cmd`.
void add_options(CLI::App& cmd, Config& config);

/// The data directory the configuration points at: DATABASE_URL=sqlite:///dir wins over TODOAI_DATA_DIR.
/// Throws std::runtime_error with a one-line reason for an unsupported URL.
std::filesystem::path resolve_data_dir(const Config& config);

/// The topic names the configuration asks for (--topic-layout, validated by the parser).
pubsub::Topics topics(const Config& config);

}  // namespace todoai::app

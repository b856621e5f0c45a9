#include "app/serve.hpp"

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include "app/jwt_secret.hpp"
#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/auth/password.hpp"
#include "runtime/http/router.hpp"
#include "runtime/http/server.hpp"
#include "runtime/log/log.hpp"
#include "runtime/ops/ops_routes.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/todo/auth_service.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/task_service.hpp"
#include "services/todo/todo_routes.hpp"

namespace todoai::app {
namespace {

// Only the process-wide signal mask is touched here: every thread started after this inherits it blocked, and one
// thread waits for SIGINT/SIGTERM synchronously, so no handler runs in an arbitrary thread.
sigset_t shutdown_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

std::unique_ptr<store::Database> open_store(const std::filesystem::path& data_dir, std::string_view service) {
    return store::open_sqlite({.file = data_dir / (std::string(service) + ".db")});
}

std::string display_host(const std::string& host) {
    if (host == "0.0.0.0" || host.empty()) return "127.0.0.1";
    if (host == "::") return "[::1]";
    if (host.find(':') != std::string::npos) return "[" + host + "]";
    return host;
}

}  // namespace

int serve(const Config& config, const std::string& service) {
    // Before any thread exists (loggers, pools, io threads), so all of them inherit the blocked mask.
    auto signals = shutdown_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    log::Level level;
    if (!log::parse_level(config.log_level, level))
        throw std::runtime_error("--log-level must be debug, info, warn or error, not '" + config.log_level + "'");
    log::init(level);
    const auto data_dir = resolve_data_dir(config);
    const auto secret = resolve_jwt_secret(config, data_dir);

    SystemClock clock;
    auto todo_db = open_store(data_dir, "todo");
    todo_db->migrate(todo::migrations());

    auth::JwtCodec jwt(secret, clock);
    auth::PasswordHasher hasher;
    todo::AuthService auth_service(*todo_db, jwt, hasher, clock, std::chrono::seconds(config.token_ttl_seconds));
    todo::TaskService task_service(*todo_db, clock);

    http::Metrics metrics;
    http::Router router;
    todo::register_routes(router, auth_service, task_service, jwt);
    ops::register_routes(router, {{"todo-store", [&] { return todo_db->ping(); }}}, metrics);

    http::ServerOptions options{
        .host = config.host,
        .port = config.port,
        .threads = config.http_threads,
        .drain_timeout = std::chrono::seconds(config.drain_seconds),
        .access_log = config.access_log,
        .cors_origins = config.cors_origins,
    };
    http::Server server(
        options, [&router](http::Request& req) { return router.dispatch(req); }, metrics);

    const auto port = server.listen();
    std::cout << "todoai " << TODOAI_VERSION << " serving " << service << " on http://" << display_host(config.host)
              << ":" << port << " (data in " << data_dir.string() << ")" << std::endl;
    log::info("listening on " + config.host + ":" + std::to_string(port));

    std::atomic<bool> server_done{false};
    std::thread signal_waiter([&server, &server_done, signals] {
        int received = 0;
        sigwait(&signals, &received);
        if (server_done) return;  // woken by the main thread below, not by a user
        log::info(std::string("received ") + (received == SIGTERM ? "SIGTERM" : "SIGINT") + ", draining");
        server.stop();
    });
    server.run();
    server_done = true;
    pthread_kill(signal_waiter.native_handle(), SIGTERM);  // a no-op if the waiter already returned
    signal_waiter.join();
    log::info("stopped");
    return 0;
}

int migrate(const Config& config) {
    const auto data_dir = resolve_data_dir(config);
    auto todo_db = open_store(data_dir, "todo");
    todo_db->migrate(todo::migrations());
    std::cout << "todo: schema up to date in " << (data_dir / "todo.db").string() << std::endl;
    return 0;
}

}  // namespace todoai::app

#include "app/serve.hpp"

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include "app/secrets.hpp"
#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/auth/password.hpp"
#include "runtime/http/router.hpp"
#include "runtime/http/server.hpp"
#include "runtime/invoke/in_process_invoker.hpp"
#include "runtime/log/log.hpp"
#include "runtime/ops/ops_routes.hpp"
#include "runtime/pubsub/dead_letter_store.hpp"
#include "runtime/pubsub/memory_bus.hpp"
#include "runtime/pubsub/outbox.hpp"
#include "runtime/scheduler/timer_queue.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/audit/audit_service.hpp"
#include "services/notification/notification_service.hpp"
#include "services/recurring/recurring_service.hpp"
#include "services/todo/auth_service.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/series_routes.hpp"
#include "services/todo/task_service.hpp"
#include "services/todo/todo_routes.hpp"
#include "services/websocket/websocket_service.hpp"

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

std::unique_ptr<store::Database> open_store(const std::filesystem::path& data_dir,
                                            std::string_view name,
                                            std::span<const store::Migration> migrations) {
    auto db = store::open_sqlite({.file = data_dir / (std::string(name) + ".db")});
    db->migrate(migrations);
    return db;
}

std::string display_host(const std::string& host) {
    if (host == "0.0.0.0" || host.empty()) return "127.0.0.1";
    if (host == "::") return "[::1]";
    if (host.find(':') != std::string::npos) return "[" + host + "]";
    return host;
}

/// Every store of the all-in-one process: one SQLite file per service, plus the embedded bus's dead letters.
struct Stores {
    std::unique_ptr<store::Database> todo, audit, notification, recurring, websocket, bus;

    explicit Stores(const std::filesystem::path& dir)
        : todo(open_store(dir, "todo", todo::migrations())),
          audit(open_store(dir, "audit", audit::AuditService::migrations())),
          notification(open_store(dir, "notification", notification::NotificationService::migrations())),
          recurring(open_store(dir, "recurring", recurring::RecurringService::migrations())),
          websocket(open_store(dir, "websocket", websocket::WebSocketService::migrations())),
          bus(open_store(dir, "bus", pubsub::DeadLetterStore::migrations())) {}
};

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
    Stores stores(data_dir);
    auth::JwtCodec jwt(secret, clock);
    auth::PasswordHasher hasher;

    // The embedded bus and one outbox relay per producing store (todo: task events; notification: reminders).
    pubsub::DeadLetterStore dead_letters(*stores.bus);
    auto bus = pubsub::make_memory_bus(dead_letters, clock);
    pubsub::OutboxRelay todo_relay(*stores.todo, *bus, clock);
    pubsub::OutboxRelay notification_relay(*stores.notification, *bus, clock);
    scheduler::TimerQueue timers;

    todo::AuthService accounts(*stores.todo, jwt, hasher, clock, std::chrono::seconds(config.token_ttl_seconds));
    todo::TaskService tasks(*stores.todo, clock, [&todo_relay] { todo_relay.notify(); });
    audit::AuditService audit(*stores.audit, clock);
    // Declared before the server: the server and its open connections go first.
    websocket::WebSocketService live(*stores.websocket, clock, jwt,
                                     {.heartbeat = std::chrono::seconds(config.ws_heartbeat_interval_seconds)});
    notification::NotificationService notifications(*stores.notification, clock, timers,
                                                    std::chrono::seconds(config.reminder_check_interval_seconds),
                                                    [&notification_relay] { notification_relay.notify(); });

    // recurring -> todo goes through the invoke interface; in one process it is a call into todo's router, carrying
    // the same app token an HTTP call would.
    const auto app_token = config.app_api_token.empty() ? random_hex(32) : config.app_api_token;
    http::Metrics metrics;
    http::Router router;
    invoke::InProcessInvoker invoker;
    invoker.add("todo-service", [&router](http::Request& req) { return router.dispatch(req); });
    recurring::RecurringService recurring(*stores.recurring, clock, invoker, app_token);

    todo::register_routes(router, accounts, tasks, jwt);
    todo::register_series_routes(router, tasks, app_token);
    audit.register_routes(router, jwt);
    notifications.register_routes(router, jwt);
    ops::register_routes(router,
                         {{"todo-store", [&] { return stores.todo->ping(); }},
                          {"audit-store", [&] { return stores.audit->ping(); }},
                          {"notification-store", [&] { return stores.notification->ping(); }},
                          {"recurring-store", [&] { return stores.recurring->ping(); }},
                          {"websocket-store", [&] { return stores.websocket->ping(); }},
                          {"bus", [&] { return bus->ready(); }}},
                         metrics);

    // The memory bus delivers to groups in subscription order: the live feed first, it is the latency that shows.
    live.subscribe(*bus);
    audit.subscribe(*bus);
    notifications.subscribe(*bus);
    recurring.subscribe(*bus);

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
    server.add_websocket(std::string(websocket::kPath), live.acceptor(), live.websocket_options());
    const auto port = server.listen();

    bus->start();
    // Deliver what was committed before a crash first, so the reminder sweep below sees the completions and
    // deletions that were still in the outbox.
    todo_relay.drain_once();
    timers.start();
    notifications.start();
    todo_relay.start();
    notification_relay.start();

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

    // Requests are drained; now the events they committed, then the consumers.
    todo_relay.stop(std::chrono::seconds(config.drain_seconds));
    notifications.stop();
    timers.stop();
    notification_relay.stop();
    bus->stop();
    log::info("stopped");
    return 0;
}

int migrate(const Config& config) {
    const auto data_dir = resolve_data_dir(config);
    Stores stores(data_dir);
    std::cout << "schemas up to date in " << data_dir.string()
              << " (todo.db, audit.db, notification.db, recurring.db, websocket.db, bus.db)" << std::endl;
    return 0;
}

}  // namespace todoai::app

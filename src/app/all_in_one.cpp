#include "app/all_in_one.hpp"

#include "app/secrets.hpp"
#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/auth/password.hpp"
#include "runtime/http/server.hpp"
#include "runtime/invoke/in_process_invoker.hpp"
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
#include "services/todo/task_status_routes.hpp"
#include "services/todo/todo_routes.hpp"
#include "services/todo/web_routes.hpp"
#include "services/websocket/websocket_service.hpp"

namespace todoai::app {
namespace {

std::unique_ptr<store::Database> open_store(const std::filesystem::path& data_dir,
                                            std::string_view name,
                                            std::span<const store::Migration> migrations) {
    auto db = store::open_sqlite({.file = data_dir / (std::string(name) + ".db")});
    db->migrate(migrations);
    return db;
}

}  // namespace

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

// Members are declared in dependency order: each is built from the ones above it and destroyed before them.
struct AllInOne::Impl {
    const Config config;
    const pubsub::Topics topics = app::topics(config);
    SystemClock clock;
    Stores stores;
    auth::JwtCodec jwt;
    auth::PasswordHasher hasher;

    // The embedded bus and one outbox relay per producing store (todo: task events; notification: reminders).
    pubsub::DeadLetterStore dead_letters{*stores.bus};
    std::unique_ptr<pubsub::Bus> bus = pubsub::make_memory_bus(dead_letters, clock);
    pubsub::OutboxRelay todo_relay{*stores.todo, *bus, clock};
    pubsub::OutboxRelay notification_relay{*stores.notification, *bus, clock};
    scheduler::TimerQueue timers;

    // recurring -> todo goes through the invoke interface; in one process it is a call into todo's router, carrying
    // the same app token an HTTP call would.
    const std::string app_token = config.app_api_token.empty() ? random_hex(32) : config.app_api_token;
    http::Metrics metrics;
    http::Router router;
    invoke::InProcessInvoker invoker;

    todo::AuthService accounts{*stores.todo, jwt, hasher, clock, std::chrono::seconds(config.token_ttl_seconds)};
    todo::TaskService tasks{*stores.todo, clock, [this] { todo_relay.notify(); }, topics};
    audit::AuditService audit{*stores.audit, clock};
    websocket::WebSocketService live{
        *stores.websocket, clock, jwt, {.heartbeat = std::chrono::seconds(config.ws_heartbeat_interval_seconds)}};
    notification::NotificationService notifications{*stores.notification,
                                                    clock,
                                                    timers,
                                                    std::chrono::seconds(config.reminder_check_interval_seconds),
                                                    [this] { notification_relay.notify(); },
                                                    invoker,
                                                    app_token,
                                                    topics};
    recurring::RecurringService recurring{*stores.recurring, clock, invoker, app_token};

    // Last: the server and its open connections go first on destruction.
    std::unique_ptr<http::Server> server;

    Impl(const Config& c, const std::filesystem::path& data_dir, const std::string& secret)
        : config(c), stores(data_dir), jwt(secret, clock) {
        invoker.add("todo-service", [this](http::Request& req) { return router.dispatch(req); });
        register_routes();
        // The memory bus delivers to groups in subscription order: the live feed first, its latency shows.
        live.subscribe(*bus, topics);
        audit.subscribe(*bus, topics);
        notifications.subscribe(*bus);
        recurring.subscribe(*bus, topics);

        http::ServerOptions options{
            .host = config.host,
            .port = config.port,
            .threads = config.http_threads,
            .drain_timeout = std::chrono::seconds(config.drain_seconds),
            .access_log = config.access_log,
            .cors_origins = config.cors_origins,
        };
        server = std::make_unique<http::Server>(
            options, [this](http::Request& req) { return router.dispatch(req); }, metrics);
        server->add_websocket(std::string(websocket::kPath), live.acceptor(), live.websocket_options());
    }

    void register_routes() {
        // A store that stays busy or unreachable past its timeout is a 503 the client may retry, not a 500.
        router.set_error_mapper([](const std::exception& e) -> std::optional<http::Problem> {
            const auto* store_error = dynamic_cast<const store::StoreError*>(&e);
            if (store_error == nullptr || store_error->kind() != store::StoreError::Kind::unavailable)
                return std::nullopt;
            return http::Problem{.status = 503,
                                 .title = std::string(http::status_title(503)),
                                 .detail = "the store is unavailable; retry shortly"};
        });
        todo::register_routes(router, accounts, tasks, jwt);
        todo::register_series_routes(router, tasks, app_token);
        todo::register_task_status_routes(router, tasks, app_token);
        todo::register_web_routes(router);
        audit.register_routes(router, jwt);
        notifications.register_routes(router, jwt);
        ops::register_routes(router,
                             {{"todo-store", [this] { return stores.todo->ping(); }},
                              {"audit-store", [this] { return stores.audit->ping(); }},
                              {"notification-store", [this] { return stores.notification->ping(); }},
                              {"recurring-store", [this] { return stores.recurring->ping(); }},
                              {"websocket-store", [this] { return stores.websocket->ping(); }},
                              {"bus", [this] { return bus->ready(); }}},
                             metrics);
    }

    void run() {
        bus->start();
        // Deliver what was committed before a crash first, so the reminder sweep below sees the completions and
        // deletions that were still in the outbox.
        todo_relay.drain_once();
        timers.start();
        notifications.start();
        todo_relay.start();
        notification_relay.start();

        server->run();

        // Requests are drained; now the events they committed, then the consumers.
        todo_relay.stop(std::chrono::seconds(config.drain_seconds));
        notifications.stop();
        timers.stop();
        notification_relay.stop();
        bus->stop();
    }
};

AllInOne::AllInOne(const Config& config, const std::filesystem::path& data_dir, const std::string& jwt_secret)
    : impl_(std::make_unique<Impl>(config, data_dir, jwt_secret)) {}

AllInOne::~AllInOne() = default;

const http::Router& AllInOne::router() const { return impl_->router; }

std::uint16_t AllInOne::listen() { return impl_->server->listen(); }

void AllInOne::run() { impl_->run(); }

void AllInOne::stop() { impl_->server->stop(); }

}  // namespace todoai::app

#include "app/serve.hpp"

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include "app/all_in_one.hpp"
#include "app/secrets.hpp"
#include "runtime/log/log.hpp"
#include "runtime/pubsub/dead_letter_store.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/audit/audit_service.hpp"
#include "services/notification/notification_service.hpp"
#include "services/recurring/recurring_service.hpp"
#include "services/todo/migrations.hpp"
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

    AllInOne process(config, data_dir, secret);
    const auto port = process.listen();

    std::cout << "todoai " << TODOAI_VERSION << " serving " << service << " on http://" << display_host(config.host)
              << ":" << port << " (data in " << data_dir.string() << ")" << std::endl;
    log::info("listening on " + config.host + ":" + std::to_string(port));

    std::atomic<bool> server_done{false};
    std::thread signal_waiter([&process, &server_done, signals] {
        int received = 0;
        sigwait(&signals, &received);
        if (server_done) return;  // woken by the main thread below, not by a user
        log::info(std::string("received ") + (received == SIGTERM ? "SIGTERM" : "SIGINT") + ", draining");
        process.stop();
    });
    process.run();
    server_done = true;
    pthread_kill(signal_waiter.native_handle(), SIGTERM);  // a no-op if the waiter already returned
    signal_waiter.join();

    log::info("stopped");
    return 0;
}

int migrate(const Config& config) {
    const auto data_dir = resolve_data_dir(config);
    const std::pair<std::string_view, std::span<const store::Migration>> stores[] = {
        {"todo", todo::migrations()},
        {"audit", audit::AuditService::migrations()},
        {"notification", notification::NotificationService::migrations()},
        {"recurring", recurring::RecurringService::migrations()},
        {"websocket", websocket::WebSocketService::migrations()},
        {"bus", pubsub::DeadLetterStore::migrations()},
    };
    for (const auto& [name, migrations] : stores) {
        const auto file = data_dir / (std::string(name) + ".db");
        store::open_sqlite({.file = file})->migrate(migrations);
        std::cout << name << ": schema up to date in " << file.string() << '\n';
    }
    return 0;
}

}  // namespace todoai::app

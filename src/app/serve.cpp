#include "app/serve.hpp"

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>
#include <tuple>
#include <vector>

#include "app/drivers.hpp"
#include "app/process.hpp"
#include "app/secrets.hpp"
#include "app/service_catalog.hpp"
#include "runtime/log/log.hpp"
#include "runtime/pubsub/dead_letter_store.hpp"
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

namespace {

// Separate processes reach each other only through Kafka and must agree on the secrets: name everything missing in
// one line rather than starting a service that cannot work.
void require_distributed_settings(const Config& config, const std::string& service) {
    std::vector<std::string> missing;
    if (config.kafka_brokers.empty() && !config.dapr())
        missing.push_back("TODOAI_KAFKA_BROKERS (--kafka-brokers) or TODOAI_PUBSUB=dapr");
    if (config.jwt_secret.empty() && config.jwt_secret_file.empty()) missing.push_back("JWT_SECRET (--jwt-secret)");
    if (config.app_api_token.empty()) missing.push_back("APP_API_TOKEN (--app-api-token)");
    if (missing.empty()) return;
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw std::runtime_error("serve " + service +
                             " runs one service, which reaches the others only through Kafka (or Dapr) and must share their "
                             "secrets; missing: " +
                             list);
}

std::string data_description(const Config& config,
                             const std::vector<Service>& services,
                             const std::filesystem::path& data_dir) {
    const StoreLocation stores(config);
    if (services.size() == 1) return stores.describe(info(services[0]).name, info(services[0]).schema);
    if (stores.postgres()) return "PostgreSQL schemas *_service on " + stores.place();
    return data_dir.string();
}

}  // namespace

int serve(const Config& given, const std::string& service) {
    // Dapr mode: DATABASE_URL and JWT_SECRET may come from the sidecar's secret store; everything below sees them.
    Config config = given;
    if (config.dapr()) apply_dapr_secrets(config);
    const auto services = parse_services(service);
    if (!services) {
        std::cerr << "todoai: unknown service '" << service
                  << "' (todo, audit, websocket, notification, recurring or all)" << std::endl;
        return 2;
    }
    if (services->size() == 1) require_distributed_settings(config, service);

    // Before any thread exists (loggers, pools, io threads), so all of them inherit the blocked mask.
    auto signals = shutdown_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    log::Level level;
    if (!log::parse_level(config.log_level, level))
        throw std::runtime_error("--log-level must be debug, info, warn or error, not '" + config.log_level + "'");
    log::init(level);
    const auto data_dir = resolve_data_dir(config);
    const auto secret = resolve_jwt_secret(config, data_dir);

    Config effective = config;
    effective.data_dir = data_dir;
    Process process(effective, *services, secret);
    const auto port = process.listen();

    std::cout << "todoai " << TODOAI_VERSION << " serving " << service << " on http://" << display_host(config.host)
              << ":" << port << " (data in " << data_description(effective, *services, data_dir) << ")" << std::endl;
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
    const StoreLocation stores(config);
    std::vector<std::tuple<std::string_view, std::string_view, std::span<const store::Migration>>> all = {
        {"todo", info(Service::todo).schema, todo::migrations()},
        {"audit", info(Service::audit).schema, audit::AuditService::migrations()},
        {"notification", info(Service::notification).schema, notification::NotificationService::migrations()},
        {"recurring", info(Service::recurring).schema, recurring::RecurringService::migrations()},
        {"websocket", info(Service::websocket).schema, websocket::WebSocketService::migrations()},
        {"bus", StoreLocation::kBusSchema, pubsub::DeadLetterStore::migrations()},
    };
    for (const auto& [name, schema, migrations] : all) {
        stores.open(name, schema, migrations);
        std::cout << name << ": schema up to date in " << stores.describe(name, schema) << '\n';
    }
    return 0;
}

}  // namespace todoai::app

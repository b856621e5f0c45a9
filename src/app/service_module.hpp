#pragma once
// One service wired into a process: its store, its routes, its consumers and its background work. A process runs one
// module (`serve <service>`) or all five (`serve all`); each module is written once for both.
#include <chrono>
#include <memory>
#include <vector>

#include "app/platform.hpp"
#include "app/service_catalog.hpp"
#include "runtime/http/server.hpp"
#include "runtime/ops/ops_routes.hpp"
#include "runtime/pubsub/marker_pruner.hpp"

namespace todoai::app {

class ServiceModule {
  public:
    virtual ~ServiceModule() = default;

    /// Its routes (the process adds /health, /health/ready and /metrics once).
    virtual void register_routes(http::Router& router) = 0;
    /// What /health/ready checks for it (its store).
    virtual std::vector<ops::ReadinessProbe> probes() = 0;
    /// Its consumers; called before the bus starts.
    virtual void subscribe(pubsub::Bus&) {}
    /// Endpoints the server answers itself (the WebSocket feed); called before the server listens.
    virtual void attach(http::Server&) {}
    /// After the bus started, before the server serves: relays, timers.
    virtual void start() {}
    /// After the server drained its requests: publishes what it committed (bounded by `drain`), then stops.
    virtual void stop(std::chrono::milliseconds /*drain*/) {}
};

/// Opens and migrates the service's store and builds it on `platform`, which must outlive it.
std::unique_ptr<ServiceModule> make_todo_module(Platform& platform);
std::unique_ptr<ServiceModule> make_audit_module(Platform& platform);
std::unique_ptr<ServiceModule> make_websocket_module(Platform& platform);
std::unique_ptr<ServiceModule> make_notification_module(Platform& platform);
std::unique_ptr<ServiceModule> make_recurring_module(Platform& platform);

inline std::unique_ptr<ServiceModule> make_module(Service service, Platform& platform) {
    switch (service) {
        case Service::todo:
            return make_todo_module(platform);
        case Service::audit:
            return make_audit_module(platform);
        case Service::websocket:
            return make_websocket_module(platform);
        case Service::notification:
            return make_notification_module(platform);
        case Service::recurring:
            return make_recurring_module(platform);
    }
    return nullptr;
}

/// The pruner of a consuming service's processed markers, with the configured retention.
inline pubsub::MarkerPruner make_marker_pruner(const Platform& platform, store::Database& db) {
    return pubsub::MarkerPruner(db, platform.clock,
                                {.retention = std::chrono::hours(24 * platform.config.processed_retention_days)});
}

/// Opens the store of `service` with `migrations` where the configuration says.
inline std::unique_ptr<store::Database> open_service_store(Platform& platform,
                                                           Service service,
                                                           std::span<const store::Migration> migrations,
                                                           Durability durability = Durability::durable) {
    return platform.stores.open(info(service).name, info(service).schema, migrations, durability);
}

}  // namespace todoai::app

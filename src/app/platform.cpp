#include "app/platform.hpp"

#include <algorithm>

#include "app/jwks_fetch.hpp"
#include "app/secrets.hpp"
#include "runtime/invoke/dapr_invoker.hpp"
#include "runtime/pubsub/memory_bus.hpp"

namespace todoai::app {

Platform::Platform(const Config& c, std::span<const Service> services, const std::string& jwt_secret)
    : config(c),
      topics(app::topics(c)),
      stores(c),
      jwt(jwt_secret, clock, jwt_options(c, clock)),
      app_token(c.app_api_token.empty() ? random_hex(32) : c.app_api_token),
      replica_id(c.replica_id.empty() ? default_replica_id() : c.replica_id),
      services_(services.begin(), services.end()) {
    if (config.dapr()) {
        sidecar_ = std::make_unique<dapr::SidecarClient>(sidecar_options(config));
        auto dapr_bus = std::make_unique<pubsub::DaprBus>(
            *sidecar_,
            pubsub::DaprBusOptions{.pubsub_name = config.dapr_pubsub_name, .bulk_publish = config.dapr_bulk_publish});
        dapr_bus_ = dapr_bus.get();
        bus_ = std::move(dapr_bus);
    } else {
        bus_ = make_configured_kafka_bus(config, clock);
        kafka_ = bus_ != nullptr;
    }
    if (!bus_) {
        bus_store_ = stores.open("bus", StoreLocation::kBusSchema, pubsub::DeadLetterStore::migrations());
        dead_letters_ = std::make_unique<pubsub::DeadLetterStore>(*bus_store_);
        bus_ = pubsub::make_memory_bus(*dead_letters_, clock);
    }
    counting_bus_ = std::make_unique<pubsub::CountingBus>(*bus_, delivery_metrics_);
    metrics.add_section([this] { return delivery_metrics_.render(); });
    if (runs(Service::todo)) {
        // The same router, the same app-token check an HTTP call would meet.
        in_process_.add(std::string(info(Service::todo).app_id),
                        [this](http::Request& req) { return router.dispatch(req); });
    } else if (config.dapr()) {
        remote_invoker_ = std::make_unique<invoke::DaprInvoker>(
            invoke::DaprInvokerOptions{.host = config.dapr_host,
                                       .http_port = config.dapr_http_port,
                                       .api_token = config.dapr_api_token,
                                       .app_ids = {std::string(info(Service::todo).app_id)}});
    } else {
        remote_invoker_ = std::make_unique<invoke::HttpInvoker>(
            invoke::HttpInvokerOptions{.targets = {{std::string(info(Service::todo).app_id), config.todo_url}}});
    }
}

Platform::~Platform() = default;

bool Platform::runs(Service service) const {
    return std::find(services_.begin(), services_.end(), service) != services_.end();
}

pubsub::Bus& Platform::bus_for(Service service) {
    // The in-process bus keeps the plain names: its dead letters are replayed to the group that failed them, which
    // must still exist after a restart.
    if (!kafka_) return *counting_bus_;
    const std::string suffix = service == Service::websocket ? replica_id : "";
    return *named_buses_.emplace_back(
        std::make_unique<GroupNamingBus>(*counting_bus_, config.kafka_consumer_group, suffix));
}

invoke::Invoker& Platform::todo_invoker() {
    if (remote_invoker_) return *remote_invoker_;
    return in_process_;
}

}  // namespace todoai::app

#pragma once
// What the service modules of one process share: the configuration, the clock, the JWT codec, the app token, the
// topic layout, where the stores live, the bus, the invoker that reaches the todo service, the router and metrics.
// Built once at start-up; modules hold a reference to it.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/consumer_groups.hpp"
#include "app/drivers.hpp"
#include "app/service_catalog.hpp"
#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/http/metrics.hpp"
#include "runtime/http/router.hpp"
#include "runtime/dapr/sidecar_client.hpp"
#include "runtime/invoke/http_invoker.hpp"
#include "runtime/invoke/in_process_invoker.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/pubsub/dapr/dapr_bus.hpp"
#include "runtime/pubsub/dead_letter_store.hpp"
#include "runtime/pubsub/delivery_metrics.hpp"
#include "runtime/pubsub/topic_layout.hpp"

namespace todoai::app {

class Platform {
  public:
    /// Opens the bus: Kafka when configured, else the in-process bus (its dead letters in the "bus" store).
    Platform(const Config& config, std::span<const Service> services, const std::string& jwt_secret);
    ~Platform();
    Platform(const Platform&) = delete;
    Platform& operator=(const Platform&) = delete;

    bool runs(Service service) const;
    bool kafka() const { return kafka_; }
    /// Dapr mode: events, invocations (and secrets, the cron binding) go through the sidecar.
    bool dapr() const { return dapr_bus_ != nullptr; }
    /// The Dapr bus (dapr() only): its subscriber routes are the process's.
    pubsub::DaprBus& dapr_bus() { return *dapr_bus_; }
    dapr::SidecarClient& sidecar() { return *sidecar_; }

    /// The process's bus (relays publish on it; the process starts and stops it).
    pubsub::Bus& bus() { return *bus_; }
    /// The bus `service` subscribes through: on Kafka its groups carry the configured prefix, and the websocket
    /// service's the replica id (every replica sees every event).
    pubsub::Bus& bus_for(Service service);

    /// Reaches app "todo-service": a call into this process's router when todo runs here, else through the Dapr
    /// sidecar (Dapr mode) or HTTP to --todo-url.
    invoke::Invoker& todo_invoker();

    const Config config;
    const pubsub::Topics topics;
    const StoreLocation stores;
    const SystemClock clock;
    const auth::JwtCodec jwt;
    const std::string app_token;  // APP_API_TOKEN, or (all in one process) a random one
    const std::string replica_id;
    http::Metrics metrics;
    http::Router router;

  private:
    std::vector<Service> services_;
    bool kafka_ = false;
    std::unique_ptr<dapr::SidecarClient> sidecar_;
    pubsub::DaprBus* dapr_bus_ = nullptr;  // bus_ in Dapr mode
    std::unique_ptr<store::Database> bus_store_;
    std::unique_ptr<pubsub::DeadLetterStore> dead_letters_;
    std::unique_ptr<pubsub::Bus> bus_;
    pubsub::DeliveryMetrics delivery_metrics_;           // on /metrics with the HTTP figures
    std::unique_ptr<pubsub::CountingBus> counting_bus_;  // what services subscribe through, around bus_
    std::vector<std::unique_ptr<GroupNamingBus>> named_buses_;
    invoke::InProcessInvoker in_process_;
    std::unique_ptr<invoke::Invoker> remote_invoker_;  // HttpInvoker or DaprInvoker
};

}  // namespace todoai::app

// The websocket service as a module: GET /ws on the process's server, fed by task and reminder events.
#include "app/service_module.hpp"
#include "services/websocket/websocket_service.hpp"

namespace todoai::app {
namespace {

class WebSocketModule final : public ServiceModule {
  public:
    explicit WebSocketModule(Platform& p)
        : p_(p),
          db_(open_service_store(p, Service::websocket, websocket::WebSocketService::migrations(), Durability::cache)),
          live_(*db_, p.clock, p.jwt, options(p)) {}

    // /ws is answered by the server itself (attach); the event stream is a route like any other.
    void register_routes(http::Router& router) override {
        const auto events = live_.event_stream_handler();
        router.add(http::Method::get, "/api/{user_id}" + std::string(websocket::kEventsSuffix), events);
        router.add(http::Method::get, "/api" + std::string(websocket::kEventsSuffix), events);  // the token's user
    }
    std::vector<ops::ReadinessProbe> probes() override {
        return {{"websocket-store", [this] { return db_->ping(); }}};
    }
    void subscribe(pubsub::Bus& bus) override { live_.subscribe(bus, p_.topics); }
    void attach(http::Server& server) override {
        server.add_websocket(std::string(websocket::kPath), live_.acceptor(), live_.websocket_options());
    }

  private:
    static websocket::WebSocketServiceOptions options(const Platform& p) {
        websocket::WebSocketServiceOptions o{.heartbeat = std::chrono::seconds(p.config.ws_heartbeat_interval_seconds)};
        // Replicas share one store: each records what it processed under its own name, so each pushes every event
        // to its own connections.
        if (p.kafka() || p.dapr()) o.consumer = std::string(websocket::kServiceName) + "." + p.replica_id;
        return o;
    }

    Platform& p_;
    std::unique_ptr<store::Database> db_;
    websocket::WebSocketService live_;
};

}  // namespace

std::unique_ptr<ServiceModule> make_websocket_module(Platform& platform) {
    return std::make_unique<WebSocketModule>(platform);
}

}  // namespace todoai::app

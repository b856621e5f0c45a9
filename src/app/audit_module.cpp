// The audit service as a module: every task and reminder event stored once, and the user's trail.
#include <chrono>
#include <stdexcept>

#include "app/service_module.hpp"
#include "runtime/pubsub/dapr/state_markers.hpp"
#include "services/audit/audit_service.hpp"

namespace todoai::app {
namespace {

// --processed-markers dapr-state: the markers in the Dapr state store, through the sidecar (null: in audit's store).
std::unique_ptr<pubsub::MarkerStore> make_markers(Platform& p) {
    if (p.config.processed_markers != "dapr-state") return nullptr;
    if (!p.dapr()) throw std::runtime_error("--processed-markers dapr-state needs Dapr mode (--pubsub dapr)");
    const auto days = std::chrono::hours(24 * p.config.processed_retention_days);
    return std::make_unique<pubsub::DaprStateMarkers>(
        p.sidecar(), pubsub::StateMarkersOptions{.store = p.config.dapr_state_store,
                                                 .ttl = std::chrono::duration_cast<std::chrono::seconds>(days)});
}

class AuditModule final : public ServiceModule {
  public:
    explicit AuditModule(Platform& p)
        : p_(p),
          db_(open_service_store(p, Service::audit, audit::AuditService::migrations())),
          state_markers_(make_markers(p)),
          audit_(*db_, p.clock, state_markers_.get()),
          markers_(make_marker_pruner(p, *db_)) {}

    void register_routes(http::Router& router) override { audit_.register_routes(router, p_.jwt); }
    std::vector<ops::ReadinessProbe> probes() override {
        return {{"audit-store", [this] { return db_->ping(); }}};
    }
    void subscribe(pubsub::Bus& bus) override { audit_.subscribe(bus, p_.topics); }
    void start() override { markers_.start(); }
    void stop(std::chrono::milliseconds) override { markers_.stop(); }

  private:
    Platform& p_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<pubsub::MarkerStore> state_markers_;
    audit::AuditService audit_;
    pubsub::MarkerPruner markers_;
};

}  // namespace

std::unique_ptr<ServiceModule> make_audit_module(Platform& platform) { return std::make_unique<AuditModule>(platform); }

}  // namespace todoai::app

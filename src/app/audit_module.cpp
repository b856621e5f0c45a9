// The audit service as a module: every task and reminder event stored once, and the user's trail.
#include "app/service_module.hpp"
#include "services/audit/audit_service.hpp"

namespace todoai::app {
namespace {

class AuditModule final : public ServiceModule {
  public:
    explicit AuditModule(Platform& p)
        : p_(p),
          db_(open_service_store(p, Service::audit, audit::AuditService::migrations())),
          audit_(*db_, p.clock),
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
    audit::AuditService audit_;
    pubsub::MarkerPruner markers_;
};

}  // namespace

std::unique_ptr<ServiceModule> make_audit_module(Platform& platform) { return std::make_unique<AuditModule>(platform); }

}  // namespace todoai::app

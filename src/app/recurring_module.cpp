// The recurring service as a module: on a recurring task's completion it invokes todo (in this process or over
// HTTP) to create the next instance. No routes of its own beyond the process's health and metrics.
#include "app/service_module.hpp"
#include "services/recurring/recurring_service.hpp"

namespace todoai::app {
namespace {

class RecurringModule final : public ServiceModule {
  public:
    explicit RecurringModule(Platform& p)
        : p_(p),
          db_(open_service_store(p, Service::recurring, recurring::RecurringService::migrations())),
          recurring_(*db_, p.clock, p.todo_invoker(), p.app_token),
          markers_(make_marker_pruner(p, *db_)) {}

    void register_routes(http::Router&) override {}
    std::vector<ops::ReadinessProbe> probes() override {
        return {{"recurring-store", [this] { return db_->ping(); }}};
    }
    void subscribe(pubsub::Bus& bus) override { recurring_.subscribe(bus, p_.topics); }
    void start() override { markers_.start(); }
    void stop(std::chrono::milliseconds) override { markers_.stop(); }

  private:
    Platform& p_;
    std::unique_ptr<store::Database> db_;
    recurring::RecurringService recurring_;
    pubsub::MarkerPruner markers_;
};

}  // namespace

std::unique_ptr<ServiceModule> make_recurring_module(Platform& platform) {
    return std::make_unique<RecurringModule>(platform);
}

}  // namespace todoai::app

// The notification service as a module: reminders learnt from task events, fired from its timer queue, published
// through its outbox relay; it asks todo (in this process or over HTTP) whether a task is still open.
#include "app/service_module.hpp"
#include "runtime/dapr/input_binding.hpp"
#include "runtime/pubsub/outbox.hpp"
#include "runtime/scheduler/timer_queue.hpp"
#include "services/notification/notification_service.hpp"

namespace todoai::app {
namespace {

class NotificationModule final : public ServiceModule {
  public:
    explicit NotificationModule(Platform& p)
        : p_(p),
          db_(open_service_store(p, Service::notification, notification::NotificationService::migrations())),
          relay_(*db_, p.bus(), p.clock),
          notifications_(
              *db_,
              p.clock,
              timers_,
              std::chrono::seconds(p.config.reminder_check_interval_seconds),
              [this] { relay_.notify(); },
              p.todo_invoker(),
              p.app_token,
              p.topics),
          markers_(make_marker_pruner(p, *db_)) {}

    void register_routes(http::Router& router) override {
        notifications_.register_routes(router, p_.jwt);
        // Dapr mode: the cron binding (seed 001's reminder-check-cron, @every 1m) also runs the catch-up sweep, so a
        // reminder missed while every replica was down fires on the next tick even before a replica's own timer.
        if (p_.dapr())
            dapr::register_input_binding(router, p_.config.cron_binding, p_.config.app_api_token,
                                         [this] { return notifications_.sweep(); });
    }
    std::vector<ops::ReadinessProbe> probes() override {
        return {{"notification-store", [this] { return db_->ping(); }}};
    }
    void subscribe(pubsub::Bus& bus) override { notifications_.subscribe(bus); }

    void start() override {
        timers_.start();
        notifications_.start();
        relay_.start();
        markers_.start();
    }

    void stop(std::chrono::milliseconds) override {
        notifications_.stop();
        timers_.stop();
        relay_.stop();
        markers_.stop();
    }

  private:
    Platform& p_;
    std::unique_ptr<store::Database> db_;
    pubsub::OutboxRelay relay_;
    scheduler::TimerQueue timers_;
    notification::NotificationService notifications_;  // after timers_: destroyed first
    pubsub::MarkerPruner markers_;
};

}  // namespace

std::unique_ptr<ServiceModule> make_notification_module(Platform& platform) {
    return std::make_unique<NotificationModule>(platform);
}

}  // namespace todoai::app

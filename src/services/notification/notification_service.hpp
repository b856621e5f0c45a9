#pragma once
// The notification service: learns reminders from task events, fires each at its time from the timer queue (one
// conditional update claims it, so it fires once across replicas and sweeps), records a notification and publishes
// `com.todoai.reminder.scheduled|fired` on `reminders` through its outbox. Before a reminder fires it asks todo (the
// source of truth) whether its task is still open: the completion may be committed there but not yet delivered here.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/http/router.hpp"
#include "runtime/invoke/invoker.hpp"
#include "runtime/pubsub/bus.hpp"
#include "runtime/pubsub/topic_layout.hpp"
#include "runtime/scheduler/timer_queue.hpp"
#include "runtime/store/database.hpp"

namespace todoai::notification {

/// Counters for /metrics and tests.
struct NotificationStats {
    std::uint64_t scheduled = 0;       // reminders newly scheduled from task events
    std::uint64_t cancelled = 0;       // scheduled reminders cancelled (completed, deleted, moved, removed)
    std::uint64_t fired = 0;           // notifications recorded by this instance
    std::uint64_t fire_attempts = 0;   // claims tried (timer or sweep); attempts - fired = lost races or stale timers
    std::uint64_t closed_at_fire = 0;  // due reminders cancelled because todo said their task was complete or gone
    std::uint64_t check_failures = 0;  // todo could not answer: those reminders waited for a retry
};

class NotificationService {
  public:
    /// `on_outbox_commit` is called after each commit that appended to the outbox (wire it to OutboxRelay::notify).
    /// `todo` reaches app "todo-service" (POST /internal/tasks/open, with `app_token`) before reminders fire; it must
    /// outlive the service. `topics` names what it consumes (the task topics) and where its reminder events go.
    NotificationService(store::Database& db,
                        const Clock& clock,
                        scheduler::TimerQueue& timers,
                        std::chrono::milliseconds check_interval,
                        std::function<void()> on_outbox_commit,
                        invoke::Invoker& todo,
                        std::string app_token,
                        pubsub::Topics topics = pubsub::Topics{});
    ~NotificationService();
    NotificationService(const NotificationService&) = delete;
    NotificationService& operator=(const NotificationService&) = delete;

    static std::span<const store::Migration> migrations();

    /// Subscribes to the layout's task topics as group "notification-service", in batches (handle_task_events).
    void subscribe(pubsub::Bus& bus);
    /// GET /api/{user_id}/notifications, POST /api/{user_id}/notifications/{id}/read.
    void register_routes(http::Router& router, const auth::JwtCodec& jwt);

    /// Starts the timer queue if it is not running, runs the catch-up sweep (fires what fell due while down, arms
    /// timers for what is due soon) and schedules the periodic sweep every check_interval.
    void start();
    /// Cancels this service's timers and returns once none of its callbacks runs. Does not stop the timer queue.
    void stop();

    /// The task-events batch handler (what subscribe() registers): applies the batch in one write transaction (a
    /// processed marker per event, the same per-event logic in order), commits once, then arms/disarms timers and
    /// calls on_outbox_commit once. One result per message: DROP for a malformed one; RETRY for all when the store
    /// failed (nothing was applied).
    std::vector<pubsub::HandlerResult> handle_task_events(std::span<const pubsub::Message> messages);
    /// One event: the batch path with a batch of one. For tests and the Dapr route.
    pubsub::HandlerResult handle_task_event(const pubsub::Message& message);
    /// Fires every scheduled reminder due by now and arms timers for those due within the look-ahead window.
    /// Returns how many this call fired. Also what `POST /reminder-check-cron` should call.
    std::size_t sweep();

    NotificationStats stats() const;

  private:
    struct FireOutcome {
        std::size_t fired = 0;
        bool failed = false;     // the transaction failed: nothing fired, retry later
        bool unchecked = false;  // todo could not say which tasks are open: nothing fired, a recheck is scheduled
    };
    /// Asks todo which of the reminders' tasks are open, then in one transaction claims those of `ids` (and, with
    /// `with_due`, other reminders already due) whose task is open and cancels the others. Callers hold lifecycle_
    /// (shared).
    FireOutcome fire(std::vector<std::string> ids, bool with_due);
    /// The open ones among `task_ids` (one invoke per 256), or nothing when todo could not answer.
    std::optional<std::unordered_set<std::string>> open_tasks(const std::vector<std::string>& task_ids);
    /// After a failed check: fires what is due again soon (200 ms, doubling up to check_interval).
    void schedule_recheck();
    std::size_t sweep_locked(bool arm_timers);
    void arm(const std::string& reminder_id, Timestamp at);
    void disarm(const std::string& reminder_id);
    void schedule_sweep();
    std::chrono::milliseconds look_ahead() const;

    store::Database& db_;
    const Clock& clock_;
    scheduler::TimerQueue& timers_;
    std::chrono::milliseconds check_interval_;
    std::function<void()> on_outbox_commit_;
    invoke::Invoker& todo_;
    std::string app_token_;
    pubsub::Topics topics_;
    std::string sweep_timer_id_;
    std::string recheck_timer_id_;

    std::shared_mutex lifecycle_;  // callbacks hold it shared; stop() takes it exclusively
    bool stopped_ = false;         // guarded by lifecycle_
    std::mutex armed_mutex_;
    std::unordered_set<std::string> armed_;  // reminder ids with a timer in timers_
    bool recheck_pending_ = false;           // guarded by armed_mutex_
    int check_failures_in_a_row_ = 0;        // guarded by armed_mutex_; sets the recheck's backoff

    std::atomic<std::uint64_t> scheduled_{0};
    std::atomic<std::uint64_t> cancelled_{0};
    std::atomic<std::uint64_t> fired_{0};
    std::atomic<std::uint64_t> fire_attempts_{0};
    std::atomic<std::uint64_t> closed_at_fire_{0};
    std::atomic<std::uint64_t> check_failures_{0};
};

}  // namespace todoai::notification

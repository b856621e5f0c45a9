#include "services/notification/notification_service.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <exception>
#include <vector>

#include "core/cloud_event.hpp"
#include "core/reminder.hpp"
#include "core/task_json.hpp"
#include "core/time.hpp"
#include "core/uuid.hpp"
#include "runtime/log/log.hpp"
#include "runtime/pubsub/outbox.hpp"
#include "runtime/pubsub/processed_events.hpp"
#include "services/notification/migrations.hpp"
#include "services/notification/reminder_events.hpp"
#include "services/notification/reminder_repository.hpp"

namespace todoai::notification {
namespace {

namespace json = boost::json;
using pubsub::HandlerResult;

constexpr std::size_t kSweepBatch = 256;
constexpr std::size_t kFireBatch = 64;
constexpr std::size_t kArmBatch = 100'000;
constexpr std::chrono::milliseconds kMinLookAhead = std::chrono::minutes(10);
constexpr std::chrono::milliseconds kFireRetry = std::chrono::seconds(1);

std::string timer_id(std::string_view reminder_id) { return "reminder:" + std::string(reminder_id); }

Timestamp system_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

bool is_task_event(std::string_view type) {
    return type == event_type::kTaskCreated || type == event_type::kTaskUpdated || type == event_type::kTaskCompleted ||
           type == event_type::kTaskDeleted;
}

std::optional<std::string> string_member(const json::object& o, std::string_view key) {
    if (const json::value* v = o.if_contains(key); v != nullptr && v->is_string()) return std::string(v->get_string());
    return std::nullopt;
}

// What a task event asks for, read and checked before any transaction.
struct TaskChange {
    CloudEvent event;
    Task task;
    bool closes = false;  // completed or deleted: every scheduled reminder goes
    std::optional<std::string> correlation_id;
};

std::variant<TaskChange, std::string> read_task_change(const pubsub::Message& message) {
    auto parsed = parse_cloud_event(message.payload);
    if (auto* why = std::get_if<std::string>(&parsed)) return *why;
    TaskChange change;
    change.event = std::move(std::get<CloudEvent>(parsed));
    const CloudEvent& event = change.event;
    if (!is_task_event(event.type)) return "unknown event type '" + event.type + "'";
    const json::object* data = event.data.if_object();
    if (data == nullptr) return std::string("'data' must be an object");
    const json::value* payload = data->if_contains("payload");
    if (payload == nullptr || !payload->is_object()) return std::string("'data.payload' must be a task object");
    try {
        change.task = task_from_json(payload->get_object());
    } catch (const std::exception& e) {
        return std::string("'data.payload' is not a task: ") + e.what();
    }
    if (auto task_id = string_member(*data, "task_id"); task_id && *task_id != change.task.id)
        return "'data.task_id' " + *task_id + " differs from the payload's id " + change.task.id;
    if (!event.subject.empty() && event.subject != change.task.id)
        return "'subject' " + event.subject + " differs from the payload's id " + change.task.id;
    change.correlation_id = string_member(*data, "correlation_id");
    change.closes =
        event.type == event_type::kTaskDeleted || event.type == event_type::kTaskCompleted || change.task.completed();
    return change;
}

}  // namespace

NotificationService::NotificationService(store::Database& db,
                                         const Clock& clock,
                                         scheduler::TimerQueue& timers,
                                         std::chrono::milliseconds check_interval,
                                         std::function<void()> on_outbox_commit)
    : db_(db),
      clock_(clock),
      timers_(timers),
      check_interval_(std::max(check_interval, std::chrono::milliseconds(1))),
      on_outbox_commit_(std::move(on_outbox_commit)),
      sweep_timer_id_("notification-sweep:" + new_uuid_v7(clock.now())) {}

NotificationService::~NotificationService() { stop(); }

std::span<const store::Migration> NotificationService::migrations() { return notification::migrations(); }

void NotificationService::subscribe(pubsub::Bus& bus) {
    bus.subscribe(kTaskEventsTopic, kServiceName,
                  [this](const pubsub::Message& message) { return handle_task_event(message); });
}

HandlerResult NotificationService::handle_task_event(const pubsub::Message& message) {
    auto read = read_task_change(message);
    if (auto* why = std::get_if<std::string>(&read))
        return HandlerResult::drop("notification-service: event '" + message.id + "' on " + message.topic + ": " +
                                   *why);
    TaskChange& change = std::get<TaskChange>(read);
    const Task& task = change.task;
    const Timestamp now = clock_.now();

    // A reminder whose time is not after the moment it was set (the event's time) never fires. One set in the future
    // that fell due before this event was processed (the service was down) still fires, at once.
    std::vector<ReminderRow> wanted;
    if (!change.closes) {
        for (const auto& rt : reminder_times(task.fields)) {
            if (rt.at <= change.event.time) continue;
            wanted.push_back(ReminderRow{.id = reminder_id(task.id, rt.at),
                                         .task_id = task.id,
                                         .user_id = task.user_id,
                                         .title = task.fields.title,
                                         .remind_at = rt.at,
                                         .due_date = task.fields.due_date});
        }
    }

    std::vector<std::pair<std::string, Timestamp>> to_arm;
    std::vector<std::string> to_disarm;
    try {
        auto tx = db_.begin(store::Database::Access::write);
        if (!pubsub::claim_event(*tx, change.event.id, kServiceName, format_rfc3339(now))) return HandlerResult::ok();
        auto mark = repo::task_mark(*tx, task.id);
        if (mark && (mark->deleted || mark->version > task.version)) {
            tx->commit();  // an older snapshot (or one after the delete): nothing to change, but remember the event
            return HandlerResult::ok();
        }
        repo::put_task_mark(*tx, task.id, TaskMark{task.version, change.event.type == event_type::kTaskDeleted});

        auto existing = repo::scheduled_for_task(*tx, task.id);
        for (const auto& [id, at] : existing) {
            bool keep = std::any_of(wanted.begin(), wanted.end(), [&](const ReminderRow& r) { return r.id == id; });
            if (!keep && repo::cancel(*tx, id)) to_disarm.push_back(id);
        }
        for (const auto& row : wanted) {
            bool already =
                std::any_of(existing.begin(), existing.end(), [&](const auto& e) { return e.first == row.id; });
            if (already || !repo::schedule(*tx, row, now)) continue;
            pubsub::Outbox::append(*tx, make_reminder_scheduled(row, new_uuid_v7(now), now, change.correlation_id),
                                   kRemindersTopic, row.user_id);
            to_arm.emplace_back(row.id, row.remind_at);
        }
        if (!change.closes) repo::refresh_scheduled(*tx, task.id, task.fields.title, task.fields.due_date);
        tx->commit();
    } catch (const store::StoreError& e) {
        return HandlerResult::retry("notification-service: store failed for event '" + change.event.id +
                                    "': " + e.what());
    }

    scheduled_ += to_arm.size();
    cancelled_ += to_disarm.size();
    {
        std::shared_lock lock(lifecycle_);
        for (const auto& id : to_disarm) disarm(id);
        if (!stopped_) {
            for (const auto& [id, at] : to_arm) arm(id, at);
        }
    }
    if (!to_arm.empty() && on_outbox_commit_) on_outbox_commit_();
    return HandlerResult::ok();
}

NotificationService::FireOutcome NotificationService::fire(std::vector<std::string> ids, bool with_due) {
    const Timestamp now = clock_.now();
    FireOutcome out;
    std::vector<std::string> fired;
    try {
        auto tx = db_.begin(store::Database::Access::write);
        if (with_due) {
            // Others already due ride along: under a burst one commit serves many reminders instead of each waiting
            // for a commit of its own. Their timers find them fired and are disarmed below.
            for (auto& [other, at] : repo::scheduled_between(*tx, std::nullopt, now, kFireBatch)) {
                if (std::find(ids.begin(), ids.end(), other) == ids.end()) ids.push_back(std::move(other));
            }
        }
        for (const auto& id : ids) {
            ++fire_attempts_;
            auto row = repo::claim_fire(*tx, id, now);
            if (!row) continue;  // fired elsewhere, or cancelled
            repo::insert_notification(*tx, *row, now);
            pubsub::Outbox::append(*tx, make_reminder_fired(*row, new_uuid_v7(now), now), kRemindersTopic,
                                   row->user_id);
            fired.push_back(id);
        }
        if (fired.empty()) return out;
        tx->commit();
    } catch (const std::exception& e) {
        log::warn("notification-service: firing reminder " + ids.front() + " failed (retried): " + e.what());
        out.failed = true;
        return out;
    }
    fired_ += fired.size();
    out.fired = fired.size();
    for (const auto& id : fired) disarm(id);
    if (on_outbox_commit_) on_outbox_commit_();
    return out;
}

// Callers hold lifecycle_ (shared) and checked stopped_.
void NotificationService::arm(const std::string& id, Timestamp at) {
    {
        std::lock_guard lock(armed_mutex_);
        armed_.insert(id);
    }
    timers_.schedule(timer_id(id), at, [this, id] {
        std::shared_lock lock(lifecycle_);
        if (stopped_) return;
        {
            std::lock_guard armed_lock(armed_mutex_);
            armed_.erase(id);
        }
        if (fire({id}, true).failed) arm(id, system_now() + kFireRetry);
    });
}

void NotificationService::disarm(const std::string& id) {
    {
        std::lock_guard lock(armed_mutex_);
        armed_.erase(id);
    }
    timers_.cancel(timer_id(id));
}

std::chrono::milliseconds NotificationService::look_ahead() const {
    return std::max<std::chrono::milliseconds>(2 * check_interval_, kMinLookAhead);
}

std::size_t NotificationService::sweep() {
    std::shared_lock lock(lifecycle_);
    return sweep_locked(!stopped_);
}

std::size_t NotificationService::sweep_locked(bool arm_timers) {
    const Timestamp now = clock_.now();
    std::size_t fired = 0;
    for (;;) {
        std::vector<std::pair<std::string, Timestamp>> due;
        {
            auto tx = db_.begin(store::Database::Access::read);
            due = repo::scheduled_between(*tx, std::nullopt, now, kSweepBatch);
        }
        if (due.empty()) break;
        std::vector<std::string> ids;
        ids.reserve(due.size());
        for (auto& [id, at] : due) ids.push_back(std::move(id));
        auto result = fire(std::move(ids), false);
        fired += result.fired;
        if (result.failed) return fired;  // the next sweep tries again
        if (due.size() < kSweepBatch) break;
    }
    if (!arm_timers) return fired;
    // Timers for what falls due before the next sweep or two: reminders scheduled by another replica, or before a
    // restart. Arming one twice is harmless (the timer id replaces; the claim fires once).
    std::vector<std::pair<std::string, Timestamp>> upcoming;
    {
        auto tx = db_.begin(store::Database::Access::read);
        upcoming = repo::scheduled_between(*tx, now, now + look_ahead(), kArmBatch);
    }
    for (const auto& [id, at] : upcoming) arm(id, at);
    return fired;
}

void NotificationService::schedule_sweep() {
    // The timer queue counts wall-clock time, whatever clock_ says.
    timers_.schedule(sweep_timer_id_, system_now() + check_interval_, [this] {
        std::shared_lock lock(lifecycle_);
        if (stopped_) return;
        try {
            if (auto n = sweep_locked(true))
                log::info("notification-service: sweep fired " + std::to_string(n) + " reminders");
        } catch (const std::exception& e) {
            log::warn(std::string("notification-service: sweep failed (next one retries): ") + e.what());
        }
        schedule_sweep();
    });
}

void NotificationService::start() {
    {
        std::unique_lock lock(lifecycle_);
        stopped_ = false;
    }
    timers_.start();
    {
        std::shared_lock lock(lifecycle_);
        sweep_locked(true);
        schedule_sweep();
    }
}

void NotificationService::stop() {
    {
        std::unique_lock lock(lifecycle_);  // waits for a callback of ours that is running
        if (stopped_) return;
        stopped_ = true;
    }
    timers_.cancel(sweep_timer_id_);
    std::unordered_set<std::string> armed;
    {
        std::lock_guard lock(armed_mutex_);
        armed.swap(armed_);
    }
    for (const auto& id : armed) timers_.cancel(timer_id(id));
    timers_.wait_idle();  // a callback taken off the heap before the cancels finishes (it sees stopped_)
}

NotificationStats NotificationService::stats() const {
    return NotificationStats{scheduled_.load(), cancelled_.load(), fired_.load(), fire_attempts_.load()};
}

}  // namespace todoai::notification

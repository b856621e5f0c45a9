#include "services/notification/notification_service.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <exception>
#include <unordered_map>
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
constexpr std::chrono::milliseconds kRecheckFirst{200};
constexpr std::size_t kOpenCheckMaxIds = 256;  // todo's limit per POST /internal/tasks/open
constexpr std::string_view kTodoAppId = "todo-service";
constexpr std::string_view kOpenTasksPath = "/internal/tasks/open";

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

namespace {

// The reminders `change` asks for. A reminder whose time is not after the moment it was set (the event's time) never
// fires; one set in the future that fell due before this event was processed (the service was down) still fires, at
// once. A completed or deleted task wants none.
std::vector<ReminderRow> wanted_reminders(const TaskChange& change) {
    std::vector<ReminderRow> wanted;
    if (change.closes) return wanted;
    const Task& task = change.task;
    for (const auto& rt : reminder_times(task.fields)) {
        if (rt.at <= change.event.time) continue;
        wanted.push_back(ReminderRow{.id = reminder_id(task.id, rt.at),
                                     .task_id = task.id,
                                     .user_id = task.user_id,
                                     .title = task.fields.title,
                                     .remind_at = rt.at,
                                     .due_date = task.fields.due_date});
    }
    return wanted;
}

}  // namespace

NotificationService::NotificationService(store::Database& db,
                                         const Clock& clock,
                                         scheduler::TimerQueue& timers,
                                         std::chrono::milliseconds check_interval,
                                         std::function<void()> on_outbox_commit,
                                         invoke::Invoker& todo,
                                         std::string app_token,
                                         pubsub::Topics topics)
    : db_(db),
      clock_(clock),
      timers_(timers),
      check_interval_(std::max(check_interval, std::chrono::milliseconds(1))),
      on_outbox_commit_(std::move(on_outbox_commit)),
      todo_(todo),
      app_token_(std::move(app_token)),
      topics_(topics),
      sweep_timer_id_("notification-sweep:" + new_uuid_v7(clock.now())),
      recheck_timer_id_("notification-recheck:" + new_uuid_v7(clock.now())) {}

NotificationService::~NotificationService() { stop(); }

std::span<const store::Migration> NotificationService::migrations() { return notification::migrations(); }

void NotificationService::subscribe(pubsub::Bus& bus) {
    for (auto topic : topics_.task_topics())
        bus.subscribe_batch(topic, kServiceName,
                            [this](std::span<const pubsub::Message> messages) { return handle_task_events(messages); });
}

HandlerResult NotificationService::handle_task_event(const pubsub::Message& message) {
    return handle_task_events(std::span<const pubsub::Message>(&message, 1)).at(0);
}

std::vector<HandlerResult> NotificationService::handle_task_events(std::span<const pubsub::Message> messages) {
    std::vector<HandlerResult> results(messages.size());
    std::vector<std::optional<TaskChange>> changes(messages.size());
    bool any = false;
    for (std::size_t i = 0; i < messages.size(); ++i) {
        auto read = read_task_change(messages[i]);
        if (auto* why = std::get_if<std::string>(&read)) {
            results[i] = HandlerResult::drop("notification-service: event '" + messages[i].id + "' on " +
                                             messages[i].topic + ": " + *why);
        } else {
            changes[i].emplace(std::move(std::get<TaskChange>(read)));
            any = true;
        }
    }
    if (!any) return results;

    const Timestamp now = clock_.now();
    // Timer work for after the commit, by reminder id: a time to arm at, or nothing to disarm. Later events of the
    // batch override earlier ones (scheduled then cancelled within the batch ends disarmed).
    std::unordered_map<std::string, std::optional<Timestamp>> timer_work;
    std::size_t scheduled = 0;
    std::size_t cancelled = 0;
    try {
        auto tx = db_.begin(store::Database::Access::write);
        bool wrote = false;
        std::vector<std::string> task_ids;
        for (const auto& change : changes)
            if (change) task_ids.push_back(change->task.id);
        auto marks = repo::task_marks(*tx, task_ids);  // kept up to date below, for later events of the same task
        for (const auto& change : changes) {
            if (!change) continue;
            const Task& task = change->task;
            auto wanted = wanted_reminders(*change);
            const auto known = marks.find(task.id);
            const std::optional<TaskMark> mark =
                known == marks.end() ? std::nullopt : std::optional<TaskMark>(known->second);
            // A task that never had a reminder here and has none now: nothing to store, not even the marker (a
            // redelivery finds the same nothing). Most tasks have no reminders; this keeps their events write-free.
            if (!mark && wanted.empty()) continue;
            if (!pubsub::claim_event(*tx, change->event.id, kServiceName, format_rfc3339(now))) continue;
            wrote = true;
            // An older snapshot (or one after the delete): nothing to change, but the event is remembered.
            if (mark && (mark->deleted || mark->version > task.version)) continue;
            const TaskMark now_marked{task.version, change->event.type == event_type::kTaskDeleted};
            repo::put_task_mark(*tx, task.id, now_marked);
            marks.insert_or_assign(task.id, now_marked);

            auto existing = repo::scheduled_for_task(*tx, task.id);
            for (const auto& [id, at] : existing) {
                bool keep = std::any_of(wanted.begin(), wanted.end(), [&](const ReminderRow& r) { return r.id == id; });
                if (!keep && repo::cancel(*tx, id)) {
                    ++cancelled;
                    timer_work[id].reset();
                }
            }
            for (const auto& row : wanted) {
                bool already =
                    std::any_of(existing.begin(), existing.end(), [&](const auto& e) { return e.first == row.id; });
                if (already || !repo::schedule(*tx, row, now)) continue;
                pubsub::Outbox::append(*tx, make_reminder_scheduled(row, new_uuid_v7(now), now, change->correlation_id),
                                       topics_.topic_for(event_type::kReminderScheduled), row.user_id);
                ++scheduled;
                timer_work[row.id] = row.remind_at;
            }
            if (!change->closes) repo::refresh_scheduled(*tx, task.id, task.fields.title, task.fields.due_date);
        }
        if (wrote) tx->commit();
    } catch (const store::StoreError& e) {
        const std::string why = std::string("notification-service: store failed for a batch of ") +
                                std::to_string(messages.size()) + " event(s) (none applied): " + e.what();
        for (auto& r : results) r = pubsub::retry_for(e, why + " ");
        return results;
    }

    scheduled_ += scheduled;
    cancelled_ += cancelled;
    {
        std::shared_lock lock(lifecycle_);
        for (const auto& [id, at] : timer_work) {
            if (!at)
                disarm(id);
            else if (!stopped_)
                arm(id, *at);
        }
    }
    if (scheduled > 0 && on_outbox_commit_) on_outbox_commit_();
    return results;  // SUCCESS for every message read (already processed ones included)
}

std::optional<std::unordered_set<std::string>> NotificationService::open_tasks(
    const std::vector<std::string>& task_ids) {
    std::unordered_set<std::string> open;
    for (std::size_t from = 0; from < task_ids.size(); from += kOpenCheckMaxIds) {
        const std::size_t to = std::min(task_ids.size(), from + kOpenCheckMaxIds);
        json::array ids;
        ids.reserve(to - from);
        for (std::size_t i = from; i < to; ++i) ids.emplace_back(json::string(task_ids[i]));
        std::string failure;
        try {
            auto answer = todo_.invoke(invoke::InvokeRequest{
                .app_id = std::string(kTodoAppId),
                .method = http::Method::post,
                .path = std::string(kOpenTasksPath),
                .body = json::serialize(json::object{{"ids", std::move(ids)}}),
                .headers = {{"dapr-api-token", app_token_}, {"content-type", "application/json"}},
            });
            if (answer.status != 200) {
                failure = "todo answered " + std::to_string(answer.status) + ": " + answer.body.substr(0, 300);
            } else {
                boost::system::error_code ec;
                const json::value body = json::parse(answer.body, ec);
                const json::array* list = nullptr;
                if (!ec && body.is_object())
                    if (const auto* v = body.get_object().if_contains("open"); v != nullptr) list = v->if_array();
                if (list == nullptr) {
                    failure = "todo's answer has no 'open' array: " + answer.body.substr(0, 300);
                } else {
                    for (const auto& id : *list)
                        if (id.is_string()) open.emplace(id.get_string());
                }
            }
        } catch (const invoke::InvokeError& e) {
            failure = std::string("todo unreachable: ") + e.what();
        }
        if (!failure.empty()) {
            ++check_failures_;
            log::warn("notification-service: could not ask todo which tasks are open (reminders wait, retried): " +
                      failure);
            return std::nullopt;
        }
    }
    return open;
}

void NotificationService::schedule_recheck() {
    std::chrono::milliseconds delay;
    {
        std::lock_guard lock(armed_mutex_);
        if (recheck_pending_) return;  // one recheck fires whatever is due
        recheck_pending_ = true;
        const int shift = std::min(check_failures_in_a_row_, 20);
        ++check_failures_in_a_row_;
        delay = std::min(kRecheckFirst * (std::int64_t{1} << shift), std::max(check_interval_, kRecheckFirst));
    }
    timers_.schedule(recheck_timer_id_, system_now() + delay, [this] {
        std::shared_lock lock(lifecycle_);
        {
            std::lock_guard armed_lock(armed_mutex_);
            recheck_pending_ = false;
        }
        if (stopped_) return;
        try {
            sweep_locked(false);
        } catch (const std::exception& e) {
            log::warn(std::string("notification-service: recheck failed (the sweep retries): ") + e.what());
        }
    });
}

NotificationService::FireOutcome NotificationService::fire(std::vector<std::string> ids, bool with_due) {
    const Timestamp now = clock_.now();
    FireOutcome out;
    std::unordered_map<std::string, std::string> task_of;  // scheduled reminder id -> task id
    std::vector<std::string> task_ids;
    try {
        auto tx = db_.begin(store::Database::Access::read);
        if (with_due) {
            // Others already due ride along: under a burst one check and one commit serve many reminders instead of
            // each waiting for its own. Their timers find them fired and are disarmed below.
            for (auto& [other, at] : repo::scheduled_between(*tx, std::nullopt, now, kFireBatch)) {
                if (std::find(ids.begin(), ids.end(), other) == ids.end()) ids.push_back(std::move(other));
            }
        }
        for (auto& [id, task_id] : repo::scheduled_tasks(*tx, ids)) {
            if (std::find(task_ids.begin(), task_ids.end(), task_id) == task_ids.end()) task_ids.push_back(task_id);
            task_of.emplace(std::move(id), std::move(task_id));
        }
    } catch (const std::exception& e) {
        log::warn("notification-service: reading reminder " + ids.front() + " failed (retried): " + e.what());
        out.failed = true;
        return out;
    }
    if (task_of.empty()) {
        fire_attempts_ += ids.size();  // fired elsewhere, or cancelled, since the timer was set
        return out;
    }

    // The source of truth first: the completion or deletion may be committed in todo but not yet delivered here.
    // Without an answer nothing fires (and nothing is dropped): the due reminders are tried again shortly.
    auto open = open_tasks(task_ids);
    if (!open) {
        out.unchecked = true;
        if (!stopped_) schedule_recheck();  // callers hold lifecycle_ (shared)
        return out;
    }
    {
        std::lock_guard lock(armed_mutex_);
        check_failures_in_a_row_ = 0;
    }

    std::vector<std::string> fired;
    std::vector<std::string> closed;
    try {
        auto tx = db_.begin(store::Database::Access::write);
        for (const auto& id : ids) {
            ++fire_attempts_;
            const auto task = task_of.find(id);
            if (task == task_of.end()) continue;  // not scheduled when read: fired elsewhere, or cancelled
            if (!open->contains(task->second)) {
                // Complete or deleted in todo: this reminder never fires. No event; the task event that will
                // arrive finds nothing left to cancel.
                if (repo::cancel(*tx, id)) closed.push_back(id);
                continue;
            }
            auto row = repo::claim_fire(*tx, id, now);
            if (!row) continue;  // fired elsewhere, or cancelled, since it was read
            repo::insert_notification(*tx, *row, now);
            pubsub::Outbox::append(*tx, make_reminder_fired(*row, new_uuid_v7(now), now),
                                   topics_.topic_for(event_type::kReminderFired), row->user_id);
            fired.push_back(id);
        }
        if (fired.empty() && closed.empty()) return out;
        tx->commit();
    } catch (const std::exception& e) {
        log::warn("notification-service: firing reminder " + ids.front() + " failed (retried): " + e.what());
        out.failed = true;
        return out;
    }
    fired_ += fired.size();
    cancelled_ += closed.size();
    closed_at_fire_ += closed.size();
    out.fired = fired.size();
    for (const auto& id : fired) disarm(id);
    for (const auto& id : closed) disarm(id);
    if (!fired.empty() && on_outbox_commit_) on_outbox_commit_();
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
        if (result.failed || result.unchecked) return fired;  // the next sweep, or the recheck, tries again
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
    timers_.cancel(recheck_timer_id_);
    std::unordered_set<std::string> armed;
    {
        std::lock_guard lock(armed_mutex_);
        armed.swap(armed_);
        recheck_pending_ = false;
    }
    for (const auto& id : armed) timers_.cancel(timer_id(id));
    timers_.wait_idle();  // a callback taken off the heap before the cancels finishes (it sees stopped_)
}

NotificationStats NotificationService::stats() const {
    return NotificationStats{scheduled_.load(),     cancelled_.load(),      fired_.load(),
                             fire_attempts_.load(), closed_at_fire_.load(), check_failures_.load()};
}

}  // namespace todoai::notification

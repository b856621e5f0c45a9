#pragma once
// Shared by the notification service tests: a real SQLite store and a real TimerQueue; the bus is a fake that only
// records the subscription (the tests call the handler directly), and todo is a logic-only fake invoker answering
// POST /internal/tasks/open from a set of open task ids (every task is open unless a test says otherwise).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>

#include "core/cloud_event.hpp"
#include "core/reminder.hpp"
#include "core/task_json.hpp"
#include "core/time.hpp"
#include "core/uuid.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/http/router.hpp"
#include "runtime/invoke/invoker.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/notification/notification_service.hpp"
#include "support/temp_dir.hpp"

namespace todoai::notification::test {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr std::string_view kSecret = "notification-test-secret-at-least-32-bytes!";
constexpr std::string_view kUser = "user-a";
constexpr std::string_view kAppToken = "notification-test-app-token";

inline Timestamp now() { return SystemClock().now(); }

class FakeBus final : public pubsub::Bus {
  public:
    struct Subscription {
        std::string topic;
        std::string group;
        pubsub::BatchHandler handler;
    };
    void subscribe(std::string_view, std::string_view, pubsub::Handler) override {
        ADD_FAILURE() << "the notification service subscribes in batches";
    }
    void subscribe_batch(std::string_view topic, std::string_view group, pubsub::BatchHandler handler) override {
        subscriptions.push_back({std::string(topic), std::string(group), std::move(handler)});
    }
    void publish(std::span<const pubsub::Message>) override { throw pubsub::PublishError("fake bus: not used"); }
    void start() override {}
    void stop() override {}
    bool ready() override { return true; }

    std::vector<Subscription> subscriptions;
};

// Todo's POST /internal/tasks/open as logic: answers from `open` (nullopt: every task is open), or fails as told.
// Checks what the real route checks (app id, method, path, token, content type, at most 256 ids). Thread-safe: the
// service calls it from its timer thread.
class FakeTodo final : public invoke::Invoker {
  public:
    enum class Mode { answer, unreachable, error_status, garbage };

    invoke::InvokeResponse invoke(const invoke::InvokeRequest& request) override {
        std::lock_guard lock(mutex_);
        ++calls_;
        EXPECT_EQ(request.app_id, "todo-service");
        EXPECT_EQ(request.method, http::Method::post);
        EXPECT_EQ(request.path, "/internal/tasks/open");
        bool token = false, json_type = false;
        for (const auto& [name, value] : request.headers) {
            token = token || (name == "dapr-api-token" && value == kAppToken);
            json_type = json_type || (name == "content-type" && value == "application/json");
        }
        EXPECT_TRUE(token);
        EXPECT_TRUE(json_type);
        if (mode_ == Mode::unreachable) throw invoke::InvokeError("fake todo: connection refused");
        if (mode_ == Mode::error_status) return {503, R"({"status":503,"detail":"fake todo: unavailable"})"};
        if (mode_ == Mode::garbage) return {200, "{\"nope\":1}"};
        const auto body = boost::json::parse(request.body).as_object();
        const auto& ids = body.at("ids").as_array();
        EXPECT_LE(ids.size(), 256u);
        max_ids_ = std::max(max_ids_, ids.size());
        boost::json::array open;
        for (const auto& id : ids) {
            std::string task(id.as_string());
            asked_.insert(task);
            if (is_open(task)) open.emplace_back(boost::json::string(task));
        }
        ++answered_;
        return {200, boost::json::serialize(boost::json::object{{"open", std::move(open)}})};
    }

    /// From now on only these tasks are open.
    void set_open(std::set<std::string> ids) {
        std::lock_guard lock(mutex_);
        open_ = std::move(ids);
    }
    /// Completed or deleted in todo.
    void close(const std::string& task_id) {
        std::lock_guard lock(mutex_);
        closed_.insert(task_id);
        if (open_) open_->erase(task_id);
    }
    void set_mode(Mode mode) {
        std::lock_guard lock(mutex_);
        mode_ = mode;
    }
    int calls() {
        std::lock_guard lock(mutex_);
        return calls_;
    }
    int answered() {
        std::lock_guard lock(mutex_);
        return answered_;
    }
    std::size_t max_ids() {
        std::lock_guard lock(mutex_);
        return max_ids_;
    }
    bool asked_about(const std::string& task_id) {
        std::lock_guard lock(mutex_);
        return asked_.contains(task_id);
    }

  private:
    bool is_open(const std::string& task_id) const {
        return open_ ? open_->contains(task_id) : !closed_.contains(task_id);
    }

    std::mutex mutex_;
    std::optional<std::set<std::string>> open_;  // nullopt: every task not in closed_
    std::set<std::string> closed_;
    std::set<std::string> asked_;
    Mode mode_ = Mode::answer;
    int calls_ = 0;
    int answered_ = 0;
    std::size_t max_ids_ = 0;
};

// Counts on_outbox_commit calls; tests wait on it with a deadline.
class CommitSignal {
  public:
    std::function<void()> callback() {
        return [this] {
            std::lock_guard lock(mutex_);
            ++commits_;
            cv_.notify_all();
        };
    }
    template <class Pred>
    bool wait(Pred pred, std::chrono::milliseconds timeout = 3s) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, pred);
    }
    int commits() {
        std::lock_guard lock(mutex_);
        return commits_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int commits_ = 0;
};

inline Reminder at(Timestamp t) { return Reminder{.at = t}; }
inline Reminder before(std::string_view d) {
    return Reminder{.before_due = parse_iso8601_duration(d), .before_due_text = std::string(d)};
}

inline Task make_task(std::vector<Reminder> reminders,
                      std::optional<Timestamp> due = std::nullopt,
                      std::string user = std::string(kUser)) {
    Task t;
    t.id = new_uuid_v7(now());
    t.user_id = std::move(user);
    t.fields.title = "Pay rent";
    t.fields.due_date = due;
    t.fields.reminders = std::move(reminders);
    t.created_at = t.updated_at = now();
    return t;
}

inline pubsub::Message message(std::string_view type, const Task& task, Timestamp time) {
    CloudEvent e = make_task_event(type, task, new_uuid_v7(time), time);
    return pubsub::Message{.topic = "task-events", .key = task.user_id, .payload = serialize(e), .id = e.id};
}

inline pubsub::Message raw(std::string payload) {
    return pubsub::Message{.topic = "task-events", .key = "k", .payload = std::move(payload), .id = "raw"};
}

// One notification-service replica: its own timer queue and commit signal, a shared store.
struct Replica {
    Replica(store::Database& db,
            bool start_timers = true,
            std::chrono::milliseconds interval = 60s,
            const Clock& clock = system_clock(),
            invoke::Invoker* todo_invoker = nullptr)
        : service(db,
                  clock,
                  timers,
                  interval,
                  signal.callback(),
                  todo_invoker ? *todo_invoker : todo,
                  std::string(kAppToken)) {
        service.subscribe(bus);
        if (start_timers) timers.start();
    }
    ~Replica() {
        service.stop();
        timers.stop();
    }
    // Through the subscribed batch handler, as a batch of one.
    pubsub::HandlerResult deliver(const pubsub::Message& m) {
        auto results = bus.subscriptions.at(0).handler(std::span<const pubsub::Message>(&m, 1));
        EXPECT_EQ(results.size(), 1u);
        return results.at(0);
    }
    std::vector<pubsub::HandlerResult> deliver_batch(std::span<const pubsub::Message> batch) {
        auto results = bus.subscriptions.at(0).handler(batch);
        EXPECT_EQ(results.size(), batch.size());
        return results;
    }
    bool wait_fired(std::uint64_t n) {
        return signal.wait([&] { return service.stats().fired >= n; });
    }
    // Returns once every timer of this replica due before `t` has run (the queue runs timers in deadline order).
    bool drain_until(Timestamp t) {
        std::promise<void> done;
        timers.schedule("test-sentinel", t, [&] { done.set_value(); });
        return done.get_future().wait_for(5s) == std::future_status::ready;
    }

    static const Clock& system_clock() {
        static const SystemClock clock;
        return clock;
    }

    FakeBus bus;
    FakeTodo todo;  // unless the test passed another invoker
    CommitSignal signal;
    scheduler::TimerQueue timers;
    NotificationService service;  // after timers: destroyed first
};

class NotificationServiceTest : public ::testing::Test {
  protected:
    NotificationServiceTest()
        : db_(store::open_sqlite({.file = dir_.path() / "notification.db"})), jwt_(std::string(kSecret), clock_) {
        db_->migrate(NotificationService::migrations());
    }

    std::int64_t count(std::string_view sql, std::initializer_list<store::Value> params = {}) {
        auto tx = db_->begin(store::Database::Access::read);
        return tx->query(sql, params).at(0).int64(0);
    }
    std::int64_t notifications(const std::string& task_id) {
        return count("SELECT count(*) FROM notifications WHERE task_id = $1", {task_id});
    }
    std::int64_t outbox(std::string_view type, const std::string& task_id) {
        return count("SELECT count(*) FROM outbox WHERE topic = 'reminders' AND event LIKE $1",
                     {"%\"type\":\"" + std::string(type) + "\",\"subject\":\"" + task_id + "\"%"});
    }
    std::optional<std::string> state(const std::string& reminder_id) {
        auto tx = db_->begin(store::Database::Access::read);
        auto rows = tx->query("SELECT state FROM reminders WHERE id = $1", {reminder_id});
        if (rows.empty()) return std::nullopt;
        return rows[0].text(0);
    }
    std::vector<CloudEvent> outbox_events(std::string_view type) {
        auto tx = db_->begin(store::Database::Access::read);
        std::vector<CloudEvent> out;
        for (const auto& row : tx->query("SELECT event FROM outbox WHERE topic = 'reminders' ORDER BY seq")) {
            auto e = parse_cloud_event(row.text(0));
            EXPECT_TRUE(std::holds_alternative<CloudEvent>(e));
            if (auto* ce = std::get_if<CloudEvent>(&e); ce && ce->type == type) out.push_back(*ce);
        }
        return out;
    }

    todoai::testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    SystemClock clock_;
    auth::JwtCodec jwt_;
};

}  // namespace todoai::notification::test

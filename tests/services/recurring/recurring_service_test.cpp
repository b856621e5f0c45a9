// The recurring service's bus handler with a fake Invoker over a real SQLite store.
#include "services/recurring/recurring_service.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/cloud_event.hpp"
#include "core/recurrence.hpp"
#include "core/time.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "support/temp_dir.hpp"

namespace todoai::recurring {
namespace {

namespace json = boost::json;
using pubsub::Outcome;

Timestamp at(std::string_view text) { return parse_rfc3339(text).value(); }

constexpr std::string_view kSeries = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
constexpr std::string_view kToken = "app-token-for-tests";

// Records every request; answers from a script (default 201) or throws InvokeError when told to.
class FakeInvoker final : public invoke::Invoker {
  public:
    invoke::InvokeResponse invoke(const invoke::InvokeRequest& request) override {
        requests.push_back(request);
        if (!script.empty()) {
            auto next = std::move(script.front());
            script.pop_front();
            return next(request);
        }
        return {201, "{}"};
    }
    std::vector<invoke::InvokeRequest> requests;
    std::deque<std::function<invoke::InvokeResponse(const invoke::InvokeRequest&)>> script;

    void answer(int status, std::string body = "{}") {
        script.emplace_back([status, body](const invoke::InvokeRequest&) {
            return invoke::InvokeResponse{status, body};
        });
    }
    void fail(std::string why) {
        script.emplace_back(
            [why](const invoke::InvokeRequest&) -> invoke::InvokeResponse { throw invoke::InvokeError(why); });
    }
};

Task recurring_task() {
    Task t;
    t.id = std::string(kSeries);
    t.user_id = "user-1";
    t.series_id = std::string(kSeries);
    t.fields.title = "stand-up";
    t.fields.description = "daily sync";
    t.fields.priority = Priority::high;
    t.fields.tags = {"work", "team"};
    t.fields.status = TaskStatus::complete;
    t.fields.is_recurring = true;
    t.fields.rrule = "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=5";
    t.fields.due_date = at("2026-11-23T09:00:00Z");  // a Monday
    t.fields.reminders = {
        Reminder{.at = at("2026-11-23T08:00:00Z")},  // moves to Wed 08:00: still ahead
        Reminder{.at = at("2026-11-21T08:00:00Z")},  // moves to Mon 08:00: before now, dropped
        Reminder{.before_due = std::chrono::minutes(15), .before_due_text = "PT15M"},
    };
    t.created_at = at("2026-11-20T10:00:00Z");
    t.completed_at = t.updated_at = at("2026-11-24T12:00:00Z");
    t.version = 2;
    return t;
}

pubsub::Message message_for(const Task& task,
                            std::string event_id,
                            std::string_view type = event_type::kTaskCompleted) {
    auto event = make_task_event(type, task, event_id, task.updated_at);
    return pubsub::Message{.topic = "task-events", .key = task.user_id, .payload = serialize(event), .id = event_id};
}

class RecurringServiceTest : public ::testing::Test {
  protected:
    RecurringServiceTest()
        : clock_(at("2026-11-24T12:00:01Z")),
          db_(store::open_sqlite({.file = dir_.path() / "recurring.db"})),
          service_(*db_, clock_, invoker_, std::string(kToken)) {
        db_->migrate(RecurringService::migrations());
    }

    std::size_t count(std::string_view table) {
        auto tx = db_->begin(store::Database::Access::read);
        return static_cast<std::size_t>(tx->query("SELECT COUNT(*) FROM " + std::string(table))[0].int64(0));
    }

    todoai::testing::TempDir dir_;
    ManualClock clock_;
    std::unique_ptr<store::Database> db_;
    FakeInvoker invoker_;
    RecurringService service_;
};

TEST_F(RecurringServiceTest, CompletionInvokesTodoOnceWithTheNextInstance) {
    const auto task = recurring_task();
    const auto result = service_.handle(message_for(task, "evt-1"));
    EXPECT_EQ(result.outcome, Outcome::success) << result.reason;
    ASSERT_EQ(invoker_.requests.size(), 1u);

    const auto& req = invoker_.requests[0];
    EXPECT_EQ(req.app_id, "todo-service");
    EXPECT_EQ(req.method, http::Method::post);
    EXPECT_EQ(req.path, "/internal/series/" + std::string(kSeries) + "/next");
    EXPECT_NE(std::find(req.headers.begin(), req.headers.end(),
                        std::pair<std::string, std::string>{"dapr-api-token", std::string(kToken)}),
              req.headers.end());

    const auto body = json::parse(req.body).as_object();
    const auto next_due = at("2026-11-25T09:00:00Z");  // Wednesday
    EXPECT_EQ(body.at("id"), json::value(instance_id(kSeries, next_due)));
    EXPECT_EQ(body.at("user_id"), "user-1");
    EXPECT_EQ(body.at("due_date"), "2026-11-25T09:00:00.000Z");
    EXPECT_EQ(body.at("correlation_id"), "evt-1");
    const auto& fields = body.at("task").as_object();
    EXPECT_EQ(fields.at("title"), "stand-up");
    EXPECT_EQ(fields.at("description"), "daily sync");
    EXPECT_EQ(fields.at("priority"), "high");
    EXPECT_EQ(fields.at("tags"), json::parse(R"(["work","team"])"));
    EXPECT_EQ(fields.at("status"), "pending");
    EXPECT_EQ(fields.at("is_recurring"), true);
    EXPECT_EQ(fields.at("rrule"), "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=4");
    EXPECT_EQ(fields.at("due_date"), "2026-11-25T09:00:00.000Z");
    EXPECT_EQ(fields.at("reminders"), json::parse(R"([{"at":"2026-11-25T08:00:00.000Z"},{"before_due":"PT15M"}])"));

    auto tx = db_->begin(store::Database::Access::read);
    auto rows = tx->query("SELECT series_id, last_instance_id, last_due FROM series_progress");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].text(0), kSeries);
    EXPECT_EQ(rows[0].text(1), instance_id(kSeries, next_due));
    EXPECT_EQ(rows[0].text(2), "2026-11-25T09:00:00.000Z");
    EXPECT_EQ(count("processed_events"), 1u);
}

TEST_F(RecurringServiceTest, RedeliveryInvokesNothing) {
    const auto message = message_for(recurring_task(), "evt-1");
    ASSERT_EQ(service_.handle(message).outcome, Outcome::success);
    ASSERT_EQ(service_.handle(message).outcome, Outcome::success);
    EXPECT_EQ(invoker_.requests.size(), 1u);
    EXPECT_EQ(count("processed_events"), 1u);
}

TEST_F(RecurringServiceTest, SecondCompletionOfTheSameTaskInvokesNothing) {
    // Completed, reopened, completed later: with recurrence_from=completion it would derive another due date.
    auto task = recurring_task();
    task.fields.recurrence_from = RecurrenceFrom::completion;
    ASSERT_EQ(service_.handle(message_for(task, "evt-1")).outcome, Outcome::success);
    task.completed_at = task.updated_at = at("2026-11-24T18:00:00Z");
    clock_.set(at("2026-11-24T18:00:01Z"));
    EXPECT_EQ(service_.handle(message_for(task, "evt-2")).outcome, Outcome::success);
    EXPECT_EQ(invoker_.requests.size(), 1u);
    EXPECT_EQ(count("processed_events"), 2u);
}

TEST_F(RecurringServiceTest, EndedSeriesCreatesNothing) {
    auto task = recurring_task();
    task.fields.rrule = "FREQ=DAILY;COUNT=1";
    EXPECT_EQ(service_.handle(message_for(task, "evt-count")).outcome, Outcome::success);
    task.fields.rrule = "FREQ=DAILY;UNTIL=20261123T235959Z";
    EXPECT_EQ(service_.handle(message_for(task, "evt-until")).outcome, Outcome::success);
    EXPECT_TRUE(invoker_.requests.empty());
    EXPECT_EQ(count("series_progress"), 0u);
}

TEST_F(RecurringServiceTest, ScheduleAndCompletionBasedDates) {
    auto task = recurring_task();
    task.fields.rrule.reset();
    task.fields.recurrence_schedule = RecurrenceSchedule::monthly;
    task.fields.due_date = at("2027-01-31T09:00:00Z");
    task.fields.reminders.clear();
    task.completed_at = task.updated_at = at("2027-01-30T10:00:00Z");
    clock_.set(at("2027-01-30T10:00:01Z"));
    ASSERT_EQ(service_.handle(message_for(task, "evt-m")).outcome, Outcome::success);
    ASSERT_EQ(invoker_.requests.size(), 1u);
    auto body = json::parse(invoker_.requests[0].body).as_object();
    EXPECT_EQ(body.at("due_date"), "2027-02-28T09:00:00.000Z");
    EXPECT_EQ(body.at("task").at("recurrence_schedule"), "monthly");

    task.id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60";  // the next instance, completed a day late
    task.fields.recurrence_from = RecurrenceFrom::completion;
    task.completed_at = task.updated_at = at("2027-03-01T07:30:00Z");
    clock_.set(at("2027-03-01T07:30:01Z"));
    ASSERT_EQ(service_.handle(message_for(task, "evt-c")).outcome, Outcome::success);
    ASSERT_EQ(invoker_.requests.size(), 2u);
    body = json::parse(invoker_.requests[1].body).as_object();
    EXPECT_EQ(body.at("due_date"), "2027-04-01T07:30:00.000Z");
    EXPECT_EQ(body.at("id"), json::value(instance_id(kSeries, at("2027-04-01T07:30:00Z"))));
}

TEST_F(RecurringServiceTest, UnreachableTodoIsRetriedAndNothingIsRecorded) {
    invoker_.fail("todo-service down");
    const auto message = message_for(recurring_task(), "evt-1");
    auto result = service_.handle(message);
    EXPECT_EQ(result.outcome, Outcome::retry);
    EXPECT_NE(result.reason.find("todo-service down"), std::string::npos) << result.reason;
    EXPECT_EQ(count("processed_events"), 0u);
    EXPECT_EQ(count("series_progress"), 0u);

    invoker_.answer(503, R"({"status":503,"detail":"the todo store is unavailable"})");
    result = service_.handle(message);
    EXPECT_EQ(result.outcome, Outcome::retry);
    EXPECT_NE(result.reason.find("the todo store is unavailable"), std::string::npos) << result.reason;
    EXPECT_EQ(count("processed_events"), 0u);

    invoker_.answer(500, "boom");
    EXPECT_EQ(service_.handle(message).outcome, Outcome::retry);

    // The retry that gets through: 200 (the instance existed already) counts as done.
    invoker_.answer(200);
    EXPECT_EQ(service_.handle(message).outcome, Outcome::success);
    EXPECT_EQ(invoker_.requests.size(), 4u);
    EXPECT_EQ(count("processed_events"), 1u);
    EXPECT_EQ(count("series_progress"), 1u);
    // All four asked for the same instance.
    for (const auto& r : invoker_.requests) EXPECT_EQ(r.body, invoker_.requests[0].body);
}

TEST_F(RecurringServiceTest, ClientErrorIsDroppedWithTheReason) {
    invoker_.answer(422, R"({"status":422,"detail":"invalid next-instance request"})");
    const auto result = service_.handle(message_for(recurring_task(), "evt-1"));
    EXPECT_EQ(result.outcome, Outcome::drop);
    EXPECT_NE(result.reason.find("422"), std::string::npos) << result.reason;
    EXPECT_NE(result.reason.find("invalid next-instance request"), std::string::npos) << result.reason;
    invoker_.answer(401, R"({"status":401,"detail":"wrong app token"})");
    EXPECT_EQ(service_.handle(message_for(recurring_task(), "evt-2")).outcome, Outcome::drop);
    EXPECT_EQ(count("series_progress"), 0u);
}

TEST_F(RecurringServiceTest, OtherEventsAndNonRecurringTasksAreIgnored) {
    auto task = recurring_task();
    for (auto type :
         {event_type::kTaskCreated, event_type::kTaskUpdated, event_type::kTaskDeleted, event_type::kReminderFired})
        EXPECT_EQ(service_.handle(message_for(task, "evt-" + std::string(type), type)).outcome, Outcome::success);
    task.fields.is_recurring = false;
    task.fields.rrule.reset();
    task.series_id.reset();
    EXPECT_EQ(service_.handle(message_for(task, "evt-plain")).outcome, Outcome::success);
    EXPECT_TRUE(invoker_.requests.empty());
}

TEST_F(RecurringServiceTest, MalformedEventsAreDroppedWithAReason) {
    const auto good = json::parse(message_for(recurring_task(), "evt-1").payload).as_object();
    auto with = [&](auto edit) {
        auto o = good;
        edit(o);
        return pubsub::Message{.topic = "task-events", .key = "user-1", .payload = json::serialize(o), .id = "x"};
    };
    std::vector<pubsub::Message> bad = {
        {.topic = "task-events", .payload = "not json", .id = "a"},
        {.topic = "task-events", .payload = "[]", .id = "b"},
        with([](json::object& o) { o.erase("specversion"); }),
        with([](json::object& o) { o.erase("id"); }),
        with([](json::object& o) { o["time"] = "yesterday"; }),
        with([](json::object& o) { o["data"] = "a string"; }),
        with([](json::object& o) { o["data"].as_object().erase("payload"); }),
        with([](json::object& o) { o["data"].as_object()["payload"] = 42; }),
        with([](json::object& o) { o["data"].as_object()["payload"].as_object().erase("id"); }),
        with([](json::object& o) { o["data"].as_object()["payload"].as_object()["due_date"] = "soon"; }),
        with([](json::object& o) { o["data"].as_object()["payload"].as_object()["status"] = "pending"; }),
    };
    for (const auto& m : bad) {
        const auto result = service_.handle(m);
        EXPECT_EQ(result.outcome, Outcome::drop) << m.payload;
        EXPECT_FALSE(result.reason.empty()) << m.payload;
    }
    EXPECT_TRUE(invoker_.requests.empty());
}

TEST_F(RecurringServiceTest, SubscribesToTaskEventsAsItsGroup) {
    struct RecordingBus final : pubsub::Bus {
        void subscribe(std::string_view topic, std::string_view group, pubsub::Handler h) override {
            subscriptions.emplace_back(std::string(topic), std::string(group));
            handler = std::move(h);
        }
        void subscribe_batch(std::string_view, std::string_view, pubsub::BatchHandler) override {
            ADD_FAILURE() << "the recurring service subscribes per message";
        }
        void publish(std::span<const pubsub::Message>) override {}
        void start() override {}
        void stop() override {}
        bool ready() override { return true; }
        std::vector<std::pair<std::string, std::string>> subscriptions;
        pubsub::Handler handler;
    } bus;
    service_.subscribe(bus);
    ASSERT_EQ(bus.subscriptions.size(), 1u);
    EXPECT_EQ(bus.subscriptions[0], (std::pair<std::string, std::string>{"task-events", "recurring-service"}));
    EXPECT_EQ(bus.handler(message_for(recurring_task(), "evt-1")).outcome, Outcome::success);
    EXPECT_EQ(invoker_.requests.size(), 1u);
}

TEST(PlanNextInstance, ReminderNeverInThePast) {
    auto task = recurring_task();
    task.fields.rrule = "FREQ=DAILY";
    task.fields.due_date = at("2026-11-20T09:00:00Z");
    task.fields.reminders = {Reminder{.at = at("2026-11-20T08:00:00Z")}, Reminder{.at = at("2026-11-21T08:59:59Z")}};
    // Next due 2026-11-21T09:00: the shifted reminders are 11-21T08:00 and 11-22T08:59:59.
    auto plan = plan_next_instance(task, "evt", at("2026-11-21T08:00:00Z"));
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->fields.reminders.size(), 1u);  // exactly now counts as past
    EXPECT_EQ(plan->fields.reminders[0].at, at("2026-11-22T08:59:59Z"));
    EXPECT_EQ(plan->fields.status, TaskStatus::pending);
    EXPECT_EQ(plan->fields.rrule, "FREQ=DAILY");
}

}  // namespace
}  // namespace todoai::recurring

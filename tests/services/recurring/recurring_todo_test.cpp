// The recurring service and the todo service together, in process: a user completes a recurring task through
// TaskService, its outbox event is handed to the recurring service, which invokes the todo router through the
// in-process invoker. Real SQLite stores on both sides.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/recurrence.hpp"
#include "core/time.hpp"
#include "runtime/http/router.hpp"
#include "runtime/invoke/in_process_invoker.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/recurring/recurring_service.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/series_routes.hpp"
#include "services/todo/task_service.hpp"
#include "support/temp_dir.hpp"

namespace todoai::recurring {
namespace {

namespace json = boost::json;
using pubsub::Outcome;

constexpr std::string_view kToken = "in-process-app-token";

Timestamp at(std::string_view text) { return parse_rfc3339(text).value(); }

struct OutboxRow {
    std::int64_t seq;
    std::string type;
    std::string subject;
    std::string event;
};

class RecurringTodoTest : public ::testing::Test {
  protected:
    RecurringTodoTest()
        : clock_(at("2026-11-23T08:00:00Z")),
          todo_db_(store::open_sqlite({.file = dir_.path() / "todo.db"})),
          recurring_db_(store::open_sqlite({.file = dir_.path() / "recurring.db"})),
          tasks_(*todo_db_, clock_),
          recurring_(*recurring_db_, clock_, invoker_, std::string(kToken)) {
        todo_db_->migrate(todo::migrations());
        recurring_db_->migrate(RecurringService::migrations());
        todo::register_series_routes(router_, tasks_, std::string(kToken));
        invoker_.add("todo-service", [this](http::Request& req) { return router_.dispatch(req); });
    }

    std::vector<OutboxRow> outbox_after(std::int64_t seq) {
        auto tx = todo_db_->begin(store::Database::Access::read);
        std::vector<OutboxRow> rows;
        for (const auto& row : tx->query("SELECT seq, event FROM outbox WHERE seq > $1 ORDER BY seq", {seq})) {
            auto event = json::parse(row.text(1)).as_object();
            rows.push_back({row.int64(0), std::string(event.at("type").as_string()),
                            std::string(event.at("subject").as_string()), row.text(1)});
        }
        return rows;
    }

    // Completes task `id` as its user would and hands the one resulting event to the recurring service.
    OutboxRow complete(const std::string& id) {
        const auto before = last_seq();
        tasks_.toggle_complete("user-1", id, std::nullopt);
        auto rows = outbox_after(before);
        EXPECT_EQ(rows.size(), 1u) << "one user action, one event";
        EXPECT_EQ(rows.at(0).type, "com.todoai.task.completed");
        return rows.at(0);
    }

    pubsub::HandlerResult deliver(const OutboxRow& row) {
        return recurring_.handle({.topic = "task-events", .key = "user-1", .payload = row.event, .id = row.subject});
    }

    std::int64_t last_seq() {
        auto tx = todo_db_->begin(store::Database::Access::read);
        return tx->query("SELECT COALESCE(MAX(seq), 0) FROM outbox")[0].int64(0);
    }

    std::int64_t task_count() {
        auto tx = todo_db_->begin(store::Database::Access::read);
        return tx->query("SELECT COUNT(*) FROM tasks")[0].int64(0);
    }

    todoai::testing::TempDir dir_;
    ManualClock clock_;
    std::unique_ptr<store::Database> todo_db_;
    std::unique_ptr<store::Database> recurring_db_;
    todo::TaskService tasks_;
    http::Router router_;
    invoke::InProcessInvoker invoker_;
    RecurringService recurring_;
};

TEST_F(RecurringTodoTest, CompletingARecurringTaskYieldsExactlyOneNextInstance) {
    auto created = tasks_.create("user-1", json::parse(R"({"title":"gym","is_recurring":true,
        "rrule":"FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=3","due_date":"2026-11-23T18:00:00Z",
        "reminders":[{"before_due":"PT30M"}]})"),
                                 "", std::nullopt);
    const auto series = created.id;

    // Instance 1 (Mon) -> instance 2 (Wed).
    clock_.set(at("2026-11-23T18:30:00Z"));
    const auto completed = complete(series);
    auto seq = last_seq();
    ASSERT_EQ(deliver(completed).outcome, Outcome::success);
    auto created_rows = outbox_after(seq);
    ASSERT_EQ(created_rows.size(), 1u);
    EXPECT_EQ(created_rows[0].type, "com.todoai.task.created");
    const auto second = instance_id(series, at("2026-11-25T18:00:00Z"));
    EXPECT_EQ(created_rows[0].subject, second);
    EXPECT_EQ(task_count(), 2);

    auto stored = tasks_.get("user-1", second);
    ASSERT_TRUE(stored);
    auto doc = json::parse(stored->doc).as_object();
    EXPECT_EQ(doc.at("status"), "pending");
    EXPECT_EQ(doc.at("series_id"), json::value(series));
    EXPECT_EQ(doc.at("rrule"), "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=2");
    EXPECT_EQ(doc.at("reminders"), json::parse(R"([{"before_due":"PT30M"}])"));

    // Redelivery of the same event, and a second recurring-service pass with its markers lost: nothing new.
    seq = last_seq();
    EXPECT_EQ(deliver(completed).outcome, Outcome::success);
    EXPECT_TRUE(outbox_after(seq).empty());
    {
        auto tx = recurring_db_->begin(store::Database::Access::write);
        tx->execute("DELETE FROM processed_events");
        tx->execute("DELETE FROM spawned_instances");
        tx->commit();
    }
    EXPECT_EQ(deliver(completed).outcome, Outcome::success);  // todo answers 200 with the existing instance
    EXPECT_TRUE(outbox_after(seq).empty());
    EXPECT_EQ(task_count(), 2);

    // Reopen and complete instance 1 again: still no second "next".
    tasks_.toggle_complete("user-1", series, std::nullopt);
    const auto again = complete(series);
    seq = last_seq();
    EXPECT_EQ(deliver(again).outcome, Outcome::success);
    EXPECT_TRUE(outbox_after(seq).empty());
    EXPECT_EQ(task_count(), 2);

    // Instance 2 (COUNT=2) -> instance 3 (Fri, COUNT=1) -> the series ends.
    clock_.set(at("2026-11-25T19:00:00Z"));
    ASSERT_EQ(deliver(complete(second)).outcome, Outcome::success);
    const auto third = instance_id(series, at("2026-11-27T18:00:00Z"));
    ASSERT_TRUE(tasks_.get("user-1", third));
    EXPECT_EQ(json::parse(tasks_.get("user-1", third)->doc).at("rrule"), "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=1");
    EXPECT_EQ(task_count(), 3);

    clock_.set(at("2026-11-27T19:00:00Z"));
    const auto last = complete(third);
    seq = last_seq();
    EXPECT_EQ(deliver(last).outcome, Outcome::success);
    EXPECT_TRUE(outbox_after(seq).empty());
    EXPECT_EQ(task_count(), 3);
}

TEST_F(RecurringTodoTest, WrongAppTokenIsDropped) {
    RecurringService misconfigured(*recurring_db_, clock_, invoker_, "not-the-token");
    auto created = tasks_.create(
        "user-1", json::parse(R"({"title":"t","is_recurring":true,"recurrence_schedule":"daily"})"), "", std::nullopt);
    clock_.advance(std::chrono::hours(1));
    const auto row = complete(created.id);
    const auto result =
        misconfigured.handle({.topic = "task-events", .key = "user-1", .payload = row.event, .id = row.subject});
    EXPECT_EQ(result.outcome, Outcome::drop);
    EXPECT_NE(result.reason.find("401"), std::string::npos) << result.reason;
    EXPECT_EQ(task_count(), 1);
}

TEST_F(RecurringTodoTest, UnknownTargetIsRetried) {
    invoke::InProcessInvoker empty;
    RecurringService lonely(*recurring_db_, clock_, empty, std::string(kToken));
    auto created = tasks_.create(
        "user-1", json::parse(R"({"title":"t","is_recurring":true,"recurrence_schedule":"weekly"})"), "", std::nullopt);
    clock_.advance(std::chrono::hours(1));
    const auto row = complete(created.id);
    EXPECT_EQ(lonely.handle({.topic = "task-events", .key = "user-1", .payload = row.event, .id = row.subject}).outcome,
              Outcome::retry);
    // Once the todo service is reachable, the same event goes through.
    EXPECT_EQ(deliver(row).outcome, Outcome::success);
    EXPECT_EQ(task_count(), 2);
}

}  // namespace
}  // namespace todoai::recurring

// The notification service asking the REAL todo service (its router with POST /internal/tasks/open, through the
// in-process invoker, on real SQLite stores) before reminders fire: todo's commit wins over a task event that has not
// been delivered yet.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "runtime/invoke/in_process_invoker.hpp"
#include "services/notification/notification_test_support.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/task_service.hpp"
#include "services/todo/task_status_routes.hpp"

namespace todoai::notification {
namespace {

using namespace test;

class TodoOpenCheckTest : public NotificationServiceTest {
  protected:
    TodoOpenCheckTest()
        : todo_db_(store::open_sqlite({.file = dir_.path() / "todo.db"})), tasks_(*todo_db_, todo_clock_) {
        todo_db_->migrate(todo::migrations());
        todo::register_task_status_routes(router_, tasks_, std::string(kAppToken));
        invoker_.add("todo-service", [this](http::Request& req) { return router_.dispatch(req); });
    }

    // Creates the task in todo (which writes its task.created event to todo's outbox); returns its id.
    std::string create(const std::string& title, Timestamp remind_at) {
        json::object body{{"title", title},
                          {"reminders", json::array{json::object{{"at", format_rfc3339(remind_at)}}}}};
        return tasks_.create(std::string(kUser), body, json::serialize(body), std::nullopt).id;
    }

    // The events todo committed for `task_id`, as the bus would deliver them, oldest first.
    std::vector<pubsub::Message> todo_events(const std::string& task_id) {
        auto tx = todo_db_->begin(store::Database::Access::read);
        std::vector<pubsub::Message> out;
        for (const auto& row : tx->query("SELECT event FROM outbox ORDER BY seq")) {
            auto e = json::parse(row.text(0)).as_object();
            if (e.at("subject").as_string() != task_id) continue;
            out.push_back(pubsub::Message{.topic = "task-events",
                                          .key = std::string(kUser),
                                          .payload = row.text(0),
                                          .id = std::string(e.at("id").as_string())});
        }
        return out;
    }

    SystemClock todo_clock_;
    std::unique_ptr<store::Database> todo_db_;
    todo::TaskService tasks_;
    http::Router router_;
    invoke::InProcessInvoker invoker_;
};

TEST_F(TodoOpenCheckTest, ReminderOfATaskCompletedOrDeletedInTodoButNotYetDeliveredNeverFires) {
    Replica r(*db_, true, 60s, Replica::system_clock(), &invoker_);
    r.service.start();
    const Timestamp remind_at = now() + 300ms;
    const auto completed = create("completed before its reminder", remind_at);
    const auto deleted = create("deleted before its reminder", remind_at);
    const auto open = create("still open", remind_at + 50ms);  // once it fired, the others' time had passed
    for (const auto& id : {completed, deleted, open}) {
        auto events = todo_events(id);
        ASSERT_EQ(events.size(), 1u);
        ASSERT_EQ(r.deliver(events[0]).outcome, pubsub::Outcome::success);
    }
    // Committed in todo; the task events stay undelivered (the consumer lags).
    tasks_.toggle_complete(std::string(kUser), completed, std::nullopt);
    tasks_.remove(std::string(kUser), deleted, std::nullopt);
    ASSERT_LT(now(), remind_at) << "the machine is too slow for this test's set-up";

    ASSERT_TRUE(r.wait_fired(1));
    ASSERT_TRUE(r.drain_until(now()));
    EXPECT_EQ(state(reminder_id(completed, remind_at)), "cancelled");
    EXPECT_EQ(state(reminder_id(deleted, remind_at)), "cancelled");
    EXPECT_EQ(state(reminder_id(open, remind_at + 50ms)), "fired");
    EXPECT_EQ(notifications(completed), 0);
    EXPECT_EQ(notifications(deleted), 0);
    EXPECT_EQ(notifications(open), 1);
    EXPECT_EQ(outbox(event_type::kReminderFired, completed), 0);
    EXPECT_EQ(outbox(event_type::kReminderFired, deleted), 0);
    EXPECT_EQ(r.service.stats().fired, 1u);
    EXPECT_EQ(r.service.stats().closed_at_fire, 2u);
    EXPECT_EQ(r.service.stats().check_failures, 0u);

    // The completion and deletion arrive at last: accepted, nothing changes.
    const auto outbox_rows = count("SELECT count(*) FROM outbox");
    for (const auto& id : {completed, deleted}) {
        auto events = todo_events(id);
        ASSERT_EQ(events.size(), 2u);
        EXPECT_EQ(r.deliver(events[1]).outcome, pubsub::Outcome::success);
    }
    EXPECT_EQ(count("SELECT count(*) FROM outbox"), outbox_rows);
    EXPECT_EQ(state(reminder_id(completed, remind_at)), "cancelled");
    EXPECT_EQ(r.service.sweep(), 0u);
}

TEST_F(TodoOpenCheckTest, UnreachableOrRefusingTodoHoldsTheReminderUntilItAnswers) {
    invoke::InProcessInvoker nobody;  // no "todo-service" in this process yet: InvokeError
    http::Router wrong_token_router;
    todo::register_task_status_routes(wrong_token_router, tasks_, "another-token");
    invoke::InProcessInvoker refusing;  // todo answers 401
    refusing.add("todo-service", [&](http::Request& req) { return wrong_token_router.dispatch(req); });

    const Timestamp set_at = now() - 10s;
    const Timestamp remind_at = set_at + 5s;
    const auto id = create("fell due while notification was down", now() + 1h);
    // The event as if the reminder had been set at set_at (a catch-up case), built from todo's task.
    auto event = json::parse(todo_events(id).at(0).payload).as_object();
    Task task = task_from_json(event.at("data").at("payload").as_object());
    task.fields.reminders = {at(remind_at)};
    const auto created = message(event_type::kTaskCreated, task, set_at);

    for (invoke::Invoker* invoker : std::initializer_list<invoke::Invoker*>{&nobody, &refusing}) {
        Replica r(*db_, false, 60s, Replica::system_clock(), invoker);
        ASSERT_EQ(r.deliver(created).outcome, pubsub::Outcome::success);
        EXPECT_EQ(r.service.sweep(), 0u);
        EXPECT_EQ(state(reminder_id(id, remind_at)), "scheduled");
        EXPECT_EQ(notifications(id), 0);
        EXPECT_EQ(r.service.stats().check_failures, 1u);
    }
    nobody.add("todo-service", [this](http::Request& req) { return router_.dispatch(req); });
    Replica r(*db_, false, 60s, Replica::system_clock(), &nobody);
    EXPECT_EQ(r.service.sweep(), 1u);
    EXPECT_EQ(state(reminder_id(id, remind_at)), "fired");
    EXPECT_EQ(notifications(id), 1);
}

}  // namespace
}  // namespace todoai::notification

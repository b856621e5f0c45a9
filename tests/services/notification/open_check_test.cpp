// Before a reminder fires the service asks todo which tasks are open (a logic-only fake todo here; the real router in
// todo_open_check_test.cpp), and it applies task events in batches, one transaction per batch.
#include <gtest/gtest.h>

#include "services/notification/notification_test_support.hpp"

namespace todoai::notification {
namespace {

using namespace test;

class OpenCheckTest : public NotificationServiceTest {};

TEST_F(OpenCheckTest, ReminderOfATaskClosedInTodoIsCancelledNotFired) {
    Replica r(*db_);
    r.service.start();
    const Timestamp t0 = now();
    Task closed = make_task({at(t0 + 100ms)});
    Task control = make_task({at(t0 + 150ms)});  // later: once it fired, the closed one's time had passed
    for (auto* t : {&closed, &control})
        ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, *t, t0)).outcome, pubsub::Outcome::success);
    // Completed in todo; the completion event has not reached this service.
    r.todo.close(closed.id);

    ASSERT_TRUE(r.wait_fired(1));
    ASSERT_TRUE(r.drain_until(now()));
    EXPECT_EQ(state(reminder_id(closed.id, t0 + 100ms)), "cancelled");
    EXPECT_EQ(notifications(closed.id), 0);
    EXPECT_EQ(outbox(event_type::kReminderFired, closed.id), 0);
    EXPECT_EQ(notifications(control.id), 1);
    EXPECT_TRUE(r.todo.asked_about(closed.id));
    const auto stats = r.service.stats();
    EXPECT_EQ(stats.fired, 1u);
    EXPECT_EQ(stats.closed_at_fire, 1u);
    EXPECT_EQ(stats.cancelled, 1u);
    EXPECT_EQ(r.timers.size(), 1u);  // only the periodic sweep

    // The completion arrives late: nothing left to do, nothing emitted.
    const auto outbox_rows = count("SELECT count(*) FROM outbox");
    closed.fields.status = TaskStatus::complete;
    closed.version = 2;
    ASSERT_EQ(r.deliver(message(event_type::kTaskCompleted, closed, now())).outcome, pubsub::Outcome::success);
    EXPECT_EQ(state(reminder_id(closed.id, t0 + 100ms)), "cancelled");
    EXPECT_EQ(count("SELECT count(*) FROM outbox"), outbox_rows);
    EXPECT_EQ(r.service.sweep(), 0u);
}

TEST_F(OpenCheckTest, CatchUpSweepAsksTodoToo) {
    const Timestamp set_at = now() - 10s;
    Task open = make_task({at(set_at + 5s)});
    Task closed = make_task({at(set_at + 5s)});
    Replica r(*db_, false);
    for (auto* t : {&open, &closed})
        ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, *t, set_at)).outcome, pubsub::Outcome::success);
    r.todo.close(closed.id);
    EXPECT_EQ(r.service.sweep(), 1u);
    EXPECT_EQ(r.todo.calls(), 1);  // one question for the batch
    EXPECT_EQ(state(reminder_id(open.id, set_at + 5s)), "fired");
    EXPECT_EQ(state(reminder_id(closed.id, set_at + 5s)), "cancelled");
    EXPECT_EQ(outbox(event_type::kReminderFired, closed.id), 0);
    EXPECT_EQ(r.service.sweep(), 0u);
}

TEST_F(OpenCheckTest, WithoutAnAnswerFromTodoNothingFiresAndNothingIsDropped) {
    Replica r(*db_, false);  // timers not running: only the explicit sweeps fire
    const Timestamp set_at = now() - 10s;
    for (auto mode : {FakeTodo::Mode::unreachable, FakeTodo::Mode::error_status, FakeTodo::Mode::garbage}) {
        SCOPED_TRACE(static_cast<int>(mode));
        Task task = make_task({at(set_at + 5s)});
        ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, task, set_at)).outcome, pubsub::Outcome::success);
        r.todo.set_mode(mode);
        const int calls = r.todo.calls();
        EXPECT_EQ(r.service.sweep(), 0u);
        EXPECT_EQ(r.todo.calls(), calls + 1);
        EXPECT_EQ(state(reminder_id(task.id, set_at + 5s)), "scheduled");
        EXPECT_EQ(notifications(task.id), 0);
        EXPECT_EQ(outbox(event_type::kReminderFired, task.id), 0);

        r.todo.set_mode(FakeTodo::Mode::answer);
        EXPECT_EQ(r.service.sweep(), 1u);
        EXPECT_EQ(state(reminder_id(task.id, set_at + 5s)), "fired");
        EXPECT_EQ(notifications(task.id), 1);
    }
    EXPECT_EQ(r.service.stats().check_failures, 3u);
    EXPECT_EQ(r.service.stats().fired, 3u);
}

TEST_F(OpenCheckTest, TimerThatCouldNotAskIsRetriedWithBackoffAndFiresOnceTodoAnswers) {
    Replica r(*db_);
    r.service.start();
    r.todo.set_mode(FakeTodo::Mode::unreachable);
    const Timestamp remind_at = now() + 100ms;
    Task task = make_task({at(remind_at)});
    ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, task, now())).outcome, pubsub::Outcome::success);

    // The timer asks and fails; a recheck 200 ms later fails too; later ones back off.
    ASSERT_TRUE(r.drain_until(remind_at + 450ms));
    EXPECT_GE(r.todo.calls(), 2);
    EXPECT_LE(r.todo.calls(), 3);
    EXPECT_EQ(state(reminder_id(task.id, remind_at)), "scheduled");
    EXPECT_EQ(notifications(task.id), 0);
    EXPECT_EQ(r.service.stats().fired, 0u);

    r.todo.set_mode(FakeTodo::Mode::answer);
    ASSERT_TRUE(r.signal.wait([&] { return r.service.stats().fired >= 1; }, 5s));
    ASSERT_TRUE(r.drain_until(now() + 10ms));
    EXPECT_EQ(state(reminder_id(task.id, remind_at)), "fired");
    EXPECT_EQ(notifications(task.id), 1);
    EXPECT_EQ(outbox(event_type::kReminderFired, task.id), 1);
    EXPECT_EQ(r.service.stats().fired, 1u);
    EXPECT_EQ(r.timers.size(), 1u);  // no recheck left, only the periodic sweep
}

TEST_F(OpenCheckTest, ManyDueRemindersAreCheckedAtMost256TasksPerQuestion) {
    Replica r(*db_, false);
    const Timestamp set_at = now() - 10s;
    std::vector<pubsub::Message> batch;
    for (int i = 0; i < 300; ++i)
        batch.push_back(message(event_type::kTaskCreated, make_task({at(set_at + 5s)}), set_at));
    for (const auto& result : r.deliver_batch(batch)) ASSERT_EQ(result.outcome, pubsub::Outcome::success);
    EXPECT_EQ(r.service.sweep(), 300u);
    EXPECT_EQ(r.todo.calls(), 2);  // the sweep's batches of 256 and 44
    EXPECT_EQ(r.todo.max_ids(), 256u);
    EXPECT_EQ(count("SELECT count(*) FROM notifications"), 300);
}

// --- batches ----------------------------------------------------------------------------------------------------

// 200 events over 50 tasks, interleaved as a bus would deliver several users' events: created, updated (reminders
// and title change), then completed / deleted / updated again, then a stale update of version 1.
std::vector<pubsub::Message> two_hundred_events(Timestamp t0) {
    std::vector<std::vector<pubsub::Message>> per_task;
    for (int i = 0; i < 50; ++i) {
        Task t = make_task({at(t0 + 1h), at(t0 + 2h)}, t0 + 5h, "user-" + std::to_string(i % 7));
        std::vector<pubsub::Message> events;
        events.push_back(message(event_type::kTaskCreated, t, t0));
        const Task v1 = t;
        t.version = 2;
        t.fields.title = "task " + std::to_string(i);
        t.fields.reminders = {at(t0 + 3h), before("PT10M")};
        events.push_back(message(event_type::kTaskUpdated, t, t0 + 1ms));
        t.version = 3;
        if (i % 3 == 0) {
            t.fields.status = TaskStatus::complete;
            events.push_back(message(event_type::kTaskCompleted, t, t0 + 2ms));
        } else if (i % 3 == 1) {
            t.version = 2;  // the snapshot before the delete
            events.push_back(message(event_type::kTaskDeleted, t, t0 + 2ms));
        } else {
            t.fields.reminders = {at(t0 + 3h), at(t0 + 4h)};
            t.fields.due_date = t0 + 6h;
            events.push_back(message(event_type::kTaskUpdated, t, t0 + 2ms));
        }
        events.push_back(message(event_type::kTaskUpdated, v1, t0 + 3ms));  // late and stale
        per_task.push_back(std::move(events));
    }
    std::vector<pubsub::Message> out;
    for (std::size_t k = 0; k < 4; ++k)
        for (const auto& events : per_task) out.push_back(events[k]);
    return out;
}

struct Snapshot {
    std::vector<std::string> reminders;
    std::vector<std::string> marks;
    std::vector<std::string> outbox;  // reminder.scheduled events without their own ids and times
    std::int64_t processed = 0;
    bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(store::Database& db) {
    auto tx = db.begin(store::Database::Access::read);
    Snapshot s;
    for (const auto& row : tx->query("SELECT id, task_id, user_id, title, remind_at, coalesce(due_date, '-'), state "
                                     "FROM reminders ORDER BY id"))
        s.reminders.push_back(row.text(0) + "|" + row.text(1) + "|" + row.text(2) + "|" + row.text(3) + "|" +
                              row.text(4) + "|" + row.text(5) + "|" + row.text(6));
    for (const auto& row : tx->query("SELECT task_id, version, deleted FROM task_marks ORDER BY task_id"))
        s.marks.push_back(row.text(0) + "|" + std::to_string(row.int64(1)) + "|" + std::to_string(row.int64(2)));
    for (const auto& row : tx->query("SELECT event FROM outbox WHERE topic = 'reminders'")) {
        auto e = json::parse(row.text(0)).as_object();
        const auto& data = e.at("data").as_object();
        s.outbox.push_back(std::string(e.at("type").as_string()) + "|" + std::string(e.at("subject").as_string()) +
                           "|" + json::serialize(data.at("payload")) + "|" +
                           std::string(data.at("correlation_id").as_string()));
    }
    std::sort(s.outbox.begin(), s.outbox.end());
    s.processed = tx->query("SELECT count(*) FROM processed_events").at(0).int64(0);
    return s;
}

TEST_F(OpenCheckTest, BatchOf200EventsInOneCallEqualsOneByOne) {
    todoai::testing::TempDir other_dir;
    auto one_by_one_db = store::open_sqlite({.file = other_dir.path() / "notification.db"});
    one_by_one_db->migrate(NotificationService::migrations());
    Replica batched(*db_, false);
    Replica one_by_one(*one_by_one_db, false);

    const auto events = two_hundred_events(now());
    ASSERT_EQ(events.size(), 200u);
    auto results = batched.deliver_batch(events);
    for (std::size_t i = 0; i < results.size(); ++i)
        EXPECT_EQ(results[i].outcome, pubsub::Outcome::success) << i << ": " << results[i].reason;
    EXPECT_EQ(batched.signal.commits(), 1);  // one commit, one wake-up of the relay
    for (const auto& m : events) ASSERT_EQ(one_by_one.deliver(m).outcome, pubsub::Outcome::success);

    const Snapshot a = snapshot(*db_);
    const Snapshot b = snapshot(*one_by_one_db);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.processed, 200);
    EXPECT_EQ(a.marks.size(), 50u);
    EXPECT_FALSE(a.outbox.empty());
    EXPECT_EQ(count("SELECT count(*) FROM reminders WHERE state = 'scheduled'"), 16 * 2);  // i % 3 == 2: 16 tasks
    EXPECT_EQ(batched.timers.size(), one_by_one.timers.size());                            // the same reminders armed
    EXPECT_EQ(batched.timers.size(), 16u * 2);
    EXPECT_EQ(batched.service.stats().scheduled, one_by_one.service.stats().scheduled);
    EXPECT_EQ(batched.service.stats().cancelled, one_by_one.service.stats().cancelled);

    // The whole batch again (a redelivery after a crash): nothing changes, nothing is emitted, no commit.
    const auto outbox_rows = count("SELECT count(*) FROM outbox");
    results = batched.deliver_batch(events);
    for (const auto& r : results) EXPECT_EQ(r.outcome, pubsub::Outcome::success);
    EXPECT_EQ(snapshot(*db_), a);
    EXPECT_EQ(count("SELECT count(*) FROM outbox"), outbox_rows);
    EXPECT_EQ(batched.signal.commits(), 1);
}

TEST_F(OpenCheckTest, MalformedMessageInABatchIsDroppedAlone) {
    Replica r(*db_, false);
    Task a = make_task({at(now() + 1h)});
    Task b = make_task({at(now() + 1h)});
    std::vector<pubsub::Message> batch{message(event_type::kTaskCreated, a, now()), raw("{not json"),
                                       message(event_type::kTaskCreated, b, now())};
    auto results = r.deliver_batch(batch);
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].outcome, pubsub::Outcome::success);
    EXPECT_EQ(results[1].outcome, pubsub::Outcome::drop);
    EXPECT_NE(results[1].reason.find("JSON"), std::string::npos) << results[1].reason;
    EXPECT_EQ(results[2].outcome, pubsub::Outcome::success);
    EXPECT_EQ(count("SELECT count(*) FROM reminders WHERE state = 'scheduled'"), 2);
    EXPECT_EQ(count("SELECT count(*) FROM processed_events"), 2);
    EXPECT_EQ(r.signal.commits(), 1);
    EXPECT_TRUE(r.service.handle_task_events({}).empty());
}

TEST_F(OpenCheckTest, StoreFailureRetriesTheWholeBatchAndAppliesNothing) {
    Replica r(*db_, false);
    Task a = make_task({at(now() + 1h)});
    std::vector<pubsub::Message> batch{message(event_type::kTaskCreated, a, now()), raw("[1]"),
                                       message(event_type::kTaskCreated, make_task({at(now() + 1h)}), now())};
    {
        auto tx = db_->begin(store::Database::Access::write);
        tx->execute("DROP TABLE task_marks");
        tx->commit();
    }
    auto results = r.deliver_batch(batch);
    ASSERT_EQ(results.size(), 3u);
    for (const auto& result : results) {
        EXPECT_EQ(result.outcome, pubsub::Outcome::retry);
        EXPECT_NE(result.reason.find("store"), std::string::npos) << result.reason;
    }
    EXPECT_EQ(count("SELECT count(*) FROM processed_events"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM reminders"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
    EXPECT_EQ(r.signal.commits(), 0);
}

}  // namespace
}  // namespace todoai::notification

// The notification service on a real SQLite store and a real TimerQueue (fakes: notification_test_support.hpp).
#include "services/notification/notification_test_support.hpp"

namespace todoai::notification {
namespace {

using namespace test;

TEST_F(NotificationServiceTest, SubscribesToTaskEventsAsItsGroup) {
    Replica r(*db_);
    ASSERT_EQ(r.bus.subscriptions.size(), 1u);
    EXPECT_EQ(r.bus.subscriptions[0].topic, "task-events");
    EXPECT_EQ(r.bus.subscriptions[0].group, "notification-service");
}

TEST_F(NotificationServiceTest, CreatedTaskReminderFiresOnceAtItsTime) {
    Replica r(*db_);
    r.service.start();
    const Timestamp t0 = now();
    const Timestamp remind_at = t0 + 100ms;
    Task task = make_task({at(remind_at)}, t0 + 1h);
    ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, task, t0)).outcome, pubsub::Outcome::success);

    const std::string id = reminder_id(task.id, remind_at);
    EXPECT_EQ(state(id), "scheduled");
    EXPECT_EQ(outbox(event_type::kReminderScheduled, task.id), 1);
    EXPECT_EQ(r.signal.commits(), 1);  // the scheduled event's commit woke the relay

    ASSERT_TRUE(r.wait_fired(1));
    EXPECT_EQ(state(id), "fired");
    EXPECT_EQ(notifications(task.id), 1);
    auto fired = outbox_events(event_type::kReminderFired);
    ASSERT_EQ(fired.size(), 1u);
    const CloudEvent& e = fired[0];
    EXPECT_EQ(e.source, "notification-service");
    EXPECT_EQ(e.subject, task.id);
    const auto& data = e.data.as_object();
    EXPECT_EQ(data.at("event_type").as_string(), "reminder-fired");
    EXPECT_EQ(data.at("event_id").as_string(), e.id);
    EXPECT_EQ(data.at("correlation_id").as_string(), e.id);
    EXPECT_EQ(data.at("user_id").as_string(), kUser);
    EXPECT_EQ(data.at("task_id").as_string(), task.id);
    EXPECT_EQ(data.at("schema_version").as_string(), "1.0");
    const auto& payload = data.at("payload").as_object();
    EXPECT_EQ(payload.at("reminder_id").as_string(), id);
    EXPECT_EQ(payload.at("title").as_string(), "Pay rent");
    EXPECT_EQ(payload.at("remind_at").as_string(), format_rfc3339(remind_at));
    EXPECT_EQ(payload.at("due_date").as_string(), format_rfc3339(t0 + 1h));
    auto fired_at = parse_rfc3339(payload.at("fired_at").as_string());
    ASSERT_TRUE(fired_at);
    EXPECT_GE(*fired_at, remind_at);         // never early
    EXPECT_LE(*fired_at - remind_at, 50ms);  // a sanity bound; the benchmark measures lateness properly

    // The timer does not come back, and another sweep finds nothing.
    EXPECT_EQ(r.service.sweep(), 0u);
    EXPECT_EQ(notifications(task.id), 1);
    EXPECT_EQ(r.service.stats().fired, 1u);
}

TEST_F(NotificationServiceTest, BurstAtOneInstantFiresEachOnceInFewCommits) {
    Replica r(*db_);
    r.service.start();
    constexpr std::uint64_t kN = 200;
    const Timestamp remind_at = now() + 300ms;
    std::vector<std::string> tasks;
    for (std::uint64_t i = 0; i < kN; ++i) {
        Task t = make_task({at(remind_at)});
        ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, t, now())).outcome, pubsub::Outcome::success);
        tasks.push_back(t.id);
    }
    ASSERT_LT(now(), remind_at) << "the machine is too slow for this test's set-up";
    const int commits_before = r.signal.commits();
    ASSERT_TRUE(r.wait_fired(kN));
    ASSERT_TRUE(r.drain_until(now()));
    EXPECT_EQ(count("SELECT count(*) FROM notifications"), static_cast<std::int64_t>(kN));
    EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE event LIKE '%reminder.fired%'"), static_cast<std::int64_t>(kN));
    EXPECT_EQ(r.service.stats().fire_attempts, kN);      // each claimed once: batched ones were disarmed
    EXPECT_LT(r.signal.commits() - commits_before, 50);  // the first timer's commit took the others along
    EXPECT_EQ(r.timers.size(), 1u);                      // only the periodic sweep is left
}

TEST_F(NotificationServiceTest, ScheduledEventCarriesTheTaskEventsCorrelation) {
    Replica r(*db_);
    Task task = make_task({at(now() + 1h)});
    auto m = message(event_type::kTaskCreated, task, now());
    ASSERT_EQ(r.deliver(m).outcome, pubsub::Outcome::success);
    auto scheduled = outbox_events(event_type::kReminderScheduled);
    ASSERT_EQ(scheduled.size(), 1u);
    const auto& data = scheduled[0].data.as_object();
    EXPECT_EQ(data.at("event_type").as_string(), "reminder-scheduled");
    EXPECT_EQ(data.at("correlation_id").as_string(), m.id);
    EXPECT_EQ(data.at("payload").as_object().at("remind_at").as_string(), format_rfc3339(*task.fields.reminders[0].at));
}

TEST_F(NotificationServiceTest, CompletionAndDeletionCancelScheduledReminders) {
    Replica r(*db_);
    r.service.start();
    const Timestamp t0 = now();
    Task completed = make_task({at(t0 + 100ms)});
    Task deleted = make_task({at(t0 + 100ms)});
    Task control = make_task({at(t0 + 150ms)});
    for (auto* t : {&completed, &deleted, &control})
        ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, *t, t0)).outcome, pubsub::Outcome::success);

    completed.fields.status = TaskStatus::complete;
    completed.version = 2;
    ASSERT_EQ(r.deliver(message(event_type::kTaskCompleted, completed, now())).outcome, pubsub::Outcome::success);
    ASSERT_EQ(r.deliver(message(event_type::kTaskDeleted, deleted, now())).outcome, pubsub::Outcome::success);
    EXPECT_EQ(state(reminder_id(completed.id, t0 + 100ms)), "cancelled");
    EXPECT_EQ(state(reminder_id(deleted.id, t0 + 100ms)), "cancelled");

    // The control reminder is later than the cancelled ones, so once it fired they would have too.
    ASSERT_TRUE(r.wait_fired(1));
    ASSERT_TRUE(r.drain_until(now()));
    EXPECT_EQ(notifications(control.id), 1);
    EXPECT_EQ(notifications(completed.id), 0);
    EXPECT_EQ(notifications(deleted.id), 0);
    EXPECT_EQ(outbox(event_type::kReminderFired, completed.id), 0);
    EXPECT_EQ(r.service.stats().fired, 1u);
    EXPECT_EQ(r.service.stats().cancelled, 2u);
}

TEST_F(NotificationServiceTest, ReopenedTaskSchedulesItsFutureReminderAgain) {
    Replica r(*db_);
    const Timestamp t0 = now();
    Task task = make_task({at(t0 + 1h)});
    r.deliver(message(event_type::kTaskCreated, task, t0));
    task.fields.status = TaskStatus::complete;
    task.version = 2;
    r.deliver(message(event_type::kTaskCompleted, task, t0 + 1ms));
    const auto id = reminder_id(task.id, t0 + 1h);
    EXPECT_EQ(state(id), "cancelled");
    task.fields.status = TaskStatus::pending;
    task.version = 3;
    r.deliver(message(event_type::kTaskUpdated, task, t0 + 2ms));
    EXPECT_EQ(state(id), "scheduled");
    EXPECT_EQ(outbox(event_type::kReminderScheduled, task.id), 2);
}

TEST_F(NotificationServiceTest, TaskWithoutRemindersLeavesNothingStoredUntilItGetsOne) {
    Replica r(*db_);
    const Timestamp t0 = now();
    Task task = make_task({});
    ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, task, t0)).outcome, pubsub::Outcome::success);
    ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, task, t0)).outcome, pubsub::Outcome::success);  // again
    EXPECT_EQ(count("SELECT count(*) FROM processed_events"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM reminders"), 0);

    task.fields.reminders = {at(t0 + 1h)};
    task.version = 2;
    ASSERT_EQ(r.deliver(message(event_type::kTaskUpdated, task, t0 + 1ms)).outcome, pubsub::Outcome::success);
    EXPECT_EQ(state(reminder_id(task.id, t0 + 1h)), "scheduled");

    // Once it had one, removing it is an event that matters: the reminder is cancelled.
    task.fields.reminders.clear();
    task.version = 3;
    ASSERT_EQ(r.deliver(message(event_type::kTaskUpdated, task, t0 + 2ms)).outcome, pubsub::Outcome::success);
    EXPECT_EQ(state(reminder_id(task.id, t0 + 1h)), "cancelled");
    EXPECT_EQ(count("SELECT count(*) FROM processed_events"), 2);
}

TEST_F(NotificationServiceTest, DueDateChangeReschedulesBeforeDueReminders) {
    Replica r(*db_);
    r.service.start();
    const Timestamp t0 = now();
    Task task = make_task({before("PT5M")}, t0 + 1h);
    ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, task, t0)).outcome, pubsub::Outcome::success);
    const auto first = reminder_id(task.id, t0 + 55min);
    EXPECT_EQ(state(first), "scheduled");

    // Moved so the reminder falls 100 ms from now.
    const Timestamp remind_at = now() + 100ms;
    task.fields.due_date = remind_at + 5min;
    task.fields.title = "Pay rent (moved)";
    task.version = 2;
    ASSERT_EQ(r.deliver(message(event_type::kTaskUpdated, task, now())).outcome, pubsub::Outcome::success);
    const auto second = reminder_id(task.id, remind_at);
    EXPECT_EQ(state(first), "cancelled");
    EXPECT_EQ(state(second), "scheduled");
    EXPECT_EQ(outbox(event_type::kReminderScheduled, task.id), 2);

    ASSERT_TRUE(r.wait_fired(1));
    EXPECT_EQ(state(second), "fired");
    EXPECT_EQ(state(first), "cancelled");
    auto fired = outbox_events(event_type::kReminderFired);
    ASSERT_EQ(fired.size(), 1u);
    const auto& payload = fired[0].data.as_object().at("payload").as_object();
    EXPECT_EQ(payload.at("title").as_string(), "Pay rent (moved)");
    EXPECT_EQ(payload.at("due_date").as_string(), format_rfc3339(remind_at + 5min));
}

TEST_F(NotificationServiceTest, TitleChangeReachesTheNotificationWithoutRescheduling) {
    Replica r(*db_, false);
    const Timestamp t0 = now();
    Task task = make_task({at(t0 + 1h)});
    r.deliver(message(event_type::kTaskCreated, task, t0));
    task.fields.title = "Renamed";
    task.version = 2;
    r.deliver(message(event_type::kTaskUpdated, task, t0 + 1ms));
    EXPECT_EQ(outbox(event_type::kReminderScheduled, task.id), 1);
    EXPECT_EQ(count("SELECT count(*) FROM reminders WHERE task_id = $1 AND title = 'Renamed' AND state = 'scheduled'",
                    {task.id}),
              1);
}

TEST_F(NotificationServiceTest, RedeliveredEventChangesNothing) {
    Replica r(*db_, false);
    const Timestamp t0 = now();
    Task task = make_task({at(t0 + 1h), at(t0 + 2h)});
    auto created = message(event_type::kTaskCreated, task, t0);
    ASSERT_EQ(r.deliver(created).outcome, pubsub::Outcome::success);
    task.fields.reminders = {at(t0 + 3h)};
    task.version = 2;
    auto updated = message(event_type::kTaskUpdated, task, t0 + 1ms);
    ASSERT_EQ(r.deliver(updated).outcome, pubsub::Outcome::success);
    const auto outbox_rows = count("SELECT count(*) FROM outbox");
    const auto commits = r.signal.commits();

    // The created event again (after the update): it must not bring back the reminders the update removed.
    ASSERT_EQ(r.deliver(created).outcome, pubsub::Outcome::success);
    ASSERT_EQ(r.deliver(updated).outcome, pubsub::Outcome::success);
    EXPECT_EQ(count("SELECT count(*) FROM outbox"), outbox_rows);
    EXPECT_EQ(r.signal.commits(), commits);
    EXPECT_EQ(count("SELECT count(*) FROM reminders WHERE task_id = $1 AND state = 'scheduled'", {task.id}), 1);
    EXPECT_EQ(state(reminder_id(task.id, t0 + 3h)), "scheduled");
    EXPECT_EQ(count("SELECT count(*) FROM processed_events"), 2);
}

TEST_F(NotificationServiceTest, OlderVersionsNeverResurrectReminders) {
    Replica r(*db_, false);
    const Timestamp t0 = now();
    Task v1 = make_task({before("PT10M")}, t0 + 1h);
    Task v2 = v1;
    v2.fields.due_date = t0 + 2h;
    v2.version = 2;
    // v2 arrives before v1 (a retry reordered them).
    ASSERT_EQ(r.deliver(message(event_type::kTaskUpdated, v2, t0 + 2ms)).outcome, pubsub::Outcome::success);
    ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, v1, t0)).outcome, pubsub::Outcome::success);
    EXPECT_EQ(state(reminder_id(v1.id, t0 + 2h - 10min)), "scheduled");
    EXPECT_EQ(state(reminder_id(v1.id, t0 + 1h - 10min)), std::nullopt);

    // Deleted, then a stale update of the same version comes late: still nothing scheduled.
    ASSERT_EQ(r.deliver(message(event_type::kTaskDeleted, v2, t0 + 3ms)).outcome, pubsub::Outcome::success);
    ASSERT_EQ(r.deliver(message(event_type::kTaskUpdated, v2, t0 + 2ms)).outcome, pubsub::Outcome::success);
    EXPECT_EQ(count("SELECT count(*) FROM reminders WHERE task_id = $1 AND state = 'scheduled'", {v1.id}), 0);
}

TEST_F(NotificationServiceTest, ReminderAlreadyPastWhenSetNeverFires) {
    Replica r(*db_);
    r.service.start();
    const Timestamp t0 = now();
    Task past = make_task({at(t0 - 1s), at(t0)});  // before, and exactly at, the moment it is set
    ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, past, t0)).outcome, pubsub::Outcome::success);
    EXPECT_EQ(count("SELECT count(*) FROM reminders WHERE task_id = $1", {past.id}), 0);
    EXPECT_EQ(outbox(event_type::kReminderScheduled, past.id), 0);
    EXPECT_EQ(r.signal.commits(), 0);
    EXPECT_EQ(r.service.sweep(), 0u);
    ASSERT_TRUE(r.drain_until(now() + 10ms));
    EXPECT_EQ(notifications(past.id), 0);
    EXPECT_EQ(r.service.stats().fire_attempts, 0u);
}

TEST_F(NotificationServiceTest, ReminderThatFellDueBeforeTheEventWasProcessedFiresAtOnce) {
    Replica r(*db_);
    r.service.start();
    const Timestamp set_at = now() - 10s;  // the event waited on the bus while the service was down
    Task task = make_task({at(set_at + 5s)});
    ASSERT_EQ(r.deliver(message(event_type::kTaskCreated, task, set_at)).outcome, pubsub::Outcome::success);
    ASSERT_TRUE(r.wait_fired(1));
    EXPECT_EQ(notifications(task.id), 1);
}

TEST_F(NotificationServiceTest, CatchUpSweepFiresAMissedReminderExactlyOnce) {
    const Timestamp set_at = now() - 10s;
    Task task = make_task({at(set_at + 5s)});
    Task open_later = make_task({at(now() + 1min)});  // within the sweep's look-ahead
    {
        // A replica whose timers never run (it went down before the reminder fell due).
        Replica down(*db_, false);
        ASSERT_EQ(down.deliver(message(event_type::kTaskCreated, task, set_at)).outcome, pubsub::Outcome::success);
        ASSERT_EQ(down.deliver(message(event_type::kTaskCreated, open_later, set_at)).outcome,
                  pubsub::Outcome::success);
    }
    Replica restarted(*db_);
    restarted.service.start();  // the sweep runs inside start()
    EXPECT_EQ(restarted.service.stats().fired, 1u);
    EXPECT_EQ(notifications(task.id), 1);
    EXPECT_EQ(outbox(event_type::kReminderFired, task.id), 1);
    EXPECT_EQ(restarted.service.sweep(), 0u);
    EXPECT_EQ(notifications(task.id), 1);
    EXPECT_EQ(notifications(open_later.id), 0);
    EXPECT_EQ(state(reminder_id(open_later.id, *open_later.fields.reminders[0].at)), "scheduled");
    EXPECT_EQ(restarted.timers.size(), 2u);  // the future reminder is armed, and the periodic sweep
}

TEST_F(NotificationServiceTest, PeriodicSweepRunsEveryCheckInterval) {
    Replica r(*db_, true, 30ms);
    r.service.start();
    // Written behind the service's back (as another replica would), already due: only the sweep can find it.
    Task task = make_task({});
    {
        auto tx = db_->begin(store::Database::Access::write);
        tx->execute(
            "INSERT INTO reminders (id, task_id, user_id, title, remind_at, state, created_at) "
            "VALUES ('r-1', $1, $2, 'x', $3, 'scheduled', $3)",
            {task.id, task.user_id, format_rfc3339(now() - 1s)});
        tx->commit();
    }
    ASSERT_TRUE(r.wait_fired(1));
    EXPECT_EQ(state("r-1"), "fired");
    EXPECT_EQ(notifications(task.id), 1);
}

TEST_F(NotificationServiceTest, TwoReplicasFireAReminderOnce) {
    Replica a(*db_);
    Replica b(*db_);
    a.service.start();
    b.service.start();
    const Timestamp remind_at = now() + 150ms;
    Task task = make_task({at(remind_at)});
    auto m = message(event_type::kTaskCreated, task, now());
    ASSERT_EQ(a.deliver(m).outcome, pubsub::Outcome::success);
    ASSERT_EQ(b.deliver(m).outcome, pubsub::Outcome::success);  // redelivered to the other replica: a no-op
    EXPECT_EQ(b.timers.size(), 1u);                             // only its sweep timer
    b.service.sweep();                                          // its next sweep arms the upcoming reminder too
    EXPECT_EQ(b.timers.size(), 2u);

    ASSERT_TRUE(a.drain_until(remind_at + 1ms));
    ASSERT_TRUE(b.drain_until(remind_at + 1ms));
    EXPECT_EQ(a.service.stats().fire_attempts, 1u);
    EXPECT_EQ(b.service.stats().fire_attempts, 1u);                    // both timers went off...
    EXPECT_EQ(a.service.stats().fired + b.service.stats().fired, 1u);  // ...and one claim won
    EXPECT_EQ(notifications(task.id), 1);
    EXPECT_EQ(outbox(event_type::kReminderFired, task.id), 1);
}

TEST_F(NotificationServiceTest, MalformedEventsAreDroppedWithAReason) {
    Replica r(*db_, false);
    Task task = make_task({at(now() + 1h)});
    json::object good = to_json(make_task_event(event_type::kTaskCreated, task, "e-1", now()));
    auto variant = [&](auto change) {
        json::object o = good;
        change(o);
        return raw(json::serialize(o));
    };
    struct Case {
        std::string name;
        pubsub::Message message;
        std::string reason_part;
    };
    std::vector<Case> cases{
        {"not json", raw("{not json"), "JSON"},
        {"array", raw("[1,2]"), "object"},
        {"no id", variant([](json::object& o) { o.erase("id"); }), "id"},
        {"no type", variant([](json::object& o) { o.erase("type"); }), "type"},
        {"bad specversion", variant([](json::object& o) { o["specversion"] = "0.3"; }), "specversion"},
        {"unknown type", variant([](json::object& o) { o["type"] = "com.todoai.task.exploded"; }),
         "unknown event type"},
        {"reminder type", variant([](json::object& o) { o["type"] = "com.todoai.reminder.fired"; }), "unknown"},
        {"data not object", variant([](json::object& o) { o["data"] = "x"; }), "data"},
        {"no payload", variant([](json::object& o) { o["data"].as_object().erase("payload"); }), "payload"},
        {"payload not task", variant([](json::object& o) {
             o["data"].as_object()["payload"] = json::object{{"a", 1}};
         }),
         "payload"},
        {"bad reminder", variant([](json::object& o) {
             o["data"].as_object()["payload"].as_object()["reminders"] = json::array{json::object{{"at", "soon"}}};
         }),
         "payload"},
        {"task id mismatch", variant([](json::object& o) { o["data"].as_object()["task_id"] = "other"; }), "task_id"},
        {"subject mismatch", variant([](json::object& o) { o["subject"] = "other"; }), "subject"},
    };
    for (const auto& c : cases) {
        auto result = r.deliver(c.message);
        EXPECT_EQ(result.outcome, pubsub::Outcome::drop) << c.name;
        EXPECT_NE(result.reason.find(c.reason_part), std::string::npos) << c.name << ": " << result.reason;
    }
    EXPECT_EQ(count("SELECT count(*) FROM reminders"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM processed_events"), 0);
    // The untouched event still works.
    EXPECT_EQ(r.deliver(raw(json::serialize(good))).outcome, pubsub::Outcome::success);
    EXPECT_EQ(count("SELECT count(*) FROM reminders"), 1);
}

TEST_F(NotificationServiceTest, StoreFailureAsksForARetry) {
    Replica r(*db_, false);
    {
        auto tx = db_->begin(store::Database::Access::write);
        tx->execute("DROP TABLE task_marks");
        tx->commit();
    }
    auto result = r.deliver(message(event_type::kTaskCreated, make_task({at(now() + 1h)}), now()));
    EXPECT_EQ(result.outcome, pubsub::Outcome::retry);
    EXPECT_NE(result.reason.find("store"), std::string::npos) << result.reason;
    EXPECT_EQ(count("SELECT count(*) FROM processed_events"), 0);  // rolled back: the retry will apply it
}

// --- routes -----------------------------------------------------------------------------------------------------

class NotificationRoutesTest : public NotificationServiceTest {
  protected:
    NotificationRoutesTest() : replica_(*db_, false, 60s, fire_clock_) {
        replica_.service.register_routes(router_, jwt_);
    }

    // Fires `n` reminders for `user` through the catch-up sweep; returns the task ids, oldest first.
    std::vector<std::string> fire(std::string user, int n) {
        std::vector<std::string> ids;
        const Timestamp set_at = now() - 1min;
        for (int i = 0; i < n; ++i) {
            Task t = make_task({at(set_at + std::chrono::seconds(i + 1))}, std::nullopt, user);
            t.fields.title = "task " + std::to_string(i);
            EXPECT_EQ(replica_.deliver(message(event_type::kTaskCreated, t, set_at)).outcome, pubsub::Outcome::success);
            fire_clock_.advance(1s);  // distinct fired_at, so "newest first" has one answer
            EXPECT_EQ(replica_.service.sweep(), 1u);
            ids.push_back(t.id);
        }
        return ids;
    }

    http::Response call(http::Method method,
                        std::string path,
                        std::vector<std::pair<std::string, std::string>> query = {},
                        std::optional<std::string> as = std::string(kUser)) {
        http::Request req;
        req.method = method;
        req.path = std::move(path);
        req.target = req.path;
        req.query = std::move(query);
        if (as) req.headers.emplace_back("authorization", "Bearer " + jwt_.issue(*as, 5min));
        return router_.dispatch(req);
    }
    http::Response list(std::vector<std::pair<std::string, std::string>> query = {}) {
        return call(http::Method::get, "/api/user-a/notifications", std::move(query));
    }
    static json::object body(const http::Response& r) { return json::parse(r.body).as_object(); }
    static std::string header(const http::Response& r, std::string_view name) {
        for (const auto& [k, v] : r.headers)
            if (k == name) return v;
        return {};
    }
    // A list answer as {"items": its array, "next_cursor": its X-Next-Cursor or null}.
    static json::object page_of(const http::Response& r) {
        const auto cursor = header(r, "X-Next-Cursor");
        EXPECT_EQ(cursor.empty(), header(r, "Link").empty());
        json::value next = nullptr;
        if (!cursor.empty()) next = json::string(cursor);
        return json::object{{"items", json::parse(r.body)}, {"next_cursor", std::move(next)}};
    }
    static std::vector<std::string> task_ids(const http::Response& r) {
        std::vector<std::string> out;
        const json::object b = page_of(r);
        for (const auto& item : b.at("items").as_array()) out.emplace_back(item.as_object().at("task_id").as_string());
        return out;
    }

    ManualClock fire_clock_{now()};
    Replica replica_;
    http::Router router_;
};

TEST_F(NotificationRoutesTest, ListsTheUsersNotificationsNewestFirst) {
    auto ids = fire("user-a", 3);
    fire("user-b", 1);
    auto r = list();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(task_ids(r), (std::vector<std::string>{ids[2], ids[1], ids[0]}));
    auto b = page_of(r);
    EXPECT_TRUE(b.at("next_cursor").is_null());
    const auto& item = b.at("items").as_array()[0].as_object();
    EXPECT_EQ(item.size(), 6u);
    EXPECT_EQ(item.at("title").as_string(), "task 2");
    EXPECT_FALSE(item.at("read").as_bool());
    EXPECT_TRUE(parse_rfc3339(item.at("remind_at").as_string()));
    EXPECT_TRUE(parse_rfc3339(item.at("fired_at").as_string()));
    EXPECT_TRUE(is_uuid(item.at("id").as_string()));
}

TEST_F(NotificationRoutesTest, CursorWalksEveryPageOnce) {
    auto ids = fire("user-a", 5);
    std::vector<std::string> seen;
    std::vector<std::pair<std::string, std::string>> query{{"limit", "2"}};
    for (int page = 0; page < 5; ++page) {
        auto r = list(query);
        ASSERT_EQ(r.status, 200) << r.body;
        for (auto& id : task_ids(r)) seen.push_back(id);
        auto next = page_of(r).at("next_cursor");
        if (!next.is_null()) {
            EXPECT_EQ(header(r, "Link"), "</api/user-a/notifications?cursor=" + std::string(next.as_string()) +
                                             ">; rel=\"next\"");
        }
        if (next.is_null()) break;
        query = {{"limit", "2"}, {"cursor", std::string(next.as_string())}};
    }
    EXPECT_EQ(seen, (std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
}

TEST_F(NotificationRoutesTest, MarkReadAndFilterUnread) {
    auto ids = fire("user-a", 2);
    auto all = page_of(list());
    const std::string first_id(all.at("items").as_array()[1].as_object().at("id").as_string());  // ids[0]'s

    auto r = call(http::Method::post, "/api/user-a/notifications/" + first_id + "/read");
    ASSERT_EQ(r.status, 200) << r.body;
    auto marked = body(r);
    EXPECT_TRUE(marked.at("read").as_bool());
    EXPECT_EQ(marked.at("id").as_string(), first_id);
    EXPECT_EQ(marked.at("task_id").as_string(), ids[0]);
    EXPECT_EQ(call(http::Method::post, "/api/user-a/notifications/" + first_id + "/read").status, 200);  // idempotent

    EXPECT_EQ(task_ids(list({{"unread", "true"}})), (std::vector<std::string>{ids[1]}));
    EXPECT_EQ(task_ids(list({{"unread", "false"}})), (std::vector<std::string>{ids[1], ids[0]}));
}

// What the hackathon's front ends call: PATCH …/{id}/read, PATCH …/read-all ({count}), DELETE …/{id} ({success}),
// `unread_only`, and the /api/notifications aliases for the token's user.
TEST_F(NotificationRoutesTest, FrontEndRoutesMarkAndDelete) {
    auto ids = fire("user-a", 3);
    fire("user-b", 1);
    auto all = page_of(list());
    const auto id_of = [&](std::size_t i) { return std::string(all.at("items").as_array()[i].at("id").as_string()); };

    auto r = call(http::Method::patch, "/api/notifications/" + id_of(2) + "/read");  // ids[0]'s, token's user
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(body(r).at("read").as_bool());
    EXPECT_EQ(task_ids(list({{"unread_only", "true"}})), (std::vector<std::string>{ids[2], ids[1]}));

    r = call(http::Method::patch, "/api/user-a/notifications/read-all");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body(r).at("count").as_int64(), 2);
    EXPECT_EQ(task_ids(list({{"unread", "true"}})), std::vector<std::string>{});
    EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE user_id = 'user-b' AND is_read = 0"), 1);

    r = call(http::Method::del, "/api/user-a/notifications/" + id_of(0));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body(r).at("success"), true);
    EXPECT_EQ(task_ids(list()), (std::vector<std::string>{ids[1], ids[0]}));
    EXPECT_EQ(call(http::Method::del, "/api/user-a/notifications/" + id_of(0)).status, 404);
    EXPECT_EQ(call(http::Method::del, "/api/user-a/notifications/" + id_of(1), {}, "user-b").status, 403);
    EXPECT_EQ(call(http::Method::get, "/api/notifications", {}, std::nullopt).status, 401);
}

TEST_F(NotificationRoutesTest, AnotherUsersNotificationIsNotFound) {
    fire("user-b", 1);
    auto tx = db_->begin(store::Database::Access::read);
    const std::string b_id = tx->query("SELECT id FROM notifications WHERE user_id = 'user-b'").at(0).text(0);
    tx.reset();
    auto r = call(http::Method::post, "/api/user-a/notifications/" + b_id + "/read");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(call(http::Method::post, "/api/user-a/notifications/nope/read").status, 404);
    EXPECT_EQ(count("SELECT count(*) FROM notifications WHERE is_read = 1"), 0);
}

TEST_F(NotificationRoutesTest, AuthIsChecked) {
    EXPECT_EQ(call(http::Method::get, "/api/user-a/notifications", {}, std::nullopt).status, 401);
    EXPECT_EQ(call(http::Method::get, "/api/user-a/notifications", {}, "user-b").status, 403);
    EXPECT_EQ(call(http::Method::post, "/api/user-a/notifications/x/read", {}, "user-b").status, 403);
    EXPECT_EQ(call(http::Method::post, "/api/user-a/notifications/x/read", {}, std::nullopt).status, 401);
}

TEST_F(NotificationRoutesTest, BadParametersAre422) {
    for (std::string limit : {"0", "201", "-1", "ten", "5x", ""})
        EXPECT_EQ(list({{"limit", limit}}).status, 422) << limit;
    EXPECT_EQ(list({{"limit", "1"}}).status, 200);
    EXPECT_EQ(list({{"limit", "200"}}).status, 200);
    EXPECT_EQ(list({{"unread", "yes"}}).status, 422);
    for (std::string cursor : {"zz", "abc", "00", "6161"}) EXPECT_EQ(list({{"cursor", cursor}}).status, 422) << cursor;
    auto r = list({{"limit", "0"}, {"unread", "maybe"}});
    EXPECT_EQ(r.content_type, "application/problem+json");
    EXPECT_EQ(body(r).at("errors").as_array().size(), 2u);
}

}  // namespace
}  // namespace todoai::notification

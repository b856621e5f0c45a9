// The statements notification runs per event, on both stores, with enough rows that a planner would rather scan
// than sort if no index fitted (the O(N)-per-event plan that made a year of reminders drain at ~300 events/s).
#include "services/notification/reminder_repository.hpp"

#include <gtest/gtest.h>

#include "core/time.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/notification/migrations.hpp"
#include "support/postgres_schema.hpp"
#include "support/query_plan.hpp"
#include "support/recording_database.hpp"
#include "support/temp_dir.hpp"

namespace todoai::notification {
namespace {

// 4 000 scheduled reminders over 1 000 tasks, then the planner's statistics.
void fill(store::Database& db) {
    auto tx = db.begin(store::Database::Access::write);
    for (int i = 0; i < 4000; ++i) {
        const auto task = "task-" + std::to_string(i % 1000);
        const auto at = "2030-01-01T00:00:" + std::to_string(10 + i % 50) + ".000Z";
        tx->execute(
            "INSERT INTO reminders (id, task_id, user_id, title, remind_at, state, created_at) "
            "VALUES ($1, $2, 'u', 't', $3, 'scheduled', $3)",
            {"r-" + std::to_string(i), task, at});
    }
    tx->execute("ANALYZE");
    tx->commit();
}

void expect_task_index(store::Database& db) {
    fill(db);
    auto tx = db.begin(store::Database::Access::read);
    const store::Value task{std::string("task-7")};
    const auto plan = testing::query_plan(*tx, db.dialect(), repo::kScheduledForTaskSql, std::span(&task, 1));
    EXPECT_NE(plan.find("reminders_by_task_state_time"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("reminders_by_state_time"), std::string::npos) << plan;  // every scheduled reminder
}

TEST(ReminderRepositoryPlan, ScheduledForTaskUsesTheTaskIndexOnSqlite) {
    testing::TempDir dir;
    auto db = store::open_sqlite({.file = dir.path() / "notification.db"});
    db->migrate(migrations());
    expect_task_index(*db);
}

TEST(ReminderRepositoryPlan, ScheduledForTaskUsesTheTaskIndexOnPostgres) {
    testing::PostgresSchema schema("plan");
    auto db = schema.open();
    db->migrate(migrations());
    expect_task_index(*db);
}

// The due scan (the scheduler's next reminders, after a restart and then window by window), the fire of one
// reminder, a user's notification list and the rest of a task event's statements (marks, cancel, schedule, refresh):
// each on a key or a range of an index in the order asked for.
void expect_due_scan_and_lists_use_indexes(store::Database& db) {
    fill(db);
    {
        auto tx = db.begin(store::Database::Access::write);
        for (int i = 0; i < 3000; ++i) {
            tx->execute(
                "INSERT INTO notifications (id, user_id, task_id, title, remind_at, fired_at) VALUES ($1, $2, $3, 't', "
                "'2030-01-01T00:00:00.000Z', $4)",
                {"n-" + std::to_string(i), i % 5 < 2 ? std::string("heavy") : "u-" + std::to_string(i % 30),
                 "task-" + std::to_string(i % 1000), "2030-01-01T00:00:" + std::to_string(10 + i % 50) + ".000Z"});
            repo::put_task_mark(*tx, "task-" + std::to_string(i), {.version = 1, .deleted = false});
        }
        tx->execute("ANALYZE");
        tx->commit();
    }
    testing::RecordingDatabase recording(db);
    const auto at = [](const char* text) { return parse_rfc3339(text).value(); };
    {
        auto tx = recording.begin(store::Database::Access::write);
        repo::scheduled_between(*tx, std::nullopt, at("2030-01-01T00:00:30Z"), 100);
        repo::scheduled_between(*tx, at("2030-01-01T00:00:30Z"), at("2030-01-01T00:00:40Z"), 100);
        repo::claim_fire(*tx, "r-12", at("2030-01-01T00:00:40Z"));
        repo::list_notifications(*tx, "heavy", false, std::nullopt, 50);
        repo::list_notifications(*tx, "heavy", true, std::nullopt, 50);
        repo::list_notifications(*tx, "heavy", false, NotificationCursor{"2030-01-01T00:00:30.000Z", "n-99"}, 50);
        repo::mark_all_read(*tx, "u-3");
        // Per task event: the marks, cancelling and (re)scheduling, keeping titles current.
        const std::string tasks[] = {"task-3", "task-4"};
        repo::task_marks(*tx, tasks);
        repo::put_task_mark(*tx, "task-3", {.version = 2, .deleted = false});
        repo::cancel(*tx, "r-40");
        repo::schedule(
            *tx,
            {.id = "r-new", .task_id = "task-3", .user_id = "u", .title = "t", .remind_at = at("2030-01-02T00:00:00Z")},
            at("2030-01-01T00:00:00Z"));
        repo::refresh_scheduled(*tx, "task-3", "new title", std::nullopt);
        repo::scheduled_tasks(*tx, {"r-1", "r-2"});
    }
    auto tx = db.begin(store::Database::Access::read);
    const auto statements = recording.take();
    ASSERT_GE(statements.size(), 13u);
    for (const auto& s : statements) {
        SCOPED_TRACE(s.sql);
        const auto plan = testing::query_plan(*tx, db.dialect(), s.sql, s.params);
        EXPECT_FALSE(testing::reads_whole_table(plan, "reminders")) << plan;
        EXPECT_FALSE(testing::reads_whole_table(plan, "notifications")) << plan;
        EXPECT_FALSE(testing::reads_whole_table(plan, "task_marks")) << plan;
        EXPECT_FALSE(testing::sorts(plan)) << plan;
        if (s.sql.find("remind_at <=") != std::string::npos) {
            EXPECT_NE(plan.find("reminders_by_state_time"), std::string::npos) << plan;
        }
        if (s.sql.find("FROM notifications") != std::string::npos) {
            EXPECT_NE(plan.find("notifications_"), std::string::npos) << plan;
        }
    }
}

TEST(ReminderRepositoryPlan, DueScanFireAndListsUseIndexesOnSqlite) {
    testing::TempDir dir;
    auto db = store::open_sqlite({.file = dir.path() / "notification.db"});
    db->migrate(migrations());
    expect_due_scan_and_lists_use_indexes(*db);
}

TEST(ReminderRepositoryPlan, DueScanFireAndListsUseIndexesOnPostgres) {
    testing::PostgresSchema schema("plan");
    auto db = schema.open();
    db->migrate(migrations());
    expect_due_scan_and_lists_use_indexes(*db);
}

}  // namespace
}  // namespace todoai::notification

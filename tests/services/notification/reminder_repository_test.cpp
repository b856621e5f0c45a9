// The statements notification runs per event, on both stores, with enough rows that a planner would rather scan
// than sort if no index fitted (the O(N)-per-event plan that made a year of reminders drain at ~300 events/s).
#include "services/notification/reminder_repository.hpp"

#include <gtest/gtest.h>

#include "runtime/store/sqlite_database.hpp"
#include "services/notification/migrations.hpp"
#include "support/postgres_schema.hpp"
#include "support/query_plan.hpp"
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

}  // namespace
}  // namespace todoai::notification

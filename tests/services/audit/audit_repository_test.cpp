// The plans of the audit list (GET /api/{user}/audit) on both stores, in each shape a request gives it: the user's
// newest items, one task's, one event type's, a time window, from a cursor. Each is a range of an index read in seq
// order for a typical user (one of 400 besides a heavy one), never a scan of the log nor a walk of everyone's items
// newest first.
#include "services/audit/audit_repository.hpp"

#include <gtest/gtest.h>

#include "runtime/store/sqlite_database.hpp"
#include "support/postgres_schema.hpp"
#include "support/query_plan.hpp"
#include "support/recording_database.hpp"
#include "support/temp_dir.hpp"

namespace todoai::audit {
namespace {

using Access = store::Database::Access;

struct SqliteStore {
    todoai::testing::TempDir dir;
    std::unique_ptr<store::Database> open() { return store::open_sqlite({.file = dir.path() / "audit.db"}); }
};

struct PostgresStore {
    todoai::testing::PostgresSchema schema{"audit_plan"};
    std::unique_ptr<store::Database> open() { return schema.open(); }
};

template <class Store>
class AuditPlanTest : public ::testing::Test {
  protected:
    AuditPlanTest() : db_(store_.open()), recording_(*db_) {
        db_->migrate(audit_migrations());
        std::vector<AuditRecord> records;
        for (int i = 0; i < 6000; ++i) {
            records.push_back({.event_id = "e" + std::to_string(i),
                               .event_type = i % 3 == 0 ? "com.todoai.task.created" : "com.todoai.task.updated",
                               .task_id = "t" + std::to_string(i % 900),
                               .user_id = i % 5 < 2 ? "heavy" : "user-" + std::to_string(i % 400),
                               .correlation_id = "c",
                               .timestamp = "2026-02-08T10:00:00.000Z",
                               .source = "todo-service",
                               .item = "{}"});
        }
        std::vector<const AuditRecord*> pointers;
        for (const auto& r : records) pointers.push_back(&r);
        auto tx = db_->begin(Access::write);
        insert_records(*tx, pointers, "2026-02-08T10:00:00.000Z");
        tx->execute("ANALYZE");
        tx->commit();
    }

    std::string plan_of_list(const AuditQuery& q) {
        {
            auto tx = recording_.begin(Access::read);
            list_records(*tx, "user-7", q);
        }
        const auto statements = recording_.take();
        EXPECT_EQ(statements.size(), 1u);
        auto tx = db_->begin(Access::read);
        return todoai::testing::query_plan(*tx, db_->dialect(), statements.at(0).sql, statements.at(0).params);
    }

    Store store_;
    std::unique_ptr<store::Database> db_;
    todoai::testing::RecordingDatabase recording_;
};

using Stores = ::testing::Types<SqliteStore, PostgresStore>;
TYPED_TEST_SUITE(AuditPlanTest, Stores);

TYPED_TEST(AuditPlanTest, EveryListShapeIsARangeOfAUserIndex) {
    std::vector<std::pair<std::string, AuditQuery>> shapes{{"newest", {}}};
    shapes.push_back({"one task", {.task_id = "t7"}});
    shapes.push_back({"from a cursor", {.before_seq = 3000}});
    shapes.push_back({"one task from a cursor", {.task_id = "t7", .before_seq = 3000}});
    shapes.push_back({"event type", {.event_type = "com.todoai.task.created"}});
    shapes.push_back({"time window", {.from = "2026-02-01T00:00:00.000Z", .to = "2026-02-09T00:00:00.000Z"}});
    for (const auto& [name, q] : shapes) {
        SCOPED_TRACE(name);
        const auto plan = this->plan_of_list(q);
        EXPECT_NE(plan.find(q.task_id ? "audit_log_by_user_task" : "audit_log_by_user"), std::string::npos) << plan;
        EXPECT_FALSE(todoai::testing::reads_whole_table(plan, "audit_log")) << plan;
        EXPECT_EQ(plan.find("audit_log_pkey"), std::string::npos) << plan;  // not every user's items newest first
        // SQLite reads the index in seq order; PostgreSQL may sort the user's few rows its index gave.
        if (this->db_->dialect() == store::Dialect::sqlite && !q.task_id && !q.event_type && !q.from) {
            EXPECT_FALSE(todoai::testing::sorts(plan)) << plan;
        }
    }
}

}  // namespace
}  // namespace todoai::audit

// Every service's PostgreSQL migrations, run for real: each schema (as seed 000 names them) migrated twice on the
// test server, so SQL that only SQLite accepts, or a migration that is not idempotent, fails here and not in a
// deployment.
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "runtime/pubsub/dead_letter_store.hpp"
#include "runtime/store/postgres_database.hpp"
#include "services/audit/audit_service.hpp"
#include "services/notification/notification_service.hpp"
#include "services/recurring/recurring_service.hpp"
#include "services/todo/migrations.hpp"
#include "services/websocket/websocket_service.hpp"
#include "support/postgres_schema.hpp"

namespace todoai {
namespace {

using Access = store::Database::Access;

struct ServiceStore {
    const char* schema_prefix;  // the service's schema name; the test appends a unique suffix
    std::span<const store::Migration> migrations;
    std::vector<std::string> tables;  // a few each service's code queries
};

std::vector<ServiceStore> service_stores() {
    return {
        {"todo_service", todo::migrations(), {"users", "tasks", "idempotency_keys", "outbox"}},
        {"audit_service", audit::AuditService::migrations(), {"audit_log", "processed_events"}},
        {"websocket_service", websocket::WebSocketService::migrations(), {"recent_events"}},
        {"notification_service",
         notification::NotificationService::migrations(),
         {"reminders", "task_marks", "notifications", "outbox", "processed_events"}},
        {"recurring_service", recurring::RecurringService::migrations(), {"processed_events", "spawned_instances"}},
        {"bus_dead_letters", pubsub::DeadLetterStore::migrations(), {"dead_letters", "dead_letter_topics"}},
    };
}

std::vector<std::int64_t> applied_versions(store::Database& db) {
    auto tx = db.begin(Access::read);
    std::vector<std::int64_t> out;
    for (const auto& row : tx->query("SELECT version FROM schema_migrations ORDER BY version")) {
        out.push_back(row.int64(0));
    }
    return out;
}

TEST(PostgresMigrationsTest, EveryServiceSchemaMigratesTwice) {
    for (const auto& service : service_stores()) {
        SCOPED_TRACE(service.schema_prefix);
        testing::PostgresSchema schema{service.schema_prefix};
        auto db = schema.open();
        std::vector<std::int64_t> expected;
        for (const auto& m : service.migrations) expected.push_back(m.version);
        std::sort(expected.begin(), expected.end());

        ASSERT_NO_THROW(db->migrate(service.migrations));
        ASSERT_NO_THROW(db->migrate(service.migrations));             // idempotent, from the same handle
        ASSERT_NO_THROW(schema.open()->migrate(service.migrations));  // and from another process's handle
        EXPECT_EQ(applied_versions(*db), expected);

        auto tx = db->begin(Access::read);
        for (const auto& table : service.tables) {
            EXPECT_EQ(tx->query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND "
                                "table_name = $2",
                                {schema.name(), table})[0]
                          .int64(0),
                      1)
                << table << " in " << schema.name();
            EXPECT_EQ(tx->query("SELECT COUNT(*) FROM " + table)[0].int64(0), 0) << table;
        }
    }
}

}  // namespace
}  // namespace todoai

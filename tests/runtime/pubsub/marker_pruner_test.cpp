#include "runtime/pubsub/marker_pruner.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/time.hpp"
#include "runtime/pubsub/processed_events.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "support/postgres_schema.hpp"
#include "support/temp_dir.hpp"

namespace todoai::pubsub {
namespace {

using namespace std::chrono_literals;

const store::Migration kMigrations[] = {
    {1, "processed events", kProcessedEventsSql, kProcessedEventsSql},
    {2, "by time", kProcessedEventsByTimeSql, kProcessedEventsByTimeSql},
};

// Markers claimed at `when` for events e<first>..e<first + count - 1>.
void claim_at(store::Database& db, Timestamp when, int first, int count) {
    auto tx = db.begin(store::Database::Access::write);
    for (int i = first; i < first + count; ++i)
        ASSERT_TRUE(claim_event(*tx, "e" + std::to_string(i), "audit-service", format_rfc3339(when)));
    tx->commit();
}

std::set<std::string> markers(store::Database& db) {
    auto tx = db.begin(store::Database::Access::read);
    std::set<std::string> keys;
    for (const auto& row : tx->query("SELECT key FROM processed_events")) keys.insert(row.text(0));
    return keys;
}

void expect_prunes_only_what_is_older_than_the_retention(store::Database& db) {
    db.migrate(kMigrations);
    const auto now = *parse_rfc3339("2026-03-01T12:00:00Z");
    ManualClock clock(now);
    claim_at(db, now - 31 * 24h, 0, 5);       // past a 30-day retention
    claim_at(db, now - 30 * 24h + 1s, 5, 2);  // just inside it
    claim_at(db, now - 1h, 7, 1);

    // Two rows per transaction: the five old markers take three, and the pruner goes on until none is left.
    MarkerPruner pruner(db, clock, {.retention = 30 * 24h, .rows_per_transaction = 2});
    EXPECT_EQ(pruner.prune_once(), 5);
    EXPECT_EQ(markers(db), (std::set<std::string>{"processed-e5-audit-service", "processed-e6-audit-service",
                                                  "processed-e7-audit-service"}));
    EXPECT_EQ(pruner.prune_once(), 0);

    // What was pruned could be claimed again; what is kept still refuses a repeat.
    auto tx = db.begin(store::Database::Access::write);
    EXPECT_TRUE(claim_event(*tx, "e0", "audit-service", format_rfc3339(now)));
    EXPECT_FALSE(claim_event(*tx, "e7", "audit-service", format_rfc3339(now)));
}

TEST(MarkerPrunerTest, SqliteDeletesOnlyMarkersOlderThanTheRetentionInBoundedTransactions) {
    todoai::testing::TempDir dir;
    auto db = store::open_sqlite({.file = dir.path() / "audit.db"});
    expect_prunes_only_what_is_older_than_the_retention(*db);
}

TEST(MarkerPrunerTest, PostgresDeletesOnlyMarkersOlderThanTheRetentionInBoundedTransactions) {
    todoai::testing::PostgresSchema schema{"markers"};
    auto db = schema.open();
    expect_prunes_only_what_is_older_than_the_retention(*db);
}

TEST(MarkerPrunerTest, StopsPromptlyWhileWaitingForItsInterval) {
    todoai::testing::TempDir dir;
    auto db = store::open_sqlite({.file = dir.path() / "audit.db"});
    db->migrate(kMigrations);
    ManualClock clock(*parse_rfc3339("2026-03-01T12:00:00Z"));
    MarkerPruner pruner(*db, clock, {.interval = std::chrono::minutes(60)});
    pruner.start();
    const auto start = std::chrono::steady_clock::now();
    pruner.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "stop() wakes the waiting thread";
}

}  // namespace
}  // namespace todoai::pubsub

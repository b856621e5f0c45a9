#include "runtime/pubsub/processed_events.hpp"

#include <gtest/gtest.h>

#include "runtime/store/sqlite_database.hpp"
#include "support/postgres_schema.hpp"
#include "support/temp_dir.hpp"

namespace todoai::pubsub {
namespace {

class ProcessedEventsTest : public ::testing::Test {
  protected:
    ProcessedEventsTest() : db_(store::open_sqlite({.file = dir_.path() / "audit.db"})) {
        const store::Migration migrations[] = {{1, "processed events", kProcessedEventsSql, kProcessedEventsSql}};
        db_->migrate(migrations);
    }

    bool claim(std::string_view event_id, std::string_view service, bool commit = true) {
        auto tx = db_->begin(store::Database::Access::write);
        const bool claimed = claim_event(*tx, event_id, service, "2026-02-08T10:00:00.000Z");
        if (commit) tx->commit();
        return claimed;
    }

    todoai::testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
};

TEST_F(ProcessedEventsTest, SecondClaimOfTheSameEventIsRefused) {
    EXPECT_TRUE(claim("e1", "audit-service"));
    EXPECT_FALSE(claim("e1", "audit-service"));
    EXPECT_TRUE(claim("e1", "recurring-service"));  // each service keeps its own marker
    EXPECT_TRUE(claim("e2", "audit-service"));
}

TEST_F(ProcessedEventsTest, UsesSeedKeyFormat) {
    ASSERT_TRUE(claim("e1", "audit-service"));
    auto tx = db_->begin(store::Database::Access::read);
    const auto rows = tx->query("SELECT key, processed_at FROM processed_events");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].text(0), "processed-e1-audit-service");
    EXPECT_EQ(rows[0].text(1), "2026-02-08T10:00:00.000Z");
}

TEST_F(ProcessedEventsTest, RolledBackClaimLeavesNoMarker) {
    EXPECT_TRUE(claim("e1", "audit-service", /*commit=*/false));
    EXPECT_TRUE(claim("e1", "audit-service"));
    EXPECT_FALSE(claim("e1", "audit-service"));
}

}  // namespace
}  // namespace todoai::pubsub

namespace todoai::pubsub {
namespace {

// claim_events on both drivers: the same answers as one claim_event per id, across every statement size it uses.
void check_batch_claims(store::Database& db) {
    const store::Migration migrations[] = {{1, "processed events", kProcessedEventsSql, kProcessedEventsSql}};
    db.migrate(migrations);
    {
        auto tx = db.begin(store::Database::Access::write);
        ASSERT_TRUE(claim_event(*tx, "e3", "audit-service", "2026-02-08T10:00:00.000Z"));
        tx->commit();
    }
    std::vector<std::string> ids;
    for (int i = 0; i < 87; ++i) ids.push_back("e" + std::to_string(i));  // 64 + 16 + 4 + 1 + 1 + 1 rows
    ids.push_back("e5");                                                  // a repeat within the batch
    auto tx = db.begin(store::Database::Access::write);
    const auto claimed = claim_events(*tx, ids, "audit-service", "2026-02-08T10:00:01.000Z");
    ASSERT_EQ(claimed.size(), ids.size());
    for (std::size_t i = 0; i < 87; ++i) EXPECT_EQ(claimed[i], i != 3) << ids[i];
    EXPECT_FALSE(claimed.back()) << "the repeat of e5 was recorded twice";
    EXPECT_TRUE(claim_events(*tx, std::vector<std::string>{"e1"}, "websocket-service", "t").at(0))
        << "markers are per service";
    tx->commit();
    auto again = db.begin(store::Database::Access::write);
    for (bool c : claim_events(*again, ids, "audit-service", "2026-02-08T10:00:02.000Z")) EXPECT_FALSE(c);
}

TEST(ClaimEvents, SqliteAnswersAsOneClaimPerEvent) {
    todoai::testing::TempDir dir;
    auto db = store::open_sqlite({.file = dir.path() / "audit.db"});
    check_batch_claims(*db);
}

TEST(ClaimEvents, PostgresAnswersAsOneClaimPerEvent) {
    todoai::testing::PostgresSchema schema("claims");
    auto db = schema.open();
    check_batch_claims(*db);
}

}  // namespace
}  // namespace todoai::pubsub

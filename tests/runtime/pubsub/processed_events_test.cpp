#include "runtime/pubsub/processed_events.hpp"

#include <gtest/gtest.h>

#include "runtime/store/sqlite_database.hpp"
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

// The plans of the statements delivery runs per event, on both stores: the outbox relay's fetch and delete (every
// service that produces), and the processed markers' claim and prune (every consumer). Each is read from the
// statements the real code ran (support/recording_database.hpp) over a table large enough that a planner without a
// fitting index would scan.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/time.hpp"
#include "runtime/pubsub/outbox.hpp"
#include "runtime/pubsub/processed_events.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "support/postgres_schema.hpp"
#include "support/query_plan.hpp"
#include "support/recording_database.hpp"
#include "support/temp_dir.hpp"

namespace todoai::pubsub {
namespace {

using Access = store::Database::Access;

struct SqliteStore {
    todoai::testing::TempDir dir;
    std::unique_ptr<store::Database> open() { return store::open_sqlite({.file = dir.path() / "delivery.db"}); }
};

struct PostgresStore {
    todoai::testing::PostgresSchema schema{"delivery_plan"};
    std::unique_ptr<store::Database> open() { return schema.open(); }
};

class AcceptingBus final : public Bus {
  public:
    void subscribe(std::string_view, std::string_view, Handler) override {}
    void subscribe_batch(std::string_view, std::string_view, BatchHandler) override {}
    void publish(std::span<const Message>) override {}
    void start() override {}
    void stop() override {}
    bool ready() override { return true; }
};

template <class Store>
class DeliveryPlanTest : public ::testing::Test {
  protected:
    DeliveryPlanTest() : db_(store_.open()), recording_(*db_) {
        const store::Migration migrations[] = {
            {1, "outbox", kOutboxSqlite, kOutboxPostgres},
            {2, "markers", kProcessedEventsSql, kProcessedEventsSql},
            {3, "markers by time", kProcessedEventsByTimeSql, kProcessedEventsByTimeSql},
        };
        db_->migrate(migrations);
    }

    void fill_outbox(int n) {
        auto tx = db_->begin(Access::write);
        for (int i = 0; i < n; ++i) {
            CloudEvent e;
            e.id = "e" + std::to_string(i);
            e.source = "todo-service";
            e.type = "com.todoai.task.created";
            e.time = clock_.now();
            Outbox::append(*tx, e, "task-events", "user-" + std::to_string(i % 50));
        }
        tx->commit();
    }

    void analyze() {
        auto tx = db_->begin(Access::write);
        tx->execute("ANALYZE");
        tx->commit();
    }

    // The plan of each statement recorded since the last call that names `table`, SQL text first.
    std::vector<std::pair<std::string, std::string>> plans(std::string_view table) {
        std::vector<std::pair<std::string, std::string>> out;
        auto tx = db_->begin(Access::read);
        for (const auto& s : recording_.take()) {
            if (s.sql.find(table) == std::string::npos) continue;
            out.emplace_back(s.sql, todoai::testing::query_plan(*tx, db_->dialect(), s.sql, s.params));
        }
        return out;
    }

    bool sqlite() const { return db_->dialect() == store::Dialect::sqlite; }

    Store store_;
    std::unique_ptr<store::Database> db_;
    todoai::testing::RecordingDatabase recording_;
    AcceptingBus bus_;
    ManualClock clock_{*parse_rfc3339("2026-02-08T10:00:00Z")};
};

using Stores = ::testing::Types<SqliteStore, PostgresStore>;
TYPED_TEST_SUITE(DeliveryPlanTest, Stores);

// The relay reads the oldest rows in seq order and deletes what it sent, by key: both on the primary key, so a
// backlog of any size costs the same per batch.
TYPED_TEST(DeliveryPlanTest, TheRelayFetchesAndDeletesByThePrimaryKey) {
    this->fill_outbox(3000);
    OutboxRelay relay(this->recording_, this->bus_, this->clock_, RelayOptions{.batch_size = 100});
    ASSERT_EQ(relay.drain_once(), 3000u);
    this->fill_outbox(3000);  // the plans are read over a full table, as the relay met it
    this->analyze();
    const auto plans = this->plans("outbox");
    ASSERT_GE(plans.size(), 2u);
    bool fetched = false, deleted = false;
    for (const auto& [sql, plan] : plans) {
        SCOPED_TRACE(sql);
        EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("Sort"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
        if (sql.starts_with("SELECT")) {
            fetched = true;
            if (this->sqlite()) {  // the table is its rowid B-tree, read in seq order up to the LIMIT
                EXPECT_EQ(plan, "SCAN outbox\n");
            } else {
                EXPECT_NE(plan.find("Index Scan using outbox_pkey"), std::string::npos) << plan;
            }
        } else if (sql.starts_with("DELETE")) {
            deleted = true;
            EXPECT_NE(plan.find(this->sqlite() ? "USING INTEGER PRIMARY KEY (rowid=?)" : "outbox_pkey"),
                      std::string::npos)
                << plan;
        }
    }
    EXPECT_TRUE(fetched);
    EXPECT_TRUE(deleted);
}

// A claim is an insert whose conflict check is the primary key; the pruner reads the oldest markers by time.
TYPED_TEST(DeliveryPlanTest, MarkerClaimsAndPrunesUseTheirIndexes) {
    {
        auto tx = this->db_->begin(Access::write);
        std::vector<std::string> ids;
        for (int i = 0; i < 4000; ++i) ids.push_back("e" + std::to_string(i));
        claim_events(*tx, ids, "audit", "2026-02-08T10:00:00.000Z");
        tx->commit();
    }
    this->analyze();
    {
        auto tx = this->recording_.begin(Access::write);
        const std::string ids[] = {"e1", "new"};
        claim_events(*tx, ids, "audit", "2026-02-08T10:00:01.000Z");
        claim_event(*tx, "e2", "audit", "2026-02-08T10:00:01.000Z");
        prune_processed_events(*tx, "2026-02-01T00:00:00.000Z", 500);
        tx->commit();
    }
    const auto plans = this->plans("processed_events");
    ASSERT_EQ(plans.size(), 3u);
    for (const auto& [sql, plan] : plans) {
        SCOPED_TRACE(sql);
        EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("SCAN processed_events\n"), std::string::npos) << plan;
        if (sql.starts_with("INSERT") && !this->sqlite()) {  // SQLite's plan of an INSERT names no index
            EXPECT_NE(plan.find("Conflict Arbiter Indexes: processed_events_pkey"), std::string::npos) << plan;
        }
        if (sql.starts_with("DELETE")) {
            EXPECT_NE(plan.find("processed_events_by_time"), std::string::npos) << plan;
            EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
        }
    }
}

}  // namespace
}  // namespace todoai::pubsub

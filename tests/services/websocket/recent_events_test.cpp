// The plans of the replay log's statements on both stores: the ?after= replay (find the event, then the user's next
// events), the push-marker insert and the prune that follows each batch. All run per event or per connection, so
// each is a range of an index over a log holding many users' events (one heavy user among them).
#include "services/websocket/recent_events.hpp"

#include <gtest/gtest.h>

#include "runtime/store/sqlite_database.hpp"
#include "support/postgres_schema.hpp"
#include "support/query_plan.hpp"
#include "support/recording_database.hpp"
#include "support/temp_dir.hpp"

namespace todoai::websocket {
namespace {

using Access = store::Database::Access;

struct SqliteStore {
    todoai::testing::TempDir dir;
    std::unique_ptr<store::Database> open() { return store::open_sqlite({.file = dir.path() / "websocket.db"}); }
};

struct PostgresStore {
    todoai::testing::PostgresSchema schema{"recent_plan"};
    std::unique_ptr<store::Database> open() { return schema.open(); }
};

template <class Store>
class RecentEventsPlanTest : public ::testing::Test {
  protected:
    RecentEventsPlanTest() : db_(store_.open()), recording_(*db_) {
        db_->migrate(websocket_migrations());
        std::vector<std::string> ids, users;
        for (int i = 0; i < 6000; ++i) {
            ids.push_back("e" + std::to_string(i));
            users.push_back(i % 5 < 2 ? "heavy" : "user-" + std::to_string(i % 40));
        }
        std::vector<RecentEvent> events;
        for (std::size_t i = 0; i < ids.size(); ++i) events.push_back({ids[i], users[i], "{}"});
        auto tx = db_->begin(Access::write);
        for (const char* replica : {"a", "b"}) insert_recent_events(*tx, replica, events, "2026-02-08T10:00:00.000Z");
        tx->execute("ANALYZE");
        tx->commit();
    }

    // The plan of each statement recorded since the last call.
    std::vector<std::pair<std::string, std::string>> plans() {
        std::vector<std::pair<std::string, std::string>> out;
        auto tx = db_->begin(Access::read);
        for (const auto& s : recording_.take())
            out.emplace_back(s.sql, todoai::testing::query_plan(*tx, db_->dialect(), s.sql, s.params));
        return out;
    }

    Store store_;
    std::unique_ptr<store::Database> db_;
    todoai::testing::RecordingDatabase recording_;
};

using Stores = ::testing::Types<SqliteStore, PostgresStore>;
TYPED_TEST_SUITE(RecentEventsPlanTest, Stores);

TYPED_TEST(RecentEventsPlanTest, ReplayInsertAndPruneAreRangesOfIndexes) {
    {
        auto tx = this->recording_.begin(Access::write);
        ASSERT_TRUE(recent_events_after(*tx, "a", "heavy", "e10", 100));
        const RecentEvent fresh[] = {{"e-new", "heavy", "{}"}};
        insert_recent_events(*tx, "a", fresh, "2026-02-08T10:00:01.000Z");
        prune_recent_events(*tx, "a", "heavy", "2026-02-01T00:00:00.000Z", 1000);
        tx->commit();
    }
    const auto plans = this->plans();
    ASSERT_EQ(plans.size(), 5u);
    for (const auto& [sql, plan] : plans) {
        SCOPED_TRACE(sql);
        EXPECT_FALSE(todoai::testing::reads_whole_table(plan, "recent_events")) << plan;
        EXPECT_FALSE(todoai::testing::sorts(plan)) << plan;
        if (sql.find("event_id = $2") != std::string::npos) {  // the ?after= event: (replica, event_id) is unique
            EXPECT_NE(plan.find(this->db_->dialect() == store::Dialect::sqlite ? "sqlite_autoindex_recent_events"
                                                                               : "recent_events_replica_event_id_key"),
                      std::string::npos)
                << plan;
        } else if (sql.find("received_at < $1") != std::string::npos) {
            EXPECT_NE(plan.find("recent_events_by_time"), std::string::npos) << plan;
        } else if (sql.starts_with("SELECT") || sql.starts_with("DELETE")) {
            EXPECT_NE(plan.find("recent_events_by_user"), std::string::npos) << plan;
        }
    }
}

}  // namespace
}  // namespace todoai::websocket

#include "runtime/store/sqlite_database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "runtime/store/database_contract.hpp"
#include "support/temp_dir.hpp"

namespace todoai::store {
namespace {

using namespace std::chrono_literals;
using Access = Database::Access;

struct SqliteEnv {
    todoai::testing::TempDir dir;
    std::unique_ptr<Database> open() { return open_sqlite({.file = dir.path() / "contract.db"}); }
};

}  // namespace

namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, DatabaseContract, ::testing::Types<SqliteEnv>);
}

namespace {

class SqliteDatabaseTest : public ::testing::Test {
  protected:
    std::unique_ptr<Database> open(std::size_t max_connections = 8, std::chrono::milliseconds busy = 5000ms) {
        return open_sqlite(
            {.file = dir_.path() / "data" / "test.db", .max_connections = max_connections, .busy_timeout = busy});
    }

    static StoreError::Kind kind_of(const std::function<void()>& f) {
        try {
            f();
        } catch (const StoreError& e) {
            return e.kind();
        }
        ADD_FAILURE() << "expected StoreError";
        return StoreError::Kind::other;
    }

    todoai::testing::TempDir dir_;
};

TEST_F(SqliteDatabaseTest, CreatesTheDirectoryAndSetsThePragmas) {
    auto db = open_sqlite({.file = dir_.path() / "a" / "b" / "todo.db"});
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "a" / "b" / "todo.db"));
    EXPECT_EQ(db->dialect(), Dialect::sqlite);
    auto tx = db->begin(Access::read);
    EXPECT_EQ(tx->query("PRAGMA journal_mode")[0].text(0), "wal");
    EXPECT_EQ(tx->query("PRAGMA foreign_keys")[0].int64(0), 1);
    EXPECT_EQ(tx->query("PRAGMA synchronous")[0].int64(0), 1);  // NORMAL
    EXPECT_EQ(tx->query("PRAGMA busy_timeout")[0].int64(0), 5000);
}

TEST_F(SqliteDatabaseTest, UnopenableFileFailsAtOpen) {
    std::filesystem::create_directories(dir_.path() / "is-a-dir.db");
    EXPECT_THROW(open_sqlite({.file = dir_.path() / "is-a-dir.db"}), StoreError);
}

TEST_F(SqliteDatabaseTest, SecondWriterPastBusyTimeoutIsUnavailable) {
    auto first = open(8, 50ms);
    auto second = open(8, 50ms);  // another handle on the file: as another process would be
    auto holder = first->begin(Access::write);
    EXPECT_EQ(kind_of([&] { second->begin(Access::write); }), StoreError::Kind::unavailable);
    // Readers are not blocked by the writer (WAL).
    EXPECT_EQ(second->begin(Access::read)->query("SELECT 1")[0].int64(0), 1);
    holder.reset();
    EXPECT_NO_THROW(second->begin(Access::write)->commit());
}

TEST_F(SqliteDatabaseTest, ExhaustedPoolIsUnavailableAfterBusyTimeout) {
    auto db = open(1, 50ms);
    auto holder = db->begin(Access::read);
    EXPECT_EQ(kind_of([&] { db->begin(Access::read); }), StoreError::Kind::unavailable);
    EXPECT_FALSE(db->ping());
    holder.reset();
    EXPECT_TRUE(db->ping());
}

TEST_F(SqliteDatabaseTest, BeginWaitsForAPooledConnection) {
    auto db = open(1);
    db->migrate(contract::kMigrations);
    auto holder = db->begin(Access::write);
    holder->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("first")});

    std::int64_t seen = -1;
    std::thread waiter([&] {
        // With one connection this can only run once `holder` gave it back, so it must see the commit.
        auto tx = db->begin(Access::read);
        seen = tx->query("SELECT COUNT(*) FROM items")[0].int64(0);
    });
    holder->commit();
    holder.reset();
    waiter.join();
    EXPECT_EQ(seen, 1);
}

TEST_F(SqliteDatabaseTest, ParameterMistakesAreReported) {
    auto db = open();
    auto tx = db->begin(Access::read);
    EXPECT_EQ(kind_of([&] { tx->query("SELECT $1", {std::int64_t{1}, std::int64_t{2}}); }), StoreError::Kind::other);
    EXPECT_EQ(kind_of([&] { tx->query("SELECT ?", {std::int64_t{1}}); }), StoreError::Kind::other);
    EXPECT_EQ(kind_of([&] { tx->query("SELECT :name", {std::int64_t{1}}); }), StoreError::Kind::other);
    EXPECT_EQ(kind_of([&] { tx->query("SELECT 1; SELECT 2"); }), StoreError::Kind::other);
    EXPECT_EQ(kind_of([&] { tx->query("   "); }), StoreError::Kind::other);
    // A gap ($2 unused) still needs $2 supplied, as PostgreSQL would.
    EXPECT_EQ(kind_of([&] {
                  tx->query("SELECT $1, $3", {std::int64_t{1}, std::int64_t{3}});
              }),
              StoreError::Kind::other);
    auto rows = tx->query("SELECT $1, $3", {std::int64_t{1}, nullptr, std::int64_t{3}});
    EXPECT_EQ(rows[0].int64(1), 3);
    // The connection is still usable after all of that.
    EXPECT_EQ(tx->query("SELECT $2 - $1", {std::int64_t{1}, std::int64_t{43}})[0].int64(0), 42);
}

TEST_F(SqliteDatabaseTest, ErrorsNameTheStatementAndTheCause) {
    auto db = open();
    auto tx = db->begin(Access::write);
    const std::string long_tail(200, 'z');
    try {
        tx->query("SELECT nope FROM nowhere WHERE " + long_tail);
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        const std::string what = e.what();
        EXPECT_EQ(e.kind(), StoreError::Kind::other);
        EXPECT_NE(what.find("no such table: nowhere"), std::string::npos) << what;
        EXPECT_NE(what.find("SELECT nope FROM nowhere"), std::string::npos) << what;
        EXPECT_EQ(what.find(long_tail), std::string::npos) << "the statement is cut short";
    }
}

TEST_F(SqliteDatabaseTest, TransactionSurvivesAFailedStatement) {
    auto db = open();
    db->migrate(contract::kMigrations);
    auto tx = db->begin(Access::write);
    tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("a")});
    EXPECT_THROW(tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("b")}),
                 StoreError);
    tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{2}, std::string("b")});
    tx->commit();
    EXPECT_EQ(contract::count_items(*db), 2);
}

TEST_F(SqliteDatabaseTest, BlobsAndEmbeddedNulsComeBackAsText) {
    auto db = open();
    auto tx = db->begin(Access::read);
    EXPECT_EQ(tx->query("SELECT x'00ff41'")[0].text(0), std::string("\0\xff"
                                                                    "A",
                                                                    3));
    EXPECT_EQ(tx->query("SELECT x''")[0].text(0), "");
    const std::string with_nul("a\0b", 3);
    EXPECT_EQ(tx->query("SELECT $1", {with_nul})[0].text(0), with_nul);
    EXPECT_DOUBLE_EQ(tx->query("SELECT $1 * 2", {1.5})[0].real(0), 3.0);
}

TEST_F(SqliteDatabaseTest, CachedStatementsFollowSchemaChanges) {
    auto db = open();
    db->migrate(contract::kMigrations);
    const char* select_all = "SELECT * FROM items";
    EXPECT_EQ(db->begin(Access::read)->query(select_all).size(), 0u);
    const Migration add_column[] = {
        {3, "color", "ALTER TABLE items ADD COLUMN color TEXT", "ALTER TABLE items ADD COLUMN color TEXT"}};
    db->migrate(add_column);
    {
        auto tx = db->begin(Access::write);
        tx->execute("INSERT INTO items (id, name, color) VALUES ($1, $2, $3)",
                    {std::int64_t{1}, std::string("a"), std::string("red")});
        tx->commit();
    }
    auto rows = db->begin(Access::read)->query(select_all);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].size(), 6u);
    EXPECT_EQ(rows[0].text(5), "red");
}

TEST_F(SqliteDatabaseTest, ManyDistinctStatementsStayCorrect) {
    auto db = open(1);
    auto tx = db->begin(Access::read);
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 700; ++i) {  // more than the per-connection cache holds
            EXPECT_EQ(tx->query("SELECT " + std::to_string(i) + " + $1", {std::int64_t{round}})[0].int64(0), i + round);
        }
    }
}

TEST_F(SqliteDatabaseTest, DuplicateMigrationVersionsAreRejected) {
    auto db = open();
    const Migration twice[] = {contract::kMigrations[0], contract::kMigrations[0]};
    EXPECT_THROW(db->migrate(twice), StoreError);
}

TEST_F(SqliteDatabaseTest, DataSurvivesReopening) {
    {
        auto db = open();
        db->migrate(contract::kMigrations);
        auto tx = db->begin(Access::write);
        tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{7}, std::string("kept")});
        tx->commit();
    }
    // The last connection closed checkpointed the WAL into the file and removed it.
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "data" / "test.db-wal"));
    auto db = open();
    db->migrate(contract::kMigrations);
    EXPECT_EQ(db->begin(Access::read)->query("SELECT name FROM items WHERE id = $1", {std::int64_t{7}})[0].text(0),
              "kept");
}

TEST_F(SqliteDatabaseTest, ManyCommitsWithBackgroundCheckpointsLoseNothing) {
    constexpr int kCommits = 1500;  // ~2 pages each: the WAL crosses the checkpoint threshold more than once
    {
        auto db = open();
        db->migrate(contract::kMigrations);
        std::thread reader([&] {
            for (int i = 0; i < 200; ++i) (void)contract::count_items(*db);
        });
        for (int i = 0; i < kCommits; ++i) {
            auto tx = db->begin(Access::write);
            tx->execute("INSERT INTO items (id, name, note) VALUES ($1, $2, $3)",
                        {std::int64_t{i}, std::string("n").append(std::to_string(i)), std::string(3000, 'x')});
            tx->commit();
        }
        reader.join();
        EXPECT_EQ(contract::count_items(*db), kCommits);
    }
    auto db = open();
    EXPECT_EQ(contract::count_items(*db), kCommits);
    EXPECT_EQ(db->begin(Access::read)->query("PRAGMA integrity_check")[0].text(0), "ok");
}

// A statement runs at most statement_timeout (a progress handler looks at the deadline), then stops with
// StatementTimeout; the connection stays usable and a write transaction it was part of cannot commit.
TEST_F(SqliteDatabaseTest, AStatementPastItsTimeLimitStopsNamingTheLimit) {
    auto db = open_sqlite({.file = dir_.path() / "slow.db", .statement_timeout = 150ms});
    db->migrate(contract::kMigrations);
    constexpr std::string_view kEndless =
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n";
    {
        auto tx = db->begin(Access::read);
        const auto start = std::chrono::steady_clock::now();
        try {
            tx->query(kEndless);
            FAIL() << "an endless statement returned";
        } catch (const StatementTimeout& e) {
            EXPECT_EQ(e.limit(), 150ms);
            EXPECT_EQ(e.kind(), StoreError::Kind::unavailable);
            EXPECT_NE(std::string(e.what()).find("150 ms"), std::string::npos) << e.what();
        }
        const auto took = std::chrono::steady_clock::now() - start;
        EXPECT_GE(took, 150ms);
        EXPECT_LT(took, 2000ms);
        EXPECT_EQ(tx->query("SELECT 1")[0].int64(0), 1);  // the next statement has a deadline of its own
    }
    {
        auto tx = db->begin(Access::write);
        tx->execute("INSERT INTO items (id, name, note) VALUES (1, 'a', 'b')");
        EXPECT_THROW(tx->execute("INSERT INTO items (id, name, note) SELECT x + 1, 'n' || x, 'x' FROM "
                                 "(WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n)"),
                     StatementTimeout);
        EXPECT_THROW(tx->commit(), StoreError);
    }
    EXPECT_EQ(contract::count_items(*db), 0);
    EXPECT_TRUE(db->ping());
}

// Migrations have no time limit: building an index over a large table may take longer than any request should.
TEST_F(SqliteDatabaseTest, MigrationsRunPastTheStatementTimeLimit) {
    auto db = open_sqlite({.file = dir_.path() / "migrate.db", .statement_timeout = 1ms});
    static constexpr std::string_view kSlow =
        "CREATE TABLE big AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 300000) "
        "SELECT x FROM n;";
    const Migration slow[] = {{1, "slow", kSlow, kSlow}};
    db->migrate(slow);
    EXPECT_EQ(db->begin(Access::read)->query("SELECT x FROM big ORDER BY rowid DESC LIMIT 1")[0].int64(0), 300000);
}

}  // namespace
}  // namespace todoai::store

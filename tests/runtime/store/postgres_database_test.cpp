#include "runtime/store/postgres_database.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "runtime/store/database_contract.hpp"
#include "support/postgres_schema.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace todoai::store {
namespace {

using namespace std::chrono_literals;
using Access = Database::Access;
using todoai::testing::PostgresSchema;

struct PostgresEnv {
    PostgresSchema schema{"contract"};
    std::unique_ptr<Database> open() { return schema.open(); }
};

}  // namespace

namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, DatabaseContract, ::testing::Types<PostgresEnv>);
}

namespace {

StoreError::Kind kind_of(const std::function<void()>& f, std::string* what = nullptr) {
    try {
        f();
    } catch (const StoreError& e) {
        if (what != nullptr) *what = e.what();
        return e.kind();
    }
    ADD_FAILURE() << "expected StoreError";
    return StoreError::Kind::other;
}

std::int64_t backend_pid(Transaction& tx) { return tx.query("SELECT pg_backend_pid()")[0].int64(0); }

// Ends the given server sessions from another connection, as an administrator or a failover would.
void terminate_backends(const std::set<std::int64_t>& pids) {
    PostgresSchema admin{"admin"};
    auto db = admin.open();
    auto tx = db->begin(Access::write);
    for (auto pid : pids) EXPECT_TRUE(tx->query("SELECT pg_terminate_backend($1::int, 5000)", {pid})[0].int64(0) == 1);
    tx->commit();
}

class PostgresDatabaseTest : public ::testing::Test {
  protected:
    std::unique_ptr<Database> open(std::size_t max_connections = 8,
                                   std::chrono::milliseconds acquire = 5000ms,
                                   std::chrono::milliseconds statement = 5000ms) {
        auto options = schema_.options();
        options.max_connections = max_connections;
        options.acquire_timeout = acquire;
        options.statement_timeout = statement;
        return open_postgres(options);
    }

    PostgresSchema schema_{"pgtest"};
};

TEST_F(PostgresDatabaseTest, ConnectionsUseTheSchemaAndTheStatementTimeout) {
    auto db = open(8, 5000ms, 1234ms);
    EXPECT_EQ(db->dialect(), Dialect::postgres);
    db->migrate(contract::kMigrations);
    auto tx = db->begin(Access::read);
    EXPECT_EQ(tx->query("SELECT current_schema()")[0].text(0), schema_.name());
    EXPECT_EQ(tx->query("SHOW statement_timeout")[0].text(0), "1234ms");
    EXPECT_EQ(tx->query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2",
                        {schema_.name(), std::string("items")})[0]
                  .int64(0),
              1);
}

TEST_F(PostgresDatabaseTest, ACacheStoreCommitsWithoutWaitingForTheWalFlush) {
    auto durable = open();
    auto cache = open_postgres({.url = schema_.url(), .schema = schema_.name(), .synchronous_commit = false});
    EXPECT_EQ(durable->begin(Access::read)->query("SHOW synchronous_commit")[0].text(0), "on");
    EXPECT_EQ(cache->begin(Access::read)->query("SHOW synchronous_commit")[0].text(0), "off");
}

TEST_F(PostgresDatabaseTest, SchemasAreIsolated) {
    PostgresSchema other_schema{"pgother"};
    auto db = open();
    auto other = other_schema.open();
    db->migrate(contract::kMigrations);
    other->migrate(std::span(contract::kMigrations, 1));
    {
        auto tx = db->begin(Access::write);
        tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("mine")});
        tx->commit();
    }
    EXPECT_EQ(contract::count_items(*db), 1);
    EXPECT_EQ(contract::count_items(*other), 0);
    EXPECT_EQ(contract::migration_versions(*db), (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(contract::migration_versions(*other), (std::vector<std::int64_t>{1}));
    // The same name in both schemas: each handle's unique index is its own.
    auto tx = other->begin(Access::write);
    EXPECT_EQ(tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("mine")}), 1);
    tx->commit();
}

TEST_F(PostgresDatabaseTest, ConcurrentFirstMigrationsCreateTheSchemaOnce) {
    // The schema does not exist yet: every handle races to create it, its migrations table and the tables.
    const Migration all[] = {contract::kMigrations[0], contract::kMigrations[1], contract::kThirdMigration};
    constexpr int kHandles = 6;
    std::vector<std::unique_ptr<Database>> handles;
    for (int i = 0; i < kHandles; ++i) handles.push_back(open(2));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (auto& handle : handles) {
        threads.emplace_back([&, db = handle.get()] {
            ++ready;
            while (ready.load() < kHandles) std::this_thread::yield();  // start together
            try {
                db->migrate(all);
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(contract::migration_versions(*handles[0]), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(PostgresDatabaseTest, ExhaustedPoolIsUnavailableAfterAcquireTimeout) {
    auto db = open(2, 100ms);
    auto first = db->begin(Access::read);
    auto second = db->begin(Access::write);
    EXPECT_NE(backend_pid(*first), backend_pid(*second));
    const auto start = std::chrono::steady_clock::now();
    std::string what;
    EXPECT_EQ(kind_of([&] { db->begin(Access::read); }, &what), StoreError::Kind::unavailable);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
    EXPECT_NE(what.find("acquire_timeout"), std::string::npos) << what;
    EXPECT_FALSE(db->ping());
    second.reset();
    EXPECT_TRUE(db->ping());
}

TEST_F(PostgresDatabaseTest, BeginWaitsForAPooledConnection) {
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

TEST_F(PostgresDatabaseTest, TerminatedConnectionsAreReplacedOnTheNextBegin) {
    auto db = open(2);
    db->migrate(contract::kMigrations);
    std::set<std::int64_t> pids;
    {
        auto a = db->begin(Access::read);
        auto b = db->begin(Access::read);
        pids = {backend_pid(*a), backend_pid(*b)};
    }
    ASSERT_EQ(pids.size(), 2u);
    terminate_backends(pids);
    // Both pooled connections are dead; begin() finds out, drops them and opens fresh ones.
    auto tx = db->begin(Access::write);
    EXPECT_EQ(pids.count(backend_pid(*tx)), 0u);
    tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("after")});
    tx->commit();
    EXPECT_EQ(contract::count_items(*db), 1);
}

// A task's create is one round trip (BEGIN, deferred INSERTs, COMMIT): a round trip holding COMMIT is never repeated
// on another connection (it may have committed before the connection died), so a stale pooled connection must be
// found before anything is sent.
TEST_F(PostgresDatabaseTest, ATransactionSentWhollyWithItsCommitMovesOffATerminatedPooledConnection) {
    auto db = open(1);
    db->migrate(contract::kMigrations);
    std::int64_t pid = 0;
    {
        auto tx = db->begin(Access::read);
        pid = backend_pid(*tx);
    }
    terminate_backends({pid});
    {
        auto tx = db->begin(Access::write);
        tx->execute_deferred("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("one")});
        tx->execute_deferred("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{2}, std::string("two")});
        tx->commit();
    }
    EXPECT_EQ(contract::count_items(*db), 2);
}

TEST_F(PostgresDatabaseTest, ConnectionLostInsideATransactionIsUnavailableAndNotReused) {
    auto db = open(1);
    db->migrate(contract::kMigrations);
    auto tx = db->begin(Access::write);
    tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("lost")});
    terminate_backends({backend_pid(*tx)});
    std::string what;
    EXPECT_EQ(kind_of([&] { tx->query("SELECT COUNT(*) FROM items"); }, &what), StoreError::Kind::unavailable);
    EXPECT_EQ(what.find("todoai-test"), std::string::npos) << "no password in: " << what;
    tx.reset();
    EXPECT_TRUE(db->ping());
    EXPECT_EQ(contract::count_items(*db), 0);  // the insert died with its session
}

TEST_F(PostgresDatabaseTest, StatementTimeoutIsUnavailable) {
    auto db = open(1, 5000ms, 200ms);
    {
        auto tx = db->begin(Access::read);
        std::string what;
        EXPECT_EQ(kind_of([&] { tx->query("SELECT pg_sleep(5)"); }, &what), StoreError::Kind::unavailable);
        EXPECT_NE(what.find("57014"), std::string::npos) << what;
        EXPECT_NE(what.find("SELECT pg_sleep"), std::string::npos) << what;
    }
    EXPECT_TRUE(db->ping());  // the connection went back to the pool usable
}

TEST_F(PostgresDatabaseTest, StatementTimeoutNamesItsLimit) {
    auto db = open(1, 5000ms, 150ms);
    auto tx = db->begin(Access::read);
    try {
        tx->query("SELECT pg_sleep(5)");
        FAIL() << "pg_sleep(5) ran past a 150 ms statement_timeout";
    } catch (const StatementTimeout& e) {
        EXPECT_EQ(e.limit(), 150ms);
        EXPECT_EQ(e.kind(), StoreError::Kind::unavailable);
    }
}

TEST_F(PostgresDatabaseTest, UnreachableServerIsUnavailableNamingHostAndPortButNotThePassword) {
    // Port 1 on loopback: nothing listens, so the connection is refused at once.
    PostgresOptions options{.url = "postgresql://todoai:s3cret-pass@127.0.0.1:1/postgres", .schema = "nowhere"};
    std::string what;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(kind_of([&] { open_postgres(options); }, &what), StoreError::Kind::unavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_NE(what.find("127.0.0.1:1"), std::string::npos) << what;
    EXPECT_EQ(what.find("s3cret-pass"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
}

TEST_F(PostgresDatabaseTest, WrongPasswordIsRefusedWithoutEchoingIt) {
    auto url = schema_.url();
    const auto at = url.find('@');
    const auto colon = url.rfind(':', at);
    ASSERT_NE(at, std::string::npos);
    url = url.substr(0, colon + 1) + "wrong-pass-123" + url.substr(at);
    std::string what;
    EXPECT_EQ(kind_of([&] { open_postgres({.url = url, .schema = schema_.name()}); }, &what),
              StoreError::Kind::unavailable);
    EXPECT_EQ(what.find("wrong-pass-123"), std::string::npos) << what;
}

TEST_F(PostgresDatabaseTest, InvalidSchemaNamesAreRejected) {
    for (const char* bad : {"", "Upper", "has space", "x\"; DROP SCHEMA public; --", "1abc"}) {
        EXPECT_EQ(kind_of([&] { open_postgres({.url = schema_.url(), .schema = bad}); }), StoreError::Kind::other)
            << bad;
    }
}

TEST_F(PostgresDatabaseTest, ErrorsNameTheStatementTheSqlstateAndTheCause) {
    auto db = open();
    db->migrate(contract::kMigrations);
    auto tx = db->begin(Access::write);
    const std::string long_tail(200, 'z');
    std::string what;
    EXPECT_EQ(kind_of([&] { tx->query("SELECT nope FROM nowhere WHERE " + long_tail); }, &what),
              StoreError::Kind::other);
    EXPECT_NE(what.find("relation \"nowhere\" does not exist"), std::string::npos) << what;
    EXPECT_NE(what.find("42P01"), std::string::npos) << what;
    EXPECT_NE(what.find("SELECT nope FROM nowhere"), std::string::npos) << what;
    EXPECT_EQ(what.find(long_tail), std::string::npos) << "the statement is cut short";
}

TEST_F(PostgresDatabaseTest, AnAbortedTransactionRefusesFurtherWorkAndItsConnectionIsReused) {
    auto db = open(1);
    db->migrate(contract::kMigrations);
    {
        auto tx = db->begin(Access::write);
        tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("a")});
        EXPECT_EQ(kind_of([&] {
                      tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("b")});
                  }),
                  StoreError::Kind::constraint);
        std::string what;
        EXPECT_EQ(kind_of([&] { tx->query("SELECT 1"); }, &what), StoreError::Kind::other);
        EXPECT_NE(what.find("aborted"), std::string::npos) << what;
        EXPECT_EQ(kind_of([&] { tx->commit(); }), StoreError::Kind::other);
    }
    EXPECT_EQ(contract::count_items(*db), 0);
}

TEST_F(PostgresDatabaseTest, ReadTransactionsAreReadOnly) {
    auto db = open();
    db->migrate(contract::kMigrations);
    auto tx = db->begin(Access::read);
    std::string what;
    EXPECT_EQ(kind_of(
                  [&] {
                      tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("x")});
                  },
                  &what),
              StoreError::Kind::other);
    EXPECT_NE(what.find("25006"), std::string::npos) << what;
}

TEST_F(PostgresDatabaseTest, ColumnsMapByTypeAsWithSqlite) {
    auto db = open();
    auto tx = db->begin(Access::read);
    auto row = tx->query(
        "SELECT true, false, 7::smallint, 8::int, 9::bigint, 1.5::real, 2.25::float8, 10::numeric, 2.5::numeric, "
        "'2024-01-02'::date, NULL::int, SUM(x) FROM (VALUES (1::bigint), (2::bigint)) AS v(x)")[0];
    EXPECT_EQ(row.int64(0), 1);
    EXPECT_EQ(row.int64(1), 0);
    EXPECT_EQ(row.int64(2), 7);
    EXPECT_EQ(row.int64(3), 8);
    EXPECT_EQ(row.int64(4), 9);
    EXPECT_DOUBLE_EQ(row.real(5), 1.5);
    EXPECT_DOUBLE_EQ(row.real(6), 2.25);
    EXPECT_EQ(row.int64(7), 10);  // an integral numeric reads as an integer (SUM of integers)
    EXPECT_DOUBLE_EQ(row.real(8), 2.5);
    EXPECT_EQ(row.text(9), "2024-01-02");
    EXPECT_TRUE(row.is_null(10));
    EXPECT_EQ(row.int64(11), 3);
    // Parameters keep their type: a real is not read as an integer, a NUL byte is refused, not cut off.
    EXPECT_DOUBLE_EQ(tx->query("SELECT $1 * 2", {1.5})[0].real(0), 3.0);
    EXPECT_EQ(tx->query("SELECT $2 - $1", {std::int64_t{1}, std::int64_t{43}})[0].int64(0), 42);
    EXPECT_EQ(kind_of([&] { tx->query("SELECT $1::text", {std::string("a\0b", 3)}); }), StoreError::Kind::other);
}

TEST_F(PostgresDatabaseTest, ManyDistinctStatementsStayCorrect) {
    auto db = open(1);
    auto tx = db->begin(Access::read);
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 600; ++i) {  // more than the per-connection cache holds
            EXPECT_EQ(tx->query("SELECT " + std::to_string(i) + " + $1", {std::int64_t{round}})[0].int64(0), i + round);
        }
    }
}

TEST_F(PostgresDatabaseTest, DuplicateMigrationVersionsAreRejected) {
    auto db = open();
    const Migration twice[] = {contract::kMigrations[0], contract::kMigrations[0]};
    EXPECT_THROW(db->migrate(twice), StoreError);
}

// A server of this test's own (the fixture's is shared with tests running in parallel), stopped and started again.
class OwnPostgresServer {
  public:
    OwnPostgresServer() {
        run("bash " + script() + " start " + dir_.path().string() + " >/dev/null");
        std::ifstream in(dir_.path() / "url");
        std::getline(in, url_);
        port_ = url_.substr(url_.rfind(':') + 1);
        port_ = port_.substr(0, port_.find('/'));
    }
    ~OwnPostgresServer() { std::system(("bash " + script() + " stop " + dir_.path().string()).c_str()); }

    const std::string& url() const { return url_; }
    void stop() { pg_ctl("-m fast -w stop"); }
    void start() {
        pg_ctl("-l " + (dir_.path() / "server.log").string() + " -w -t 60 -o \"-p " + port_ + " -k " +
               dir_.path().string() + " -c listen_addresses=127.0.0.1\" start");
    }

  private:
    static std::string script() {
        return (todoai::testing::source_path(__FILE__).parent_path() / "../../support/postgres_server.sh")
            .lexically_normal()
            .string();
    }
    static void run(const std::string& command) {
        if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
    }
    void pg_ctl(const std::string& args) {
        const std::string as_owner = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
        run(as_owner + "/usr/lib/postgresql/15/bin/pg_ctl -D " + (dir_.path() / "data").string() + " " + args +
            " >/dev/null");
    }

    todoai::testing::TempDir dir_;
    std::string url_;
    std::string port_;
};

// BEGIN goes out with a transaction's first statement, so that is where an outage shows.
TEST(PostgresRestartTest, TransactionsFailFastWhileTheServerIsDownAndWorkOnceItIsBack) {
    OwnPostgresServer server;
    auto db = open_postgres({.url = server.url(), .schema = "restart_test", .max_connections = 4});
    db->migrate(contract::kMigrations);
    {
        auto tx = db->begin(Access::write);
        tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("before")});
        tx->commit();
    }
    server.stop();
    for (int i = 0; i < 3; ++i) {
        const auto start = std::chrono::steady_clock::now();
        std::string what;
        EXPECT_EQ(kind_of([&] { db->begin(Access::read)->query("SELECT 1"); }, &what), StoreError::Kind::unavailable);
        EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << "fails fast, within connect_timeout";
        EXPECT_EQ(what.find("todoai-test"), std::string::npos) << "no password in: " << what;
    }
    EXPECT_FALSE(db->ping());
    server.start();
    EXPECT_TRUE(db->ping());
    auto tx = db->begin(Access::write);
    tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{2}, std::string("after")});
    tx->commit();
    EXPECT_EQ(contract::count_items(*db), 2);
}

}  // namespace
}  // namespace todoai::store

#pragma once
// The contract every store::Database driver passes. A driver's test instantiates it with an environment type:
//
//   struct MyEnv {
//       MyEnv();                                        // a fresh, empty database (temp file, new schema, ...)
//       std::unique_ptr<store::Database> open();        // a new handle on it; two handles act like two processes
//   };
//   INSTANTIATE_TYPED_TEST_SUITE_P(My, DatabaseContract, ::testing::Types<MyEnv>);
//
// The SQL below is portable between SQLite and PostgreSQL; only the migrations carry both dialects.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/store/database.hpp"

namespace todoai::store::contract {

inline const Migration kMigrations[] = {
    {1, "items",
     "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER, price REAL, note TEXT)",
     "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty BIGINT, price DOUBLE PRECISION, "
     "note TEXT)"},
    {2, "tags",
     "CREATE TABLE tags (item_id INTEGER NOT NULL REFERENCES items(id), tag TEXT NOT NULL);"
     "CREATE INDEX tags_item ON tags (item_id);",
     "CREATE TABLE tags (item_id BIGINT NOT NULL REFERENCES items(id), tag TEXT NOT NULL);"
     "CREATE INDEX tags_item ON tags (item_id);"},
};

inline const Migration kThirdMigration = {3, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
                                          "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT)"};

inline std::int64_t count_items(Database& db) {
    auto tx = db.begin(Database::Access::read);
    return tx->query("SELECT COUNT(*) FROM items")[0].int64(0);
}

inline std::vector<std::int64_t> migration_versions(Database& db) {
    auto tx = db.begin(Database::Access::read);
    std::vector<std::int64_t> versions;
    for (const auto& row : tx->query("SELECT version FROM schema_migrations ORDER BY version")) {
        versions.push_back(row.int64(0));
    }
    return versions;
}

template <class Env>
class DatabaseContract : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = env_.open();
        db_->migrate(kMigrations);
    }

    void insert_item(std::int64_t id, const std::string& name) {
        auto tx = db_->begin(Database::Access::write);
        tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {id, name});
        tx->commit();
    }

    Env env_;
    std::unique_ptr<Database> db_;
};

TYPED_TEST_SUITE_P(DatabaseContract);

TYPED_TEST_P(DatabaseContract, RoundTripsEveryValueType) {
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    {
        auto tx = this->db_->begin(Database::Access::write);
        const char* sql = "INSERT INTO items (id, name, qty, price, note) VALUES ($1, $2, $3, $4, $5)";
        tx->execute(sql, {std::int64_t{1}, std::string("h\xC3\xA9llo \xE2\x9C\x93"), kMax, 3.25, std::string("")});
        tx->execute(sql, {std::int64_t{2}, std::string("nulls"), nullptr, nullptr, nullptr});
        tx->execute(sql, {std::int64_t{3}, std::string("min"), kMin, -0.5, std::string(300, 'x')});
        tx->commit();
    }
    auto tx = this->db_->begin(Database::Access::read);
    auto rows = tx->query("SELECT id, name, qty, price, note FROM items ORDER BY id");
    ASSERT_EQ(rows.size(), 3u);
    ASSERT_EQ(rows[0].size(), 5u);
    EXPECT_EQ(rows[0].int64(0), 1);
    EXPECT_EQ(rows[0].text(1), "h\xC3\xA9llo \xE2\x9C\x93");
    EXPECT_EQ(rows[0].int64(2), kMax);
    EXPECT_DOUBLE_EQ(rows[0].real(3), 3.25);
    EXPECT_FALSE(rows[0].is_null(4));  // the empty string is not NULL
    EXPECT_EQ(rows[0].text(4), "");

    EXPECT_TRUE(rows[1].is_null(2));
    EXPECT_TRUE(rows[1].is_null(3));
    EXPECT_TRUE(rows[1].is_null(4));
    EXPECT_EQ(rows[1].optional_int64(2), std::nullopt);
    EXPECT_EQ(rows[1].optional_text(4), std::nullopt);
    EXPECT_TRUE(std::holds_alternative<std::nullptr_t>(rows[1].value(3)));
    EXPECT_THROW(rows[1].int64(2), StoreError);

    EXPECT_EQ(rows[2].optional_int64(2), kMin);
    EXPECT_DOUBLE_EQ(rows[2].real(3), -0.5);
    EXPECT_EQ(rows[2].optional_text(4), std::string(300, 'x'));
    EXPECT_TRUE(std::holds_alternative<double>(rows[2].value(3)));
    EXPECT_TRUE(std::holds_alternative<std::int64_t>(rows[2].value(2)));
}

TYPED_TEST_P(DatabaseContract, ParametersBindByNumberNotByPosition) {
    auto tx = this->db_->begin(Database::Access::write);
    // $3 comes first in the text and $1 last.
    tx->execute("INSERT INTO items (note, name, id) VALUES ($3, $2, $1)",
                {std::int64_t{10}, std::string("ten"), std::string("third")});
    auto rows = tx->query("SELECT id, name, note FROM items WHERE id = $1", {std::int64_t{10}});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].int64(0), 10);
    EXPECT_EQ(rows[0].text(1), "ten");
    EXPECT_EQ(rows[0].text(2), "third");

    // $1 used twice, after $2.
    const char* bump = "UPDATE items SET qty = $1 WHERE id = $2 AND (qty IS NULL OR qty < $1)";
    EXPECT_EQ(tx->execute(bump, {std::int64_t{5}, std::int64_t{10}}), 1);
    EXPECT_EQ(tx->execute(bump, {std::int64_t{5}, std::int64_t{10}}), 0);
    EXPECT_EQ(tx->execute(bump, {std::int64_t{7}, std::int64_t{10}}), 1);
    rows = tx->query("SELECT qty FROM items WHERE name = $2 OR id = $1", {std::int64_t{-1}, std::string("ten")});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].int64(0), 7);
}

TYPED_TEST_P(DatabaseContract, TooFewParametersIsAnErrorNamingTheStatement) {
    auto tx = this->db_->begin(Database::Access::write);
    try {
        tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}});
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), StoreError::Kind::other);
        EXPECT_NE(std::string(e.what()).find("INSERT INTO items"), std::string::npos) << e.what();
    }
}

TYPED_TEST_P(DatabaseContract, ExecuteCountsChangedRowsAndReturningGivesRows) {
    auto tx = this->db_->begin(Database::Access::write);
    for (std::int64_t id = 1; id <= 3; ++id) {
        EXPECT_EQ(tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)",
                              {id, std::string("n").append(std::to_string(id))}),
                  1);
    }
    EXPECT_EQ(tx->execute("UPDATE items SET qty = $1", {std::int64_t{9}}), 3);
    EXPECT_EQ(tx->execute("DELETE FROM items WHERE id = $1", {std::int64_t{1}}), 1);
    EXPECT_EQ(tx->execute("DELETE FROM items WHERE id = $1", {std::int64_t{1}}), 0);
    auto rows = tx->query("INSERT INTO items (id, name) VALUES ($1, $2) RETURNING id, name",
                          {std::int64_t{4}, std::string("four")});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].int64(0), 4);
    EXPECT_EQ(rows[0].text(1), "four");
    EXPECT_TRUE(tx->query("SELECT id FROM items WHERE id = $1", {std::int64_t{1}}).empty());
}

TYPED_TEST_P(DatabaseContract, DestroyingWithoutCommitRollsBack) {
    {
        auto tx = this->db_->begin(Database::Access::write);
        tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("gone")});
        EXPECT_EQ(tx->query("SELECT COUNT(*) FROM items")[0].int64(0), 1);  // visible to itself
    }
    EXPECT_EQ(count_items(*this->db_), 0);
    this->insert_item(1, "kept");  // the id is free again, and the connection went back to the pool usable
    EXPECT_EQ(count_items(*this->db_), 1);
}

TYPED_TEST_P(DatabaseContract, CommittedDataIsVisibleToOtherTransactionsAndHandles) {
    auto other = this->env_.open();
    auto writer = this->db_->begin(Database::Access::write);
    writer->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("a")});
    EXPECT_EQ(count_items(*other), 0);
    writer->commit();
    EXPECT_EQ(count_items(*this->db_), 1);
    EXPECT_EQ(count_items(*other), 1);
}

TYPED_TEST_P(DatabaseContract, UsingACommittedTransactionIsAnError) {
    auto tx = this->db_->begin(Database::Access::write);
    tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("a")});
    tx->commit();
    EXPECT_THROW(tx->query("SELECT COUNT(*) FROM items"), StoreError);
    EXPECT_THROW(tx->commit(), StoreError);
}

TYPED_TEST_P(DatabaseContract, ConstraintViolationsAreConstraintErrors) {
    this->insert_item(1, "taken");
    auto expect_constraint = [&](const char* sql, std::initializer_list<Value> params) {
        auto tx = this->db_->begin(Database::Access::write);
        try {
            tx->execute(sql, params);
            ADD_FAILURE() << "expected a constraint error from " << sql;
        } catch (const StoreError& e) {
            EXPECT_EQ(e.kind(), StoreError::Kind::constraint) << e.what();
        }
    };
    expect_constraint("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("pk")});
    expect_constraint("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{2}, std::string("taken")});
    expect_constraint("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{3}, nullptr});
    expect_constraint("INSERT INTO tags (item_id, tag) VALUES ($1, $2)", {std::int64_t{99}, std::string("fk")});
    EXPECT_EQ(count_items(*this->db_), 1);
}

TYPED_TEST_P(DatabaseContract, DeferredStatementsRunBeforeTheNextStatementAndTheCommit) {
    {
        auto tx = this->db_->begin(Database::Access::write);
        tx->execute_deferred("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{1}, std::string("one")});
        tx->execute_deferred("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{2}, std::string("two")});
        EXPECT_EQ(tx->query("SELECT COUNT(*) FROM items")[0].int64(0), 2) << "the next statement sees them";
        tx->execute_deferred("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{3}, std::string("three")});
        tx->commit();
    }
    EXPECT_EQ(count_items(*this->db_), 3);
    {
        auto tx = this->db_->begin(Database::Access::write);
        tx->execute_deferred("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{4}, std::string("four")});
        // Never sent: rolled back with the transaction.
    }
    EXPECT_EQ(count_items(*this->db_), 3);
}

TYPED_TEST_P(DatabaseContract, ADeferredStatementsFailureSurfacesAndNothingCommits) {
    this->insert_item(1, "taken");
    auto tx = this->db_->begin(Database::Access::write);
    try {
        tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{2}, std::string("fresh")});
        tx->execute_deferred("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{3}, std::string("taken")});
        tx->commit();  // where a driver that held the statement back sends it
        ADD_FAILURE() << "expected a constraint error";
    } catch (const StoreError& e) {
        EXPECT_EQ(e.kind(), StoreError::Kind::constraint) << e.what();
        EXPECT_NE(std::string(e.what()).find("INSERT INTO items"), std::string::npos) << "names the statement";
    }
    tx.reset();
    EXPECT_EQ(count_items(*this->db_), 1) << "neither insert committed";
    this->insert_item(4, "after");  // the connection is usable again
    EXPECT_EQ(count_items(*this->db_), 2);
}

TYPED_TEST_P(DatabaseContract, MigrateIsIdempotentAndRecordsVersions) {
    EXPECT_EQ(migration_versions(*this->db_), (std::vector<std::int64_t>{1, 2}));
    this->db_->migrate(kMigrations);
    EXPECT_EQ(migration_versions(*this->db_), (std::vector<std::int64_t>{1, 2}));

    // Given out of order, with old ones included: only the new one runs.
    const Migration more[] = {kThirdMigration, kMigrations[1], kMigrations[0]};
    this->db_->migrate(more);
    this->db_->migrate(more);
    EXPECT_EQ(migration_versions(*this->db_), (std::vector<std::int64_t>{1, 2, 3}));

    auto tx = this->db_->begin(Database::Access::write);
    EXPECT_EQ(tx->execute("INSERT INTO notes (id, body) VALUES ($1, $2)", {std::int64_t{1}, std::string("x")}), 1);
    auto rows =
        tx->query("SELECT description, applied_at FROM schema_migrations WHERE version = $1", {std::int64_t{3}});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].text(0), "notes");
    EXPECT_FALSE(rows[0].text(1).empty());
}

TYPED_TEST_P(DatabaseContract, FailedMigrationLeavesNoTrace) {
    const Migration broken[] = {{4, "broken", "CREATE TABLE half (a INTEGER); THIS IS NOT SQL;",
                                 "CREATE TABLE half (a BIGINT); THIS IS NOT SQL;"}};
    try {
        this->db_->migrate(broken);
        FAIL() << "expected StoreError";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos) << e.what();
    }
    EXPECT_EQ(migration_versions(*this->db_), (std::vector<std::int64_t>{1, 2}));
    auto tx = this->db_->begin(Database::Access::read);
    EXPECT_THROW(tx->query("SELECT a FROM half"), StoreError);  // the first statement was rolled back too
}

TYPED_TEST_P(DatabaseContract, ConcurrentMigrationsFromTwoHandlesApplyOnce) {
    const Migration all[] = {kMigrations[0], kMigrations[1], kThirdMigration};
    std::vector<std::unique_ptr<Database>> handles;
    for (int i = 0; i < 3; ++i) handles.push_back(this->env_.open());
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (auto& handle : handles) {
        threads.emplace_back([&, db = handle.get()] {
            try {
                db->migrate(all);
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(migration_versions(*this->db_), (std::vector<std::int64_t>{1, 2, 3}));
}

TYPED_TEST_P(DatabaseContract, ConcurrentWritersAllCommit) {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 50;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                try {
                    auto tx = this->db_->begin(Database::Access::write);
                    const std::int64_t id = t * 1000 + i;
                    tx->execute("INSERT INTO items (id, name) VALUES ($1, $2)",
                                {id, std::string("item-").append(std::to_string(id))});
                    tx->execute("INSERT INTO tags (item_id, tag) VALUES ($1, $2)", {id, std::string("t")});
                    tx->commit();
                } catch (const std::exception& e) {
                    ADD_FAILURE() << e.what();
                    ++failures;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(count_items(*this->db_), kThreads * kPerThread);
    auto tx = this->db_->begin(Database::Access::read);
    EXPECT_EQ(tx->query("SELECT COUNT(*) FROM tags")[0].int64(0), kThreads * kPerThread);
}

TYPED_TEST_P(DatabaseContract, ReadersSeeCommittedDataWhileAWriterIsOpen) {
    this->insert_item(1, "committed");
    auto writer = this->db_->begin(Database::Access::write);
    writer->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {std::int64_t{2}, std::string("pending")});
    writer->execute("UPDATE items SET qty = $1 WHERE id = $2", {std::int64_t{5}, std::int64_t{1}});

    // From another thread, as a request handler would: neither blocked nor shown uncommitted rows.
    std::vector<Row> seen;
    std::thread reader([&] {
        auto tx = this->db_->begin(Database::Access::read);
        seen = tx->query("SELECT id, name, qty FROM items ORDER BY id");
    });
    reader.join();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].text(1), "committed");
    EXPECT_TRUE(seen[0].is_null(2));

    writer->commit();
    EXPECT_EQ(count_items(*this->db_), 2);
}

TYPED_TEST_P(DatabaseContract, PingAnswers) { EXPECT_TRUE(this->db_->ping()); }

REGISTER_TYPED_TEST_SUITE_P(DatabaseContract,
                            RoundTripsEveryValueType,
                            ParametersBindByNumberNotByPosition,
                            TooFewParametersIsAnErrorNamingTheStatement,
                            ExecuteCountsChangedRowsAndReturningGivesRows,
                            DestroyingWithoutCommitRollsBack,
                            CommittedDataIsVisibleToOtherTransactionsAndHandles,
                            UsingACommittedTransactionIsAnError,
                            ConstraintViolationsAreConstraintErrors,
                            DeferredStatementsRunBeforeTheNextStatementAndTheCommit,
                            ADeferredStatementsFailureSurfacesAndNothingCommits,
                            MigrateIsIdempotentAndRecordsVersions,
                            FailedMigrationLeavesNoTrace,
                            ConcurrentMigrationsFromTwoHandlesApplyOnce,
                            ConcurrentWritersAllCommit,
                            ReadersSeeCommittedDataWhileAWriterIsOpen,
                            PingAnswers);

}  // namespace todoai::store::contract

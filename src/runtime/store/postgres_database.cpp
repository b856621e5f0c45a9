#include "runtime/store/postgres_database.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "runtime/store/connection_pool.hpp"
#include "runtime/store/postgres_connection.hpp"

namespace todoai::store {
namespace {

using Kind = StoreError::Kind;
using postgres::Connection;
using postgres::sql_head;

// The first key of pg_advisory_xact_lock(int, int) for migrations; the second is hashtext(schema), so each schema
// migrates under its own lock. (The outbox relay uses another class: runtime/pubsub/outbox.cpp.)
constexpr int kMigrationLockClass = 0x746f6401;
// DDL may take longer than a request's statement_timeout, and a migrator may wait for another one's lock.
constexpr std::string_view kMigrationTimeout = "SET LOCAL statement_timeout = '15min'";

// The schema goes into connection options and DDL unquoted-safe: plain lower-case identifiers only.
bool valid_schema(std::string_view s) {
    if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9')) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

class PostgresDatabase;

// A connection borrowed from the pool; returned, or dropped when broken or still inside a transaction, on destruction.
class Lease {
  public:
    Lease(PostgresDatabase& owner, Connection* conn, bool fresh) : owner_(&owner), conn_(conn), fresh_(fresh) {}
    Lease(Lease&& other) noexcept
        : owner_(other.owner_), conn_(std::exchange(other.conn_, nullptr)), fresh_(other.fresh_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }
    /// Opened for this lease (not taken idle from the pool, where the server may have closed it meanwhile).
    bool fresh() const { return fresh_; }

  private:
    PostgresDatabase* owner_;
    Connection* conn_;
    bool fresh_;
};

// BEGIN is not sent on its own: it goes with the transaction's first statement, and deferred statements go with the
// next one or with COMMIT, each group in one round trip (libpq pipeline mode). A task's create (BEGIN, two deferred
// INSERTs, COMMIT) thus takes one round trip, not four.
class PostgresTransaction final : public Transaction {
  public:
    PostgresTransaction(PostgresDatabase& db, Lease lease, std::string_view begin_sql)
        : db_(db), lease_(std::move(lease)), begin_sql_(begin_sql) {}

    ~PostgresTransaction() override {
        if (done_ || !begun_ || !lease_ || (*lease_)->broken() || (*lease_)->idle()) return;
        try {
            (*lease_)->exec("ROLLBACK");
        } catch (const StoreError&) {
            // The lease drops a connection still inside a transaction rather than pooling it.
        }
    }

    using Transaction::execute;
    using Transaction::execute_deferred;
    using Transaction::query;

    Rows query(std::string_view sql, std::span<const Value> params) override {
        check_open(sql);
        Rows rows;
        send({sql, params}, &rows);
        return rows;
    }

    std::int64_t execute(std::string_view sql, std::span<const Value> params) override {
        check_open(sql);
        return send({sql, params}, nullptr).changed;
    }

    void execute_deferred(std::string_view sql, std::span<const Value> params) override {
        check_open(sql);
        deferred_.push_back({std::string(sql), std::vector<Value>(params.begin(), params.end())});
    }

    void commit() override {
        check_open("COMMIT");
        if (!begun_ && deferred_.empty()) {  // nothing was sent, so there is nothing to commit
            done_ = true;
            return;
        }
        if (connection().in_failed_transaction()) {
            throw StoreError(Kind::other, "postgres: cannot commit: an earlier error aborted the transaction");
        }
        done_ = true;  // whatever COMMIT answers, the transaction is over
        // COMMIT of a transaction the server already aborted answers ROLLBACK instead of failing.
        if (send({"COMMIT", {}}, nullptr).tag != "COMMIT") {
            throw StoreError(Kind::other, "postgres: the server rolled the transaction back instead of committing");
        }
    }

    /// Several statements at once, without parameters (migrations).
    void exec_script(std::string_view sql) {
        check_open(sql);
        if (!begun_ || !deferred_.empty()) send({"SELECT 1", {}}, nullptr);  // the simple protocol cannot pipeline
        connection().exec(sql);
    }

  private:
    struct Deferred {
        std::string sql;
        std::vector<Value> params;
    };

    void check_open(std::string_view sql) const {
        if (done_)
            throw StoreError(Kind::other, "postgres: transaction already committed: " + std::string(sql_head(sql)));
    }

    // The lease's connection; none when replacing a dead one failed (the server is down): unavailable.
    Connection& connection() const {
        if (!lease_)
            throw StoreError(Kind::unavailable, "postgres: the transaction lost its connection and no other was had");
        return **lease_;
    }

    // Sends BEGIN (the first time) and the deferred statements ahead of `last`, all in one round trip.
    Connection::Outcome send(Connection::Statement last, Rows* rows);
    void replace_lease();

    PostgresDatabase& db_;
    std::optional<Lease> lease_;
    std::string_view begin_sql_;
    std::vector<Deferred> deferred_;
    bool begun_ = false;
    bool done_ = false;
};

class PostgresDatabase final : public Database {
  public:
    friend class PostgresTransaction;  // acquire(): a first statement on a stale pooled connection moves to another

    explicit PostgresDatabase(PostgresOptions options) : options_(std::move(options)), pool_(options_.max_connections) {
        if (!valid_schema(options_.schema)) {
            throw StoreError(Kind::other, "postgres: schema '" + options_.schema +
                                              "' is not a plain lower-case identifier ([a-z_][a-z0-9_]*)");
        }
        // One connection now, so an unreachable server or a bad password fails at start-up.
        pool_.add_idle(std::make_unique<Connection>(options_));
    }

    std::unique_ptr<Transaction> begin(Access access) override { return begin_transaction(access); }

    void migrate(std::span<const Migration> migrations) override {
        std::vector<const Migration*> ordered;
        for (const auto& m : migrations) ordered.push_back(&m);
        std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->version < b->version; });
        for (std::size_t i = 1; i < ordered.size(); ++i) {
            if (ordered[i]->version == ordered[i - 1]->version) {
                throw StoreError(Kind::other, "postgres: migration version " + std::to_string(ordered[i]->version) +
                                                  " appears twice");
            }
        }

        std::unordered_set<std::int64_t> applied;
        {
            auto tx = begin_migration();
            // Under the lock: concurrent CREATE ... IF NOT EXISTS can otherwise fail on the catalog's unique index.
            tx->exec_script("CREATE SCHEMA IF NOT EXISTS \"" + options_.schema + "\"; CREATE TABLE IF NOT EXISTS \"" +
                            options_.schema +
                            "\".schema_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, "
                            "applied_at TEXT NOT NULL)");
            for (const auto& row : tx->query("SELECT version FROM schema_migrations", {})) applied.insert(row.int64(0));
            tx->commit();
        }
        for (const Migration* m : ordered) {
            if (applied.contains(m->version)) continue;
            auto tx = begin_migration();
            const Value version = static_cast<std::int64_t>(m->version);
            // Another process may have applied it since we looked; the advisory lock makes this check exclusive.
            if (!tx->query("SELECT 1 FROM schema_migrations WHERE version = $1", std::span(&version, 1)).empty()) {
                continue;
            }
            try {
                tx->exec_script(m->postgres_sql);
            } catch (const StoreError& e) {
                throw StoreError(e.kind(), "migration " + std::to_string(m->version) + " (" +
                                               std::string(m->description) + ") of schema " + options_.schema +
                                               " failed: " + e.what());
            }
            tx->execute(
                "INSERT INTO schema_migrations (version, description, applied_at) "
                "VALUES ($1, $2, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))",
                {version, std::string(m->description)});
            tx->commit();
        }
    }

    bool ping() override {
        try {
            auto tx = begin_transaction(Access::read);
            auto rows = tx->query("SELECT 1", {});
            return rows.size() == 1 && rows[0].int64(0) == 1;
        } catch (const StoreError&) {
            return false;
        }
    }

    Dialect dialect() const override { return Dialect::postgres; }

    void release(Connection* conn) noexcept { pool_.release(conn, !conn->broken() && conn->idle()); }

  private:
    std::unique_ptr<PostgresTransaction> begin_transaction(Access access) {
        return std::make_unique<PostgresTransaction>(*this, acquire(),
                                                     access == Access::write ? "BEGIN" : "BEGIN READ ONLY");
    }

    // A write transaction holding this schema's migration lock until it ends.
    std::unique_ptr<PostgresTransaction> begin_migration() {
        auto tx = begin_transaction(Access::write);
        tx->exec_script(kMigrationTimeout);
        tx->query("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockClass) + ", hashtext($1))",
                  {Value(options_.schema)});
        return tx;
    }

    // Waiting longer than acquire_timeout for a connection means the pool is exhausted (callers holding transactions
    // too long): unavailable.
    Lease acquire() {
        const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
        auto taken = pool_.acquire(deadline, [this] { return std::make_unique<Connection>(options_); });
        if (!taken) {
            throw StoreError(Kind::unavailable, "postgres (" + postgres::server_address(options_.url) + "): all " +
                                                    std::to_string(pool_.max_connections()) +
                                                    " connections of schema " + options_.schema +
                                                    " stayed in use past acquire_timeout");
        }
        return Lease(*this, taken->conn, taken->fresh);
    }

    PostgresOptions options_;
    ConnectionPool<Connection> pool_;
};

Lease::~Lease() {
    if (conn_ != nullptr) owner_->release(conn_);
}

// A pooled connection may have been closed by the server since its last use (restart, terminate_backend, idle
// timeout). Before the first round trip it is checked without sending anything (what the server sent meanwhile is
// read) and replaced; a first round trip that still fails on a dead connection is repeated on another one, unless it
// held COMMIT: the server may have committed before the connection died, and repeating would do it twice. Only a
// fresh connection's failure is final.
Connection::Outcome PostgresTransaction::send(Connection::Statement last, Rows* rows) {
    connection();  // throws if an earlier replacement found none
    std::vector<Connection::Statement> before;
    before.reserve(deferred_.size() + 1);
    if (!begun_) before.push_back({begin_sql_, {}});
    for (const auto& d : deferred_) before.push_back({d.sql, d.params});
    for (;;) {
        if (!begun_ && !lease_->fresh() && !(*lease_)->alive()) {
            replace_lease();
            continue;
        }
        try {
            auto outcome = before.empty() ? (*lease_)->run(last.sql, last.params, rows)
                                          : (*lease_)->run_pipeline(before, last, rows);
            begun_ = true;
            deferred_.clear();
            return outcome;
        } catch (const StoreError&) {
            if (begun_ || lease_->fresh() || !(*lease_)->broken() || last.sql == "COMMIT") {
                begun_ = true;      // the server may hold the transaction open: ROLLBACK on destruction
                deferred_.clear();  // failed or skipped with the pipeline; the transaction cannot commit now
                throw;
            }
        }
        replace_lease();
    }
}

void PostgresTransaction::replace_lease() {
    lease_.reset();  // drops the broken connection
    lease_.emplace(db_.acquire());
}

}  // namespace

std::unique_ptr<Database> open_postgres(const PostgresOptions& options) {
    return std::make_unique<PostgresDatabase>(options);
}

}  // namespace todoai::store

#pragma once
// The relational store as services see it: transactions running SQL with $1..$N parameters.
// Drivers: sqlite_database (embedded default), postgres_database (issue 6). Services write portable SQL in their
// repositories; where dialects differ, the repository asks dialect().
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace todoai::store {

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

/// One result row; columns by position, in SELECT order.
class Row {
  public:
    explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
    std::size_t size() const { return values_.size(); }
    bool is_null(std::size_t i) const { return std::holds_alternative<std::nullptr_t>(values_.at(i)); }
    std::int64_t int64(std::size_t i) const;       // throws StoreError on NULL or another type
    double real(std::size_t i) const;              // accepts integers too
    const std::string& text(std::size_t i) const;  // throws StoreError on NULL or another type
    std::optional<std::string> optional_text(std::size_t i) const;
    std::optional<std::int64_t> optional_int64(std::size_t i) const;
    const Value& value(std::size_t i) const { return values_.at(i); }

  private:
    std::vector<Value> values_;
};

using Rows = std::vector<Row>;

enum class Dialect { sqlite, postgres };

/// Failures a caller may handle: a unique/foreign-key violation (-> 409), the database unavailable or busy past its
/// timeout (-> 503). Anything else is a bug or corruption (-> 500).
class StoreError : public std::runtime_error {
  public:
    enum class Kind { constraint, unavailable, other };
    StoreError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
    Kind kind() const { return kind_; }

  private:
    Kind kind_;
};

/// A statement that ran past the store's time limit per statement and was stopped (SQLite: SqliteOptions'
/// statement_timeout, checked by a progress handler; PostgreSQL: the session's statement_timeout). The transaction
/// cannot commit. Its kind is unavailable, so a caller that retries or answers 503 for a busy store does so here too;
/// the HTTP edge names the limit in the 503's detail.
class StatementTimeout : public StoreError {
  public:
    StatementTimeout(const std::string& what, std::chrono::milliseconds limit)
        : StoreError(Kind::unavailable, what), limit_(limit) {}
    std::chrono::milliseconds limit() const { return limit_; }

  private:
    std::chrono::milliseconds limit_;
};

/// A transaction. Destroying it without commit() rolls it back. Not thread-safe: one thread uses it at a time.
class Transaction {
  public:
    virtual ~Transaction() = default;
    /// Runs a statement and returns its rows (empty for INSERT/UPDATE/DELETE without RETURNING). Statements are
    /// prepared once per connection and cached by their text.
    virtual Rows query(std::string_view sql, std::span<const Value> params = {}) = 0;
    /// Runs a statement and returns the number of rows it changed.
    virtual std::int64_t execute(std::string_view sql, std::span<const Value> params = {}) = 0;
    virtual void commit() = 0;
    /// Runs a statement whose row count the caller does not need. A driver may hold it back and send it with the
    /// transaction's next statement or its commit, in one round trip (PostgreSQL); a failure then surfaces from that
    /// call, and the transaction cannot commit either way.
    virtual void execute_deferred(std::string_view sql, std::span<const Value> params) { execute(sql, params); }

    Rows query(std::string_view sql, std::initializer_list<Value> params) {
        return query(sql, std::span<const Value>(params.begin(), params.size()));
    }
    std::int64_t execute(std::string_view sql, std::initializer_list<Value> params) {
        return execute(sql, std::span<const Value>(params.begin(), params.size()));
    }
    void execute_deferred(std::string_view sql, std::initializer_list<Value> params = {}) {
        execute_deferred(sql, std::span<const Value>(params.begin(), params.size()));
    }
};

/// One schema migration: applied once, in version order, inside a transaction, recorded in schema_migrations.
struct Migration {
    int version;
    std::string_view description;
    std::string_view sqlite_sql;    // may hold several statements
    std::string_view postgres_sql;  // may hold several statements
};

class Database {
  public:
    virtual ~Database() = default;
    enum class Access { read, write };
    /// Begins a transaction. `write` transactions take the write lock up front (no upgrade deadlocks).
    virtual std::unique_ptr<Transaction> begin(Access access) = 0;
    /// Applies the migrations not yet recorded; idempotent; safe when several processes start at once.
    virtual void migrate(std::span<const Migration> migrations) = 0;
    /// True when a trivial query succeeds (readiness).
    virtual bool ping() = 0;
    virtual Dialect dialect() const = 0;
};

}  // namespace todoai::store

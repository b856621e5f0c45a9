#pragma once
// One libpq connection of postgres_database's pool, with its prepared statements (internal to the driver).
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "runtime/store/database.hpp"
#include "runtime/store/postgres_database.hpp"

struct pg_conn;
struct pg_result;

namespace todoai::store::postgres {

/// "host:port/dbname" of a libpq URL, for messages: never the user or the password.
std::string server_address(const std::string& url);

/// The first words of a statement, for messages.
std::string_view sql_head(std::string_view sql);

/// Used by one thread at a time (the pool hands it out). Failures throw StoreError with the statement's first words,
/// the SQLSTATE and the server's message; a failure that lost the connection marks it broken().
class Connection {
  public:
    /// Connects with search_path = options.schema and statement_timeout; throws StoreError(unavailable) naming
    /// host:port when the server cannot be reached.
    explicit Connection(const PostgresOptions& options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    struct Statement {
        std::string_view sql;
        std::span<const Value> params;
    };
    struct Outcome {
        std::int64_t changed = 0;  // rows the last statement changed (0 for a SELECT)
        std::string tag;           // its command tag ("INSERT 0 1", "COMMIT", "ROLLBACK", ...)
    };

    /// One statement with $1..$N parameters, prepared once per connection and cached by its text. Appends the result
    /// rows to `rows` when given.
    Outcome run(std::string_view sql, std::span<const Value> params, Rows* rows);
    /// `before`, then `last`, sent together and answered in one round trip (libpq pipeline mode); `last`'s rows are
    /// appended to `rows` when given. The first statement that fails throws, naming it; the ones after it do not run.
    Outcome run_pipeline(std::span<const Statement> before, Statement last, Rows* rows);
    /// SQL without parameters through the simple protocol, so it may hold several statements (BEGIN, COMMIT,
    /// migrations). Returns the command tag of the last one ("COMMIT", "ROLLBACK", ...).
    std::string exec(std::string_view sql);

    /// The server is gone or ended this session: the pool must drop the connection.
    bool broken() const;
    /// Reads what the server sent while the connection sat idle, without waiting: false (and broken()) when it closed
    /// the session meanwhile (restart, terminate_backend, idle timeout), so nothing need be sent to find out.
    bool alive();
    /// No transaction open: the connection may go back to the pool.
    bool idle() const;
    /// Inside a transaction that an error aborted: every statement but ROLLBACK fails.
    bool in_failed_transaction() const;

  private:
    void make_room(std::size_t statements);  // in the prepared-statement cache
    const std::string& prepare(std::string_view sql, std::span<const Value> params);
    Outcome read_result(pg_result* result, std::string_view sql, Rows* rows);
    [[noreturn]] void fail(const pg_result* result, std::string_view sql);

    pg_conn* conn_ = nullptr;
    std::string address_;
    std::chrono::milliseconds statement_timeout_;  // the session's, for StatementTimeout
    bool broken_ = false;
    std::size_t next_statement_ = 0;
    std::unordered_map<std::string, std::string> statements_;  // parameter types + SQL text -> prepared name
};

}  // namespace todoai::store::postgres

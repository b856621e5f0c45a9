#include "runtime/store/sqlite_database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "runtime/store/connection_pool.hpp"

namespace todoai::store {
namespace {

using Kind = StoreError::Kind;

// Statements are cached per connection by their text; services use a bounded set of SQL strings, but a query built
// from filter combinations could grow the cache without limit, so past this size it is emptied and refilled.
constexpr std::size_t kMaxCachedStatements = 512;
constexpr std::size_t kSqlInMessage = 80;
constexpr int kCacheSizeKiB = 8192;  // per connection
// SQLite's own auto-checkpoint runs inside the COMMIT that crosses the threshold and fsyncs there, which halved
// insert throughput; a background thread checkpoints instead once the WAL holds this many pages.
constexpr int kCheckpointPages = 1000;
// How many virtual-machine instructions run between looks at a statement's deadline: a few microseconds of work,
// so the clock read costs little and a statement stops within a millisecond of its limit.
constexpr int kProgressSteps = 1000;

std::string_view sql_head(std::string_view sql) {
    while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n' || sql.front() == '\t' || sql.front() == '\r')) {
        sql.remove_prefix(1);
    }
    return sql.substr(0, kSqlInMessage);
}

Kind kind_of(int rc) {
    switch (rc & 0xff) {
        case SQLITE_CONSTRAINT:
            return Kind::constraint;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return Kind::unavailable;
        default:
            return Kind::other;
    }
}

std::string describe(const char* what, int rc, std::string_view sql) {
    std::string msg = "sqlite: ";
    msg += what;
    msg += " (";
    msg += sqlite3_errstr(rc);
    msg += ") in: ";
    msg += sql_head(sql);
    return msg;
}

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view sql) {
    throw StoreError(kind_of(rc), describe(sqlite3_errmsg(db), rc, sql));
}

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct Statement {
    sqlite3_stmt* stmt = nullptr;
    std::vector<int> param_of_slot;  // bind slot i+1 takes params[param_of_slot[i]]
    std::size_t param_count = 0;     // the highest N of the $N written in the SQL
};

// Parses "$N" (N >= 1); 0 when the name is anything else.
int dollar_number(const char* name) {
    if (name == nullptr || name[0] != '$' || name[1] == '\0') return 0;
    long n = 0;
    for (const char* p = name + 1; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9' || n > 100000) return 0;
        n = n * 10 + (*p - '0');
    }
    return static_cast<int>(n);
}

// One SQLite connection and its prepared statements. Used by one thread at a time (the pool hands it out).
class Checkpointer;

class Connection {
  public:
    /// `checkpointer`, when given, is told after each commit that leaves the WAL large. SQLite's own
    /// auto-checkpoint is off on every connection.
    Connection(const SqliteOptions& options, Checkpointer* checkpointer)
        : statement_timeout_(options.statement_timeout) {
        const std::string path = options.file.string();
        int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        if (rc != SQLITE_OK) {
            std::string msg = "sqlite: cannot open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
            sqlite3_close_v2(db_);
            db_ = nullptr;
            throw StoreError(Kind::other, msg);
        }
        try {
            sqlite3_extended_result_codes(db_, 1);
            sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
            std::string mode;
            exec("PRAGMA journal_mode=WAL", &mode);
            if (mode != "wal") {
                throw StoreError(Kind::other, "sqlite: cannot switch " + path + " to WAL mode (got '" + mode + "')");
            }
            exec(
                "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA "
                "journal_size_limit=67108864; PRAGMA cache_size=-" +
                std::to_string(kCacheSizeKiB));
            sqlite3_wal_autocheckpoint(db_, 0);
            if (checkpointer != nullptr) report_to(checkpointer);
            sqlite3_progress_handler(db_, kProgressSteps, &Connection::on_progress, this);
        } catch (...) {
            sqlite3_close_v2(db_);
            throw;
        }
    }

    ~Connection() {
        clear_cache();
        sqlite3_close_v2(db_);
    }

    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* db() const { return db_; }

    /// Runs one or several statements without parameters (migrations, pragmas). `first_value` receives the first
    /// column of the first row, when given.
    void exec(const std::string& sql, std::string* first_value = nullptr) {
        char* err = nullptr;
        auto callback = [](void* out, int columns, char** values, char**) -> int {
            auto* s = static_cast<std::string*>(out);
            if (s != nullptr && s->empty() && columns > 0 && values[0] != nullptr) *s = values[0];
            return 0;
        };
        int rc = sqlite3_exec(db_, sql.c_str(), callback, first_value, &err);
        if (rc != SQLITE_OK) {
            std::string msg = describe(err != nullptr ? err : sqlite3_errmsg(db_), rc, sql);
            sqlite3_free(err);
            throw StoreError(kind_of(rc), msg);
        }
    }

    Statement& prepare(std::string_view sql) {
        if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
        if (cache_.size() >= kMaxCachedStatements) clear_cache();

        Statement s;
        const char* tail = nullptr;
        int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s.stmt,
                                    &tail);
        if (rc != SQLITE_OK) fail(db_, rc, sql);
        if (s.stmt == nullptr) throw StoreError(Kind::other, "sqlite: empty statement: " + std::string(sql_head(sql)));
        auto finalize_on_error = [&](const std::string& msg) {
            sqlite3_finalize(s.stmt);
            throw StoreError(Kind::other, "sqlite: " + msg + " in: " + std::string(sql_head(sql)));
        };
        std::string_view rest(tail, sql.data() + sql.size() - tail);
        if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
            finalize_on_error("one statement per call (several found)");
        }
        const int slots = sqlite3_bind_parameter_count(s.stmt);
        s.param_of_slot.resize(static_cast<std::size_t>(slots));
        for (int i = 1; i <= slots; ++i) {
            int n = dollar_number(sqlite3_bind_parameter_name(s.stmt, i));
            if (n == 0) finalize_on_error("parameters must be written $1..$N");
            s.param_of_slot[static_cast<std::size_t>(i - 1)] = n - 1;
            s.param_count = std::max(s.param_count, static_cast<std::size_t>(n));
        }
        return cache_.emplace(std::string(sql), std::move(s)).first->second;
    }

    void report_to(Checkpointer* checkpointer) { sqlite3_wal_hook(db_, &Connection::on_commit, checkpointer); }

    /// Gives the statements run from now until disarm() statement_timeout to finish.
    void arm() {
        deadline_ = std::chrono::steady_clock::now() + statement_timeout_;
        timed_out_ = false;
    }
    void disarm() { deadline_ = std::chrono::steady_clock::time_point::max(); }
    /// The last interrupt came from the deadline (not from sqlite3_interrupt elsewhere).
    bool timed_out() const { return timed_out_; }
    std::chrono::milliseconds statement_timeout() const { return statement_timeout_; }

  private:
    static int on_commit(void* checkpointer, sqlite3*, const char*, int wal_pages);

    // Non-zero interrupts the running statement (SQLITE_INTERRUPT); a statement inside a write transaction then
    // rolls the whole transaction back.
    static int on_progress(void* self) {
        auto* conn = static_cast<Connection*>(self);
        if (std::chrono::steady_clock::now() < conn->deadline_) return 0;
        conn->timed_out_ = true;
        return 1;
    }

    void clear_cache() {
        for (auto& [sql, s] : cache_) sqlite3_finalize(s.stmt);
        cache_.clear();
    }

    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, Statement, StringHash, std::equal_to<>> cache_;
    std::chrono::milliseconds statement_timeout_;
    std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
    bool timed_out_ = false;
};

// The deadline of one statement's run.
class Deadline {
  public:
    explicit Deadline(Connection& conn) : conn_(conn) { conn_.arm(); }
    ~Deadline() { conn_.disarm(); }
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;

  private:
    Connection& conn_;
};

// Leaves a statement ready for its next use, whatever happened during this one.
class StatementReset {
  public:
    explicit StatementReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~StatementReset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    StatementReset(const StatementReset&) = delete;
    StatementReset& operator=(const StatementReset&) = delete;

  private:
    sqlite3_stmt* stmt_;
};

Value column_value(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
            return static_cast<std::int64_t>(sqlite3_column_int64(stmt, c));
        case SQLITE_FLOAT:
            return sqlite3_column_double(stmt, c);
        case SQLITE_TEXT: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
        }
        case SQLITE_BLOB: {
            const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, c));
            const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt, c));
            return n == 0 ? std::string() : std::string(p, n);
        }
        default:
            return nullptr;
    }
}

// Runs one statement; appends its rows to `rows` when given. Returns the number of rows it changed.
std::int64_t run(Connection& conn, std::string_view sql, std::span<const Value> params, Rows* rows) {
    sqlite3* db = conn.db();
    Statement& s = conn.prepare(sql);
    if (params.size() != s.param_count) {
        throw StoreError(Kind::other, "sqlite: statement takes " + std::to_string(s.param_count) + " parameters, got " +
                                          std::to_string(params.size()) + " in: " + std::string(sql_head(sql)));
    }
    sqlite3_stmt* stmt = s.stmt;
    StatementReset reset(stmt);
    // The params outlive the statement's use (bindings are cleared before returning), so strings bind STATIC.
    for (std::size_t i = 0; i < s.param_of_slot.size(); ++i) {
        const Value& v = params[static_cast<std::size_t>(s.param_of_slot[i])];
        const int slot = static_cast<int>(i + 1);
        int rc = SQLITE_OK;
        switch (v.index()) {
            case 0:
                rc = sqlite3_bind_null(stmt, slot);
                break;
            case 1:
                rc = sqlite3_bind_int64(stmt, slot, std::get<std::int64_t>(v));
                break;
            case 2:
                rc = sqlite3_bind_double(stmt, slot, std::get<double>(v));
                break;
            default: {
                const std::string& str = std::get<std::string>(v);
                rc = sqlite3_bind_text64(stmt, slot, str.data(), str.size(), SQLITE_STATIC, SQLITE_UTF8);
            }
        }
        if (rc != SQLITE_OK) fail(db, rc, sql);
    }
    int columns = -1;  // read after the first step: a schema change re-prepares the statement inside it
    Deadline deadline(conn);
    for (;;) {
        const int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            if (rows == nullptr) continue;
            if (columns < 0) columns = sqlite3_column_count(stmt);
            std::vector<Value> values;
            values.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) values.push_back(column_value(stmt, c));
            rows->emplace_back(std::move(values));
        } else if (rc == SQLITE_DONE) {
            break;
        } else if ((rc & 0xff) == SQLITE_INTERRUPT && conn.timed_out()) {
            const auto limit = conn.statement_timeout();
            throw StatementTimeout(
                describe(("statement ran past its time limit of " + std::to_string(limit.count()) + " ms").c_str(), rc,
                         sql),
                limit);
        } else {
            fail(db, rc, sql);
        }
    }
    return sqlite3_stmt_readonly(stmt) ? 0 : sqlite3_changes64(db);
}

// Copies WAL pages back into the database file off the request path (PASSIVE: never blocks readers or writers).
class Checkpointer {
  public:
    explicit Checkpointer(const SqliteOptions& options)
        : conn_(options, nullptr), thread_([this](std::stop_token stop) { loop(stop); }) {}

    ~Checkpointer() {
        {
            std::lock_guard lock(mutex_);
            thread_.request_stop();
        }
        wake_.notify_one();
    }  // the jthread joins

    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    /// Called on the committing thread; cheap unless a checkpoint is newly due.
    void request() {
        if (requested_.exchange(true, std::memory_order_acq_rel)) return;
        std::lock_guard lock(mutex_);
        wake_.notify_one();
    }

  private:
    void loop(const std::stop_token& stop) {
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [&] { return stop.stop_requested() || requested_.load(std::memory_order_acquire); });
                if (stop.stop_requested()) return;
            }
            requested_.store(false, std::memory_order_release);
            // Busy or partial (a reader still holds old pages) is fine: a later commit asks again.
            sqlite3_wal_checkpoint_v2(conn_.db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        }
    }

    Connection conn_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> requested_{false};
    std::jthread thread_;  // last: starts once the members it uses exist
};

int Connection::on_commit(void* checkpointer, sqlite3*, const char*, int wal_pages) {
    if (wal_pages >= kCheckpointPages) static_cast<Checkpointer*>(checkpointer)->request();
    return SQLITE_OK;
}

class SqliteDatabase;

// A connection borrowed from the pool; returned (or dropped when unusable) on destruction.
class Lease {
  public:
    /// `writer`: the reserved writer connection, which goes back to the database rather than to the pool.
    Lease(SqliteDatabase& owner, Connection* conn, bool writer) : owner_(&owner), conn_(conn), writer_(writer) {}
    Lease(Lease&& other) noexcept
        : owner_(other.owner_), conn_(std::exchange(other.conn_, nullptr)), writer_(other.writer_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    /// Gives the connection back before destruction (a committed write transaction, before it lets the next
    /// writer in: the writer connection must not be touched once the next writer may use it).
    void give_back() noexcept;

    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }

  private:
    SqliteDatabase* owner_;
    Connection* conn_;
    bool writer_;
};

class SqliteTransaction final : public Transaction {
  public:
    SqliteTransaction(std::unique_lock<std::timed_mutex> writer, Lease lease, Database::Access access)
        : writer_(std::move(writer)), lease_(std::move(lease)) {
        run(*lease_, access == Database::Access::write ? "BEGIN IMMEDIATE" : "BEGIN", {}, nullptr);
    }

    ~SqliteTransaction() override {
        if (done_ || sqlite3_get_autocommit(lease_->db())) return;
        try {
            run(*lease_, "ROLLBACK", {}, nullptr);
        } catch (const StoreError&) {
            // The lease drops a connection still inside a transaction rather than pooling it.
        }
    }

    using Transaction::execute;
    using Transaction::query;

    Rows query(std::string_view sql, std::span<const Value> params) override {
        check_open(sql);
        Rows rows;
        run(*lease_, sql, params, &rows);
        return rows;
    }

    std::int64_t execute(std::string_view sql, std::span<const Value> params) override {
        check_open(sql);
        return run(*lease_, sql, params, nullptr);
    }

    void commit() override {
        check_open("COMMIT");
        run(*lease_, "COMMIT", {}, nullptr);
        done_ = true;
        lease_.give_back();
        if (writer_.owns_lock()) writer_.unlock();
    }

    /// Several statements at once, without parameters (migrations).
    void exec_script(const std::string& sql) {
        check_open(sql);
        lease_->exec(sql);
    }

  private:
    void check_open(std::string_view sql) const {
        if (done_)
            throw StoreError(Kind::other, "sqlite: transaction already committed: " + std::string(sql_head(sql)));
        // SQLite rolls a transaction back by itself after some errors (busy, I/O, full); without this check the
        // next statements would silently run in autocommit mode.
        if (sqlite3_get_autocommit(lease_->db())) {
            throw StoreError(Kind::other,
                             "sqlite: transaction was rolled back by an earlier error: " + std::string(sql_head(sql)));
        }
    }

    std::unique_lock<std::timed_mutex> writer_;  // released after the lease: a rollback runs first
    Lease lease_;
    bool done_ = false;
};

class SqliteDatabase final : public Database {
  public:
    explicit SqliteDatabase(SqliteOptions options) : options_(std::move(options)), pool_(options_.max_connections) {
        const auto dir = options_.file.parent_path();
        if (!dir.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(dir, ec);
            if (ec) throw StoreError(Kind::other, "sqlite: cannot create " + dir.string() + ": " + ec.message());
        }
        // Open one connection now so a bad path or a non-WAL file fails at start-up.
        auto first = std::make_unique<Connection>(options_, nullptr);  // creates the file and switches it to WAL
        checkpointer_ = std::make_unique<Checkpointer>(options_);
        first->report_to(checkpointer_.get());
        pool_.add_idle(std::move(first));
    }

    // Writers of this process queue on a mutex rather than on SQLite's lock: SQLite's busy handler waits by
    // sleeping (1, 2, 5, ... 100 ms), which under contention turns a 40 us commit into a tail of hundreds of ms.
    // The lock comes before the connection so waiting writers do not hold pooled connections readers need.
    std::unique_ptr<Transaction> begin(Access access) override {
        std::unique_lock<std::timed_mutex> writer;
        if (access == Access::write) {
            writer = std::unique_lock<std::timed_mutex>(writer_mutex_, std::defer_lock);
            if (!writer.try_lock_for(options_.busy_timeout))
                throw StoreError(Kind::unavailable, "sqlite: " + options_.file.string() +
                                                        ": another writer held the database past busy_timeout");
        }
        return std::make_unique<SqliteTransaction>(std::move(writer),
                                                   access == Access::write ? acquire_writer() : acquire(), access);
    }

    void migrate(std::span<const Migration> migrations) override {
        std::vector<const Migration*> ordered;
        for (const auto& m : migrations) ordered.push_back(&m);
        std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->version < b->version; });
        for (std::size_t i = 1; i < ordered.size(); ++i) {
            if (ordered[i]->version == ordered[i - 1]->version) {
                throw StoreError(Kind::other,
                                 "sqlite: migration version " + std::to_string(ordered[i]->version) + " appears twice");
            }
        }

        std::unordered_set<std::int64_t> applied;
        {
            SqliteTransaction tx(std::unique_lock<std::timed_mutex>(writer_mutex_), acquire_writer(), Access::write);
            tx.exec_script(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                "applied_at TEXT NOT NULL)");
            for (const auto& row : tx.query("SELECT version FROM schema_migrations", {})) applied.insert(row.int64(0));
            tx.commit();
        }
        for (const Migration* m : ordered) {
            if (applied.contains(m->version)) continue;
            SqliteTransaction tx(std::unique_lock<std::timed_mutex>(writer_mutex_), acquire_writer(), Access::write);
            const Value version = static_cast<std::int64_t>(m->version);
            // Another process may have applied it since we looked; BEGIN IMMEDIATE makes this check exclusive.
            if (!tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", std::span(&version, 1)).empty()) {
                continue;
            }
            try {
                tx.exec_script(std::string(m->sqlite_sql));
            } catch (const StoreError& e) {
                throw StoreError(e.kind(), "migration " + std::to_string(m->version) + " (" +
                                               std::string(m->description) + ") failed: " + e.what());
            }
            tx.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) "
                "VALUES ($1, $2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                {version, std::string(m->description)});
            tx.commit();
        }
    }

    bool ping() override {
        try {
            Lease lease = acquire();
            Rows rows;
            run(*lease, "SELECT 1", {}, &rows);
            return rows.size() == 1 && rows[0].int64(0) == 1;
        } catch (const StoreError&) {
            return false;
        }
    }

    Dialect dialect() const override { return Dialect::sqlite; }

    // A writer's lease comes back while its transaction still holds writer_mutex_, which guards writer_conn_.
    void release(Connection* conn, bool writer) noexcept {
        const bool healthy = sqlite3_get_autocommit(conn->db()) != 0;
        if (!writer) {
            pool_.release(conn, healthy);
        } else if (!healthy) {
            writer_conn_.reset();  // reopened by the next writer
        }
    }

  private:
    // Every write transaction runs on one reserved connection (the caller holds writer_mutex_). SQLite discards a
    // connection's page cache whenever another connection wrote since its last transaction; with writes spread over
    // the pool, each commit re-read its B-tree pages (7 preads per created task). One writer keeps its cache warm.
    Lease acquire_writer() {
        if (writer_conn_ == nullptr) writer_conn_ = std::make_unique<Connection>(options_, checkpointer_.get());
        return Lease(*this, writer_conn_.get(), true);
    }

    // Waiting longer than busy_timeout for a pooled connection means the pool is exhausted (a caller holding
    // transactions too long): unavailable.
    Lease acquire() {
        const auto deadline = std::chrono::steady_clock::now() + options_.busy_timeout;
        auto taken =
            pool_.acquire(deadline, [this] { return std::make_unique<Connection>(options_, checkpointer_.get()); });
        if (!taken) {
            throw StoreError(Kind::unavailable, "sqlite: all " + std::to_string(pool_.max_connections()) +
                                                    " connections to " + options_.file.string() +
                                                    " stayed in use past busy_timeout");
        }
        return Lease(*this, taken->conn, false);
    }

    SqliteOptions options_;
    std::unique_ptr<Checkpointer> checkpointer_;  // destroyed after the pool's connections, which report to it
    std::timed_mutex writer_mutex_;               // one writer of this process at a time (see begin())
    std::unique_ptr<Connection> writer_conn_;     // guarded by writer_mutex_; not one of the pooled readers
    ConnectionPool<Connection> pool_;
};

Lease::~Lease() { give_back(); }

void Lease::give_back() noexcept {
    if (conn_ != nullptr) owner_->release(std::exchange(conn_, nullptr), writer_);
}

}  // namespace

std::unique_ptr<Database> open_sqlite(const SqliteOptions& options) {
    return std::make_unique<SqliteDatabase>(options);
}

}  // namespace todoai::store

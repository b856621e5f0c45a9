#include "runtime/store/postgres_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <array>
#include <charconv>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace todoai::store::postgres {
namespace {

using Kind = StoreError::Kind;

constexpr std::size_t kSqlInMessage = 80;
// Services use a bounded set of SQL strings, but a query built from filter combinations could grow the cache without
// limit, so past this size the connection's statements are deallocated and prepared again as they come.
constexpr std::size_t kMaxCachedStatements = 512;

// Type OIDs (catalog/pg_type_d.h, stable across server versions; the server headers are not installed).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// libpq messages span lines ("...failed: Connection refused\n\tIs the server running..."); ours are one line.
std::string one_line(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\n' || c == '\r') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else if (c == '\t') {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else {
            out += c;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

// SQLSTATEs that mean "try again later" rather than "this request is wrong": the connection or server went away, the
// server is full or shutting down, the statement timed out, or the transaction lost a serialization/deadlock race.
Kind kind_of(const char* sqlstate) {
    if (sqlstate == nullptr) return Kind::other;
    const std::string_view s(sqlstate);
    if (s.starts_with("23")) return Kind::constraint;
    // 08P01 (protocol violation) is what a wrong parameter count gives: the caller's bug, not an outage.
    if (s == "08P01") return Kind::other;
    if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03" || s == "53300" || s == "57014" ||
        s == "40001" || s == "40P01") {
        return Kind::unavailable;
    }
    return Kind::other;
}

// The session is over after these: the server ended it (admin shutdown, terminate_backend, crash) or it was lost.
bool ends_session(const char* sqlstate) {
    if (sqlstate == nullptr) return false;
    const std::string_view s(sqlstate);
    return (s.starts_with("08") && s != "08P01") || s == "57P01" || s == "57P02" || s == "57P03";
}

Value column_value(const PGresult* res, int row, int col) {
    if (PQgetisnull(res, row, col)) return nullptr;
    const char* text = PQgetvalue(res, row, col);
    const auto length = static_cast<std::size_t>(PQgetlength(res, row, col));
    const char* end = text + length;
    switch (PQftype(res, col)) {
        case kInt2Oid:
        case kInt4Oid:
        case kInt8Oid: {
            std::int64_t v = 0;
            if (std::from_chars(text, end, v).ec == std::errc()) return v;
            break;
        }
        case kNumericOid: {
            // SUM() and AVG() of integers are numeric; an integral one reads as an integer, as SQLite gives it.
            std::int64_t v = 0;
            if (auto [p, ec] = std::from_chars(text, end, v); ec == std::errc() && p == end) return v;
            [[fallthrough]];
        }
        case kFloat4Oid:
        case kFloat8Oid: {
            double v = 0;
            if (std::from_chars(text, end, v).ec == std::errc()) return v;
            break;
        }
        case kBoolOid:
            return std::int64_t{length > 0 && text[0] == 't' ? 1 : 0};
        default:
            break;
    }
    return std::string(text, length);
}

// The cache key: one letter per parameter type, then the SQL. Integers and reals are declared (int8, float8) so that
// `$1 * 2` with 1.5 is not read as an integer; text and NULL are left to the server to infer from their use.
std::string statement_key(std::string_view sql, std::span<const Value> params) {
    std::string key;
    key.reserve(params.size() + 1 + sql.size());
    for (const auto& p : params) key += p.index() == 1 ? 'i' : p.index() == 2 ? 'd' : '-';
    key += '|';
    key.append(sql);
    return key;
}

std::string to_text(double v) {
    std::array<char, 32> buf{};
    auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);  // shortest text that reads back exactly
    return std::string(buf.data(), ec == std::errc() ? end : buf.data());
}

}  // namespace

std::string server_address(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (options == nullptr) {
        PQfreemem(error);
        return "<unparsable database url>";
    }
    std::string host, port, dbname;
    for (auto* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        const std::string_view key(o->keyword);
        if (key == "host" || (key == "hostaddr" && host.empty())) host = o->val;
        if (key == "port") port = o->val;
        if (key == "dbname") dbname = o->val;
    }
    PQconninfoFree(options);
    if (host.empty()) host = "localhost";
    if (port.empty()) port = "5432";
    std::string out = host + ":" + port;
    if (!dbname.empty()) out += "/" + dbname;
    return out;
}

std::string_view sql_head(std::string_view sql) {
    const auto start = sql.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return {};
    return sql.substr(start, kSqlInMessage);
}

namespace {

// Parameters as the text libpq sends; owns the text of numbers. Not movable: data() points into it.
class ParamTexts {
  public:
    ParamTexts(std::span<const Value> params, std::string_view sql) : numbers_(params.size()), values_(params.size()) {
        for (std::size_t i = 0; i < params.size(); ++i) {
            const Value& v = params[i];
            if (const auto* n = std::get_if<std::int64_t>(&v)) {
                numbers_[i] = std::to_string(*n);
                values_[i] = numbers_[i].c_str();
            } else if (const auto* d = std::get_if<double>(&v)) {
                numbers_[i] = to_text(*d);
                values_[i] = numbers_[i].c_str();
            } else if (const auto* s = std::get_if<std::string>(&v)) {
                // PostgreSQL text cannot hold NUL; sent as C strings it would be cut short without a word.
                if (s->find('\0') != std::string::npos) {
                    throw StoreError(Kind::other, "postgres: parameter $" + std::to_string(i + 1) +
                                                      " holds a NUL byte in: " + std::string(sql_head(sql)));
                }
                values_[i] = s->c_str();
            }
        }
    }
    ParamTexts(const ParamTexts&) = delete;
    ParamTexts& operator=(const ParamTexts&) = delete;

    const char* const* data() const { return values_.data(); }
    int size() const { return static_cast<int>(values_.size()); }

  private:
    std::vector<std::string> numbers_;
    std::vector<const char*> values_;  // nullptr: SQL NULL
};

}  // namespace

Connection::Connection(const PostgresOptions& options)
    : address_(server_address(options.url)), statement_timeout_(options.statement_timeout) {
    // libpq's connect_timeout is in whole seconds (and at least 2); round up so a short timeout is not zero (= none).
    const auto timeout_s = std::max<std::int64_t>(1, (options.connect_timeout.count() + 999) / 1000);
    const std::string connect_timeout = std::to_string(timeout_s);
    // Set at connection start-up, these survive anything a statement does (RESET ALL, DISCARD ALL).
    const std::string session_options = "-c search_path=" + options.schema +
                                        " -c statement_timeout=" + std::to_string(options.statement_timeout.count()) +
                                        (options.synchronous_commit ? "" : " -c synchronous_commit=off");
    const char* const keys[] = {"dbname", "connect_timeout", "options", "application_name", "client_encoding", nullptr};
    const char* const values[] = {
        options.url.c_str(), connect_timeout.c_str(), session_options.c_str(), "todoai", "UTF8", nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        std::string why = conn_ != nullptr ? one_line(PQerrorMessage(conn_)) : "out of memory";
        PQfinish(conn_);
        throw StoreError(Kind::unavailable, "postgres: cannot connect to " + address_ + ": " + why);
    }
    // Notices ("schema ... already exists, skipping") would go to stderr; they carry nothing to act on.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }

bool Connection::alive() {
    // A closed session leaves its last words (a FATAL error) and then end-of-file on the socket: each read takes one,
    // so read while the socket stays readable. A healthy idle connection has nothing to read: one poll, no wait.
    for (int reads = 0; reads < 4 && !broken(); ++reads) {
        pollfd fd{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
        if (fd.fd < 0 || ::poll(&fd, 1, 0) < 0) {
            broken_ = true;
            break;
        }
        if (fd.revents == 0) break;
        if (PQconsumeInput(conn_) == 0) broken_ = true;
    }
    return !broken();
}

bool Connection::idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

bool Connection::in_failed_transaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

void Connection::fail(const pg_result* result, std::string_view sql) {
    const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    Kind kind = kind_of(sqlstate);
    if (broken_ || ends_session(sqlstate) || PQstatus(conn_) != CONNECTION_OK) {
        broken_ = true;
        kind = Kind::unavailable;
    }
    std::string msg = "postgres (" + address_ + "): ";
    msg += primary != nullptr ? one_line(primary) : one_line(PQerrorMessage(conn_));
    if (sqlstate != nullptr) msg += std::string(" [SQLSTATE ") + sqlstate + "]";
    msg += " in: ";
    msg += sql_head(sql);
    // 57014 is any cancel; the process sends none, so it is the session's statement_timeout.
    if (!broken_ && sqlstate != nullptr && std::string_view(sqlstate) == "57014")
        throw StatementTimeout(msg, statement_timeout_);
    throw StoreError(kind, msg);
}

void Connection::make_room(std::size_t statements) {
    if (statements_.size() + statements <= kMaxCachedStatements) return;
    exec("DEALLOCATE ALL");
    statements_.clear();
}

const std::string& Connection::prepare(std::string_view sql, std::span<const Value> params) {
    std::string key = statement_key(sql, params);
    if (auto it = statements_.find(key); it != statements_.end()) return it->second;
    make_room(1);
    std::vector<Oid> types(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (params[i].index() == 1) types[i] = kInt8Oid;
        if (params[i].index() == 2) types[i] = kFloat8Oid;
    }
    std::string name = "todoai_" + std::to_string(next_statement_++);
    const std::string text(sql);
    Result res(PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()), types.data()));
    if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) fail(res.get(), sql);
    return statements_.emplace(std::move(key), std::move(name)).first->second;
}

Connection::Outcome Connection::run(std::string_view sql, std::span<const Value> params, Rows* rows) {
    if (in_failed_transaction()) {
        throw StoreError(Kind::other,
                         "postgres: transaction was aborted by an earlier error: " + std::string(sql_head(sql)));
    }
    const ParamTexts texts(params, sql);
    const std::string& name = prepare(sql, params);
    Result res(PQexecPrepared(conn_, name.c_str(), texts.size(), texts.data(), nullptr, nullptr, /*resultFormat=*/0));
    return read_result(res.get(), sql, rows);
}

Connection::Outcome Connection::run_pipeline(std::span<const Statement> before, Statement last, Rows* rows) {
    if (in_failed_transaction()) {
        throw StoreError(Kind::other,
                         "postgres: transaction was aborted by an earlier error: " + std::string(sql_head(last.sql)));
    }
    std::vector<Statement> all(before.begin(), before.end());
    all.push_back(last);
    // Prepared beforehand, one round trip each but once per connection; room is made first so that preparing one
    // never deallocates another of this pipeline.
    make_room(all.size());
    std::deque<ParamTexts> texts;  // not movable: a deque never moves its elements
    std::vector<std::string> names;
    names.reserve(all.size());
    for (const auto& statement : all) {
        texts.emplace_back(statement.params, statement.sql);
        names.push_back(prepare(statement.sql, statement.params));
    }

    bool sent = PQenterPipelineMode(conn_) == 1;
    for (std::size_t i = 0; sent && i < all.size(); ++i)
        sent = PQsendQueryPrepared(conn_, names[i].c_str(), texts[i].size(), texts[i].data(), nullptr, nullptr, 0) == 1;
    sent = sent && PQpipelineSync(conn_) == 1;
    if (!sent) {
        broken_ = true;  // a half-sent pipeline leaves the connection in an unknown state
        fail(nullptr, last.sql);
    }

    // Each statement's results end with a null; the sync point ends the pipeline. After a failure the server skips
    // the rest (PGRES_PIPELINE_ABORTED) up to the sync.
    Outcome outcome;
    Result error;
    std::size_t error_index = 0, index = 0;
    bool synced = false;
    while (!synced && !broken()) {
        Result res(PQgetResult(conn_));
        if (!res) {
            if (++index > all.size()) broken_ = true;  // no sync point where one must come: give the connection up
            continue;
        }
        const auto status = PQresultStatus(res.get());
        if (status == PGRES_PIPELINE_SYNC) {
            synced = true;
        } else if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
            if (index + 1 == all.size() && !error) outcome = read_result(res.get(), last.sql, rows);
        } else if (status != PGRES_PIPELINE_ABORTED && !error) {
            error = std::move(res);
            error_index = std::min(index, all.size() - 1);
        }
    }
    if (!synced || PQexitPipelineMode(conn_) != 1) broken_ = true;
    if (error) fail(error.get(), all[error_index].sql);
    if (broken_) fail(nullptr, last.sql);
    return outcome;
}

Connection::Outcome Connection::read_result(pg_result* result, std::string_view sql, Rows* rows) {
    const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(result, sql);

    if (rows != nullptr && status == PGRES_TUPLES_OK) {
        const int n = PQntuples(result);
        const int columns = PQnfields(result);
        rows->reserve(rows->size() + static_cast<std::size_t>(n));
        for (int r = 0; r < n; ++r) {
            std::vector<Value> values_of_row;
            values_of_row.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) values_of_row.push_back(column_value(result, r, c));
            rows->emplace_back(std::move(values_of_row));
        }
    }
    Outcome outcome{.changed = 0, .tag = PQcmdStatus(result)};
    // PQcmdTuples also counts a SELECT's rows; only changed rows count here, as with SQLite.
    if (outcome.tag.starts_with("SELECT")) return outcome;
    const char* changed = PQcmdTuples(result);
    if (changed != nullptr)
        std::from_chars(changed, changed + std::char_traits<char>::length(changed), outcome.changed);
    return outcome;
}

std::string Connection::exec(std::string_view sql) {
    const std::string text(sql);
    Result res(PQexec(conn_, text.c_str()));
    const auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY) fail(res.get(), sql);
    return PQcmdStatus(res.get());
}

}  // namespace todoai::store::postgres

#include "services/audit/audit_repository.hpp"

#include "runtime/pubsub/processed_events.hpp"
#include "runtime/store/batch_insert.hpp"

namespace todoai::audit {
namespace {

// `item` is the audit item's API JSON, so a read concatenates stored text. The other columns exist for filtering.
// `seq` orders the trail (the order events reached this service, which keeps each user's publish order) and is
// the cursor. Times are format_rfc3339 text, which sorts like instants.
constexpr std::string_view kAuditLogSqlite = R"sql(
CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    task_id        TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    occurred_at    TEXT NOT NULL,
    source         TEXT NOT NULL,
    item           TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX audit_log_by_user ON audit_log (user_id, seq);
CREATE INDEX audit_log_by_user_task ON audit_log (user_id, task_id, seq);
)sql";

constexpr std::string_view kAuditLogPostgres = R"sql(
CREATE TABLE audit_log (
    seq            BIGSERIAL PRIMARY KEY,
    event_id       TEXT NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    task_id        TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    occurred_at    TEXT NOT NULL,
    source         TEXT NOT NULL,
    item           TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX audit_log_by_user ON audit_log (user_id, seq);
CREATE INDEX audit_log_by_user_task ON audit_log (user_id, task_id, seq);
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "processed event markers", pubsub::kProcessedEventsSql, pubsub::kProcessedEventsSql},
    {2, "audit log", kAuditLogSqlite, kAuditLogPostgres},
    {3, "processed markers by time (pruning)", pubsub::kProcessedEventsByTimeSql, pubsub::kProcessedEventsByTimeSql},
};

}  // namespace

std::span<const store::Migration> audit_migrations() { return kMigrations; }

void insert_records(store::Transaction& tx, std::span<const AuditRecord* const> records, std::string_view recorded_at) {
    constexpr std::size_t kColumns = 9;
    for (std::size_t from = 0; from < records.size();) {
        const std::size_t rows = store::batch_rows(records.size() - from);
        std::vector<store::Value> params;
        params.reserve(rows * kColumns);
        for (std::size_t i = from; i < from + rows; ++i) {
            const AuditRecord& r = *records[i];
            for (const auto* v : {&r.event_id, &r.event_type, &r.task_id, &r.user_id, &r.correlation_id, &r.timestamp,
                                  &r.source, &r.item})
                params.emplace_back(*v);
            params.emplace_back(std::string(recorded_at));
        }
        tx.execute_deferred(  // sent with the commit
            "INSERT INTO audit_log (event_id, event_type, task_id, user_id, correlation_id, occurred_at, source, "
            "item, recorded_at) VALUES " +
                store::values_list(rows, kColumns) + " ON CONFLICT (event_id) DO NOTHING",
            params);
        from += rows;
    }
}

AuditPage list_records(store::Transaction& tx, std::string_view user_id, const AuditQuery& q) {
    // At most 2^5 statement texts, each prepared once per connection.
    std::vector<store::Value> params{std::string(user_id)};
    std::string sql = "SELECT seq, item FROM audit_log WHERE user_id = $1";
    auto bind = [&](store::Value v) {
        params.push_back(std::move(v));
        std::string placeholder(1, '$');  // appended, not "$" + ...: GCC 12 -O3 warns (-Wrestrict) on the latter
        placeholder += std::to_string(params.size());
        return placeholder;
    };
    if (q.task_id) sql += " AND task_id = " + bind(*q.task_id);
    if (q.event_type) sql += " AND event_type = " + bind(*q.event_type);
    if (q.from) sql += " AND occurred_at >= " + bind(*q.from);
    if (q.to) sql += " AND occurred_at <= " + bind(*q.to);
    if (q.before_seq) sql += " AND seq < " + bind(*q.before_seq);
    sql += " ORDER BY seq DESC LIMIT " + bind(std::int64_t{q.limit} + 1);

    auto rows = tx.query(sql, params);
    AuditPage page;
    const auto limit = static_cast<std::size_t>(q.limit);
    page.items.reserve(std::min(rows.size(), limit));
    for (std::size_t i = 0; i < rows.size() && i < limit; ++i) page.items.push_back(rows[i].text(1));
    if (rows.size() > limit) page.next_before_seq = rows[limit - 1].int64(0);
    return page;
}

}  // namespace todoai::audit

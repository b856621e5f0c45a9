#include "runtime/pubsub/dead_letter_store.hpp"

#include "core/time.hpp"

namespace todoai::pubsub {
namespace {

using Access = store::Database::Access;

constexpr std::string_view kSqlite = R"sql(
CREATE TABLE dead_letters (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    topic          TEXT NOT NULL,
    original_topic TEXT NOT NULL,
    grp            TEXT NOT NULL,
    msg_key        TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    payload        TEXT NOT NULL,
    reason         TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    failed_at      TEXT NOT NULL,
    requeued       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX dead_letters_by_topic ON dead_letters (topic, id);
CREATE INDEX dead_letters_requeued ON dead_letters (id) WHERE requeued = 1;
CREATE TABLE dead_letter_topics (
    topic TEXT PRIMARY KEY
);
)sql";

constexpr std::string_view kPostgres = R"sql(
CREATE TABLE dead_letters (
    id             BIGSERIAL PRIMARY KEY,
    topic          TEXT NOT NULL,
    original_topic TEXT NOT NULL,
    grp            TEXT NOT NULL,
    msg_key        TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    payload        TEXT NOT NULL,
    reason         TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    failed_at      TEXT NOT NULL,
    requeued       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX dead_letters_by_topic ON dead_letters (topic, id);
CREATE INDEX dead_letters_requeued ON dead_letters (id) WHERE requeued = 1;
CREATE TABLE dead_letter_topics (
    topic TEXT PRIMARY KEY
);
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "dead letters of the embedded bus", kSqlite, kPostgres},
};

constexpr std::string_view kColumns =
    "id, topic, original_topic, grp, msg_key, event_id, payload, reason, attempts, failed_at, requeued";

DeadLetter from_row(const store::Row& row) {
    return DeadLetter{
        .id = row.int64(0),
        .topic = row.text(1),
        .original_topic = row.text(2),
        .group = row.text(3),
        .key = row.text(4),
        .event_id = row.text(5),
        .payload = row.text(6),
        .reason = row.text(7),
        .attempts = static_cast<int>(row.int64(8)),
        .failed_at = row.text(9),
        .requeued = row.int64(10) != 0,
    };
}

std::vector<DeadLetter> from_rows(const store::Rows& rows) {
    std::vector<DeadLetter> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(from_row(row));
    return out;
}

// "task-events" and "task-events-dlq" both name the dead-letter topic "task-events-dlq".
std::string dlq_name(std::string_view topic) {
    constexpr std::string_view kSuffix = "-dlq";
    if (topic.size() > kSuffix.size() && topic.ends_with(kSuffix)) return std::string(topic);
    return dead_letter_topic(topic);
}

}  // namespace

DeadLetterStore::DeadLetterStore(store::Database& db) : db_(db) {}

std::span<const store::Migration> DeadLetterStore::migrations() { return kMigrations; }

void DeadLetterStore::add(const Message& message, std::string_view group, std::string_view reason, Timestamp now) {
    const auto topic = dead_letter_topic(message.topic);
    auto tx = db_.begin(Access::write);
    tx->execute(
        "INSERT INTO dead_letters (topic, original_topic, grp, msg_key, event_id, payload, reason, attempts, "
        "failed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        {topic, message.topic, std::string(group), message.key, message.id, message.payload, std::string(reason),
         static_cast<std::int64_t>(message.attempt), format_rfc3339(now)});
    tx->execute("INSERT INTO dead_letter_topics (topic) VALUES ($1) ON CONFLICT (topic) DO NOTHING", {topic});
    tx->commit();
}

std::vector<DeadLetter> DeadLetterStore::list(std::string_view topic, std::size_t limit) {
    auto tx = db_.begin(Access::read);
    return from_rows(
        tx->query("SELECT " + std::string(kColumns) + " FROM dead_letters WHERE topic = $1 ORDER BY id LIMIT $2",
                  {dlq_name(topic), static_cast<std::int64_t>(limit)}));
}

std::size_t DeadLetterStore::requeue(std::string_view topic) {
    auto tx = db_.begin(Access::write);
    const auto n = tx->execute("UPDATE dead_letters SET requeued = 1 WHERE topic = $1", {dlq_name(topic)});
    tx->commit();
    return static_cast<std::size_t>(n);
}

std::vector<DeadLetter> DeadLetterStore::take_requeued(std::size_t limit) {
    auto tx = db_.begin(Access::read);
    return from_rows(
        tx->query("SELECT " + std::string(kColumns) + " FROM dead_letters WHERE requeued = 1 ORDER BY id LIMIT $1",
                  {static_cast<std::int64_t>(limit)}));
}

void DeadLetterStore::remove(std::int64_t id) {
    auto tx = db_.begin(Access::write);
    tx->execute("DELETE FROM dead_letters WHERE id = $1", {id});
    tx->commit();
}

std::vector<std::string> DeadLetterStore::topics() {
    auto tx = db_.begin(Access::read);
    std::vector<std::string> out;
    for (const auto& row : tx->query("SELECT topic FROM dead_letter_topics ORDER BY topic")) out.push_back(row.text(0));
    return out;
}

}  // namespace todoai::pubsub

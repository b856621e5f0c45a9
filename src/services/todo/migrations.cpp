#include "services/todo/migrations.hpp"

#include "runtime/pubsub/outbox.hpp"

namespace todoai::todo {
namespace {

// Tasks keep the columns the list filters and sorts on, plus `doc`: the task's API JSON, so a read returns stored
// bytes without parsing or serializing. Times are RFC 3339 UTC text with milliseconds, which sorts like instants.
// On PostgreSQL the columns the list sorts and pages on compare bytewise (COLLATE "C"), as SQLite's do: a database
// created with a natural-language locale would otherwise order titles differently and put the '~' that stands in
// for a missing due date (task_repository.cpp) before the dates instead of after them.
constexpr std::string_view kInitialSqlite = R"sql(
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    title_key     TEXT NOT NULL,
    search_text   TEXT NOT NULL,
    status        TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    tags          TEXT NOT NULL,
    due_date      TEXT,
    series_id     TEXT,
    created_at    TEXT NOT NULL,
    version       INTEGER NOT NULL,
    doc           TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX tasks_by_user_created ON tasks (user_id, created_at, id);
CREATE INDEX tasks_by_user_due ON tasks (user_id, due_date);
CREATE TABLE idempotency_keys (
    user_id       TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_body  TEXT NOT NULL,
    task_id       TEXT NOT NULL,
    response      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
)sql";

constexpr std::string_view kInitialPostgres = R"sql(
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE tasks (
    id            TEXT COLLATE "C" PRIMARY KEY,
    user_id       TEXT NOT NULL,
    title_key     TEXT COLLATE "C" NOT NULL,
    search_text   TEXT NOT NULL,
    status        TEXT NOT NULL,
    priority_rank BIGINT NOT NULL,
    tags          TEXT NOT NULL,
    due_date      TEXT COLLATE "C",
    series_id     TEXT,
    created_at    TEXT COLLATE "C" NOT NULL,
    version       BIGINT NOT NULL,
    doc           TEXT NOT NULL
);
CREATE INDEX tasks_by_user_created ON tasks (user_id, created_at, id);
CREATE INDEX tasks_by_user_due ON tasks (user_id, due_date);
CREATE TABLE idempotency_keys (
    user_id       TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_body  TEXT NOT NULL,
    task_id       TEXT NOT NULL,
    response      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
)sql";

// The category a client files a task under (the notes' front end requires one); a list filter, so a column. Tasks
// stored before it have none, as their `doc` (which has no "category" key: the API reads it as null) says.
constexpr std::string_view kCategorySql = "ALTER TABLE tasks ADD COLUMN category TEXT;";

constexpr store::Migration kMigrations[] = {
    {1, "users, tasks, idempotency keys", kInitialSqlite, kInitialPostgres},
    {2, "outbox", pubsub::kOutboxSqlite, pubsub::kOutboxPostgres},
    {3, "task category", kCategorySql, kCategorySql},
};

}  // namespace

std::span<const store::Migration> migrations() { return kMigrations; }

}  // namespace todoai::todo

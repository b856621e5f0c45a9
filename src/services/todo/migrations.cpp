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

// Search (`q=`) by an index rather than a scan of the user's tasks: a substring within the title or within the
// description, ASCII-case-insensitive (both sides lowercased), for needles of three characters or more
// (task_repository.cpp reads shorter ones from the user's own tasks).
//
// SQLite: an FTS5 table with the trigram tokenizer, one row per task, title and description as two columns so that a
// phrase cannot match across them. case_sensitive 1: the text is lowercased already, and folding non-ASCII letters
// as well would match more than the LIKE it replaces. tasks has no rowid (WITHOUT ROWID), so task_search_ids gives
// each task the integer id its FTS row is keyed by, and holds its user, so a search keeps the user's matches before
// reading any task (a task's user never changes). Triggers keep both in step with every write to tasks; the
// INSERTs index the tasks stored before this migration.
constexpr std::string_view kSearchSqlite = R"sql(
CREATE TABLE task_search_ids (
    id      INTEGER PRIMARY KEY,
    task_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL
);
CREATE VIRTUAL TABLE task_search USING fts5(title, description, tokenize = 'trigram case_sensitive 1');
INSERT INTO task_search_ids (task_id, user_id) SELECT id, user_id FROM tasks;
INSERT INTO task_search (rowid, title, description)
    SELECT i.id, t.title_key, substr(t.search_text, length(t.title_key) + 2)
    FROM task_search_ids i JOIN tasks t ON t.id = i.task_id;
CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO task_search_ids (task_id, user_id) VALUES (new.id, new.user_id);
    INSERT INTO task_search (rowid, title, description)
        VALUES ((SELECT id FROM task_search_ids WHERE task_id = new.id), new.title_key,
                substr(new.search_text, length(new.title_key) + 2));
END;
CREATE TRIGGER tasks_search_update AFTER UPDATE OF search_text ON tasks
    WHEN old.search_text IS NOT new.search_text BEGIN
    UPDATE task_search SET title = new.title_key, description = substr(new.search_text, length(new.title_key) + 2)
        WHERE rowid = (SELECT id FROM task_search_ids WHERE task_id = new.id);
END;
CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks BEGIN
    DELETE FROM task_search WHERE rowid = (SELECT id FROM task_search_ids WHERE task_id = old.id);
    DELETE FROM task_search_ids WHERE task_id = old.id;
END;
)sql";

// PostgreSQL: pg_trgm's GIN indexes on the title and on the description expression the list's LIKE uses; the index
// finds candidates by trigram and the LIKE is rechecked on each, so the result is exactly the LIKE's. The extension is
// per database: it goes into `public` unless an administrator created it elsewhere beforehand (a role without CREATE
// on the database needs that), and the indexes name its operator class in whichever schema holds it. The advisory
// lock (database-wide, unlike the per-schema migration lock) keeps services or tests migrating at once from racing
// on CREATE EXTENSION.
constexpr std::string_view kSearchPostgres = R"sql(
SELECT pg_advisory_xact_lock(1953457154, 0);
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
DO $$
DECLARE
    ops text := (SELECT quote_ident(n.nspname) || '.gin_trgm_ops'
                 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm');
BEGIN
    EXECUTE 'CREATE INDEX tasks_title_trgm ON tasks USING gin (title_key ' || ops || ')';
    EXECUTE 'CREATE INDEX tasks_description_trgm ON tasks USING gin ((substr(search_text, length(title_key) + 2)) '
            || ops || ')';
END
$$;
)sql";

// An index per sort of the list, each ending in id like the list's ORDER BY, so a page (any sort, either order, from
// any cursor) is a range of one index and not a sort of all the user's tasks. A missing due date sorts as '~' going
// up and as '' going down (task_repository.cpp): one index for each. The counts (GET .../stats) read the user's
// (user_id, status) entries alone. The same text on both stores.
constexpr std::string_view kSortIndexesSql = R"sql(
CREATE INDEX tasks_by_user_status ON tasks (user_id, status);
CREATE INDEX tasks_by_user_priority ON tasks (user_id, priority_rank, id);
CREATE INDEX tasks_by_user_title ON tasks (user_id, title_key, id);
CREATE INDEX tasks_by_user_due_asc ON tasks (user_id, (COALESCE(due_date, '~')), id);
CREATE INDEX tasks_by_user_due_desc ON tasks (user_id, (COALESCE(due_date, '')), id);
)sql";

constexpr store::Migration kMigrations[] = {
    {1, "users, tasks, idempotency keys", kInitialSqlite, kInitialPostgres},
    {2, "outbox", pubsub::kOutboxSqlite, pubsub::kOutboxPostgres},
    {3, "task category", kCategorySql, kCategorySql},
    {4, "search index", kSearchSqlite, kSearchPostgres},
    {5, "an index per list sort, and for the counts", kSortIndexesSql, kSortIndexesSql},
};

}  // namespace

std::span<const store::Migration> migrations() { return kMigrations; }

}  // namespace todoai::todo

#pragma once
// The todo service's SQL for tasks. Every function runs inside the caller's transaction.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.hpp"
#include "runtime/store/database.hpp"
#include "services/todo/task_query.hpp"

namespace todoai::todo {

/// A task as stored: its API JSON and its version (for ETag / If-Match).
struct StoredTask {
    std::string doc;
    std::int64_t version = 0;
};

/// How many tasks a user has, by state (in_progress counts as pending: not done yet).
struct TaskCounts {
    std::int64_t total = 0;
    std::int64_t pending = 0;
    std::int64_t completed = 0;
};

struct TaskPage {
    std::vector<std::string> docs;  // API JSON of each task, in list order
    std::optional<std::string> next_cursor;
};

/// The fixed statements, named for the tests that read their plans (tests/services/todo/task_repository_test.cpp):
/// each runs per request, so each must keep an index that fits it as the table grows.
namespace sql {
inline constexpr std::string_view kFind = "SELECT doc, version FROM tasks WHERE id = $1 AND user_id = $2";
inline constexpr std::string_view kInsert =
    "INSERT INTO tasks (id, user_id, title_key, search_text, status, priority_rank, tags, due_date, series_id, "
    "created_at, version, doc, category) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
inline constexpr std::string_view kUpdate =
    "UPDATE tasks SET user_id = $2, title_key = $3, search_text = $4, status = $5, priority_rank = $6, tags = $7, "
    "due_date = $8, series_id = $9, created_at = $10, version = $11, doc = $12, category = $13 "
    "WHERE id = $1 AND version = $14";
inline constexpr std::string_view kRemove = "DELETE FROM tasks WHERE id = $1 AND user_id = $2";
inline constexpr std::string_view kRemoveVersion = "DELETE FROM tasks WHERE id = $1 AND user_id = $2 AND version = $3";
inline constexpr std::string_view kCounts = "SELECT status, COUNT(*) FROM tasks WHERE user_id = $1 GROUP BY status";
}  // namespace sql

class TaskRepository {
  public:
    /// The task `id` of `user_id`, or nothing (another user's task is "not found" too).
    static std::optional<StoredTask> find(store::Transaction& tx, std::string_view user_id, std::string_view id);

    /// Deferred (Transaction::execute_deferred): a failure shows at the next statement or the commit.
    static void insert(store::Transaction& tx, const Task& task, const std::string& doc);

    /// Writes `task` (its version already incremented) only if the stored version is still `expected_version`.
    /// Returns false when another writer got there first.
    static bool update(store::Transaction& tx, const Task& task, const std::string& doc, std::int64_t expected_version);

    static bool remove(store::Transaction& tx, std::string_view user_id, std::string_view id);
    /// Deletes the task only if its stored version is still `expected_version`; false when another writer changed or
    /// deleted it since it was read. On PostgreSQL writers are not serialized, so a read-then-delete needs this.
    static bool remove(store::Transaction& tx,
                       std::string_view user_id,
                       std::string_view id,
                       std::int64_t expected_version);

    /// One page of the user's tasks under `query`.
    static TaskPage list(store::Transaction& tx,
                         store::Dialect dialect,
                         std::string_view user_id,
                         const TaskQuery& query);

    /// The statement list() runs, for a test to read its plan.
    struct Statement {
        std::string sql;
        std::vector<store::Value> params;
    };
    /// How a search of three characters or more finds its tasks on SQLite: through the trigram index (the matches of
    /// every user, then the user's), or by reading the user's tasks in list order until the page is full. list()
    /// picks by how many tasks of all users the needle is in (SearchPath::index when few); PostgreSQL's planner
    /// weighs the same with its statistics, so there the path is ignored.
    enum class SearchPath { index, user_rows };
    static Statement list_statement(store::Dialect dialect,
                                    std::string_view user_id,
                                    const TaskQuery& query,
                                    SearchPath path = SearchPath::index);

    static TaskCounts counts(store::Transaction& tx, std::string_view user_id);

    /// Those of `ids` whose task exists (of any user) and is not complete, in no particular order.
    static std::vector<std::string> open_ids(store::Transaction& tx, const std::vector<std::string>& ids);
};

}  // namespace todoai::todo

#pragma once
// The todo service's SQL for tasks. Every function runs inside the caller's transaction.
#include <optional>
#include <string>
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

    static TaskPage list(store::Transaction& tx, std::string_view user_id, const TaskQuery& query);

    static TaskCounts counts(store::Transaction& tx, std::string_view user_id);

    /// Those of `ids` whose task exists (of any user) and is not complete, in no particular order.
    static std::vector<std::string> open_ids(store::Transaction& tx, const std::vector<std::string>& ids);
};

}  // namespace todoai::todo

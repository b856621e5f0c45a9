#pragma once
// The todo service's task logic: each change and its outbox event in one transaction.
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/task.hpp"
#include "runtime/pubsub/topic_layout.hpp"
#include "runtime/store/database.hpp"
#include "services/todo/task_query.hpp"
#include "services/todo/task_repository.hpp"

namespace todoai::todo {

/// The outcome of a write: the task's API JSON and version, or nothing when the write removed it.
struct TaskResult {
    std::string doc;
    std::int64_t version = 0;
    std::string id;
};

/// A precondition from If-Match: the versions the client accepts, or any ("*").
struct VersionCondition {
    bool any = false;
    std::vector<std::int64_t> versions;
    bool matches(std::int64_t version) const;
};

/// Parses an If-Match header value (`"3"`, `"3", "4"`, `*`). Weak tags never match (RFC 9110 strong comparison).
VersionCondition parse_if_match(std::string_view header);

class TaskService {
  public:
    /// `on_commit` runs after every commit that appended to the outbox (the app wires the relay's notify()).
    /// Each event goes to `topics.topic_for(type)`, keyed by the user id.
    TaskService(store::Database& db,
                const Clock& clock,
                std::function<void()> on_commit = {},
                pubsub::Topics topics = pubsub::Topics{})
        : db_(db), clock_(clock), on_commit_(std::move(on_commit)), topics_(topics) {}

    /// POST: creates the task. With an idempotency key, a repeat of the same body returns the first result and
    /// writes nothing; another body under the same key -> 422.
    TaskResult create(const std::string& user_id,
                      const boost::json::value& body,
                      const std::string& raw_body,
                      std::optional<std::string_view> idempotency_key);

    std::optional<StoredTask> get(const std::string& user_id, std::string_view id);

    /// PUT (replace) or PATCH (RFC 7396 merge patch).
    enum class WriteMode { replace, merge };
    TaskResult write(const std::string& user_id,
                     std::string_view id,
                     const boost::json::value& body,
                     WriteMode mode,
                     const std::optional<VersionCondition>& condition);

    void remove(const std::string& user_id, std::string_view id, const std::optional<VersionCondition>& condition);

    /// complete <-> pending (in_progress counts as not complete and becomes complete).
    TaskResult toggle_complete(const std::string& user_id,
                               std::string_view id,
                               const std::optional<VersionCondition>& condition);

    TaskPage list(const std::string& user_id, const TaskQuery& query);

    /// GET /api/{user_id}/stats.
    TaskCounts counts(const std::string& user_id);

    /// Those of `ids` whose task exists and is not complete (deleted tasks do not exist), in the order asked, each
    /// once. For the notification service's check before a reminder fires (POST /internal/tasks/open).
    std::vector<std::string> open_task_ids(const std::vector<std::string>& ids);

    /// The recurring service's invocation: creates the next instance of series `series_id` under its derived `id`
    /// (status pending), with its task.created event, as create() does. When a task with that id already exists,
    /// returns it and writes nothing (`created` false): a redelivered completion creates no second instance.
    /// With `completed_task_id`, that task must exist for `user_id` (404 otherwise): an event todo never produced (or
    /// a task deleted since its completion) makes no instance.
    struct SeriesInstance {
        TaskResult task;
        bool created = false;
    };
    SeriesInstance create_series_instance(const std::string& user_id,
                                          const std::string& id,
                                          const std::string& series_id,
                                          TaskFields fields,
                                          std::optional<std::string> correlation_id,
                                          const std::optional<std::string>& completed_task_id = std::nullopt);

  private:
    TaskResult commit_change(store::Transaction& tx, const Task& before, Task after);
    void insert_created(store::Transaction& tx,
                        const Task& task,
                        const std::string& doc,
                        Timestamp now,
                        std::optional<std::string> correlation_id = std::nullopt);
    void committed() const {
        if (on_commit_) on_commit_();
    }

    store::Database& db_;
    const Clock& clock_;
    std::function<void()> on_commit_;
    pubsub::Topics topics_;
};

}  // namespace todoai::todo

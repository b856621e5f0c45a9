// The todo service's task logic and SQL on both stores: create, If-Match updates (also racing ones), idempotent
// create, and the list's filters, sorts and cursors. On PostgreSQL writers are not serialized, so what SQLite's
// write lock made safe must hold through the SQL itself (conditional UPDATE/DELETE).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/time.hpp"
#include "runtime/http/problem.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/task_repository.hpp"
#include "services/todo/task_service.hpp"
#include "support/postgres_schema.hpp"
#include "support/temp_dir.hpp"

namespace todoai::todo {
namespace {

namespace json = boost::json;
using Access = store::Database::Access;

struct SqliteStore {
    todoai::testing::TempDir dir;
    std::unique_ptr<store::Database> open() { return store::open_sqlite({.file = dir.path() / "todo.db"}); }
};

struct PostgresStore {
    todoai::testing::PostgresSchema schema{"todo_service"};
    std::unique_ptr<store::Database> open() { return schema.open(); }
};

int status_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const http::HttpError& e) {
        return e.problem().status;
    }
    return 200;
}

template <class Store>
class TaskStoreTest : public ::testing::Test {
  protected:
    TaskStoreTest() : clock_(parse_rfc3339("2026-11-24T12:00:00Z").value()), db_(store_.open()), tasks_(*db_, clock_) {
        db_->migrate(migrations());
    }

    TaskResult create(const std::string& body, std::optional<std::string_view> key = std::nullopt) {
        clock_.advance(std::chrono::milliseconds(1));  // distinct created_at, so the default order is known
        return tasks_.create(kUser, json::parse(body), body, key);
    }

    std::vector<std::string> outbox_types() {
        auto tx = db_->begin(Access::read);
        std::vector<std::string> types;
        for (const auto& row : tx->query("SELECT event FROM outbox ORDER BY seq"))
            types.emplace_back(json::parse(row.text(0)).at("type").as_string());
        return types;
    }

    // Every page of `query`, following next_cursor; the titles in list order.
    std::vector<std::string> titles(TaskQuery query) {
        std::vector<std::string> out;
        for (int pages = 0; pages < 100; ++pages) {
            TaskPage page = tasks_.list(kUser, query);
            for (const auto& doc : page.docs) out.emplace_back(json::parse(doc).at("title").as_string());
            if (!page.next_cursor) return out;
            http::Request req;
            req.query = {{"sort", sort_name(query.sort)},
                         {"order", query.order == SortOrder::asc ? "asc" : "desc"},
                         {"cursor", *page.next_cursor}};
            auto parsed = parse_task_query(req);
            EXPECT_TRUE(std::holds_alternative<TaskQuery>(parsed));
            if (!std::holds_alternative<TaskQuery>(parsed)) return out;
            query.after = std::get<TaskQuery>(parsed).after;
        }
        ADD_FAILURE() << "the cursor never ended";
        return out;
    }

    static std::string sort_name(SortKey k) {
        switch (k) {
            case SortKey::due_date:
                return "due_date";
            case SortKey::priority:
                return "priority";
            case SortKey::title:
                return "title";
            default:
                return "created_at";
        }
    }

    static constexpr const char* kUser = "user-1";
    Store store_;
    ManualClock clock_;
    std::unique_ptr<store::Database> db_;
    TaskService tasks_;
};

using Stores = ::testing::Types<SqliteStore, PostgresStore>;
TYPED_TEST_SUITE(TaskStoreTest, Stores);

TYPED_TEST(TaskStoreTest, IfMatchUpdatesOnlyTheVersionItNames) {
    const auto created = this->create(R"({"title":"write report"})");
    EXPECT_EQ(created.version, 1);
    const VersionCondition v1{.versions = {1}};
    const auto updated = this->tasks_.write(this->kUser, created.id, json::parse(R"({"priority":"high"})"),
                                            TaskService::WriteMode::merge, v1);
    EXPECT_EQ(updated.version, 2);
    EXPECT_EQ(status_of([&] {
                  this->tasks_.write(this->kUser, created.id, json::parse(R"({"title":"stale"})"),
                                     TaskService::WriteMode::merge, v1);
              }),
              412);
    EXPECT_EQ(status_of([&] { this->tasks_.remove(this->kUser, created.id, v1); }), 412);
    EXPECT_EQ(this->tasks_.get(this->kUser, created.id)->version, 2);
    EXPECT_EQ(this->outbox_types(), (std::vector<std::string>{"com.todoai.task.created", "com.todoai.task.updated"}));
}

TYPED_TEST(TaskStoreTest, RacingUpdatesWithTheSameIfMatchLetExactlyOneWin) {
    const auto created = this->create(R"({"title":"contested"})");
    constexpr int kWriters = 6;
    std::atomic<int> won{0}, refused{0};
    std::vector<std::thread> writers;
    for (int i = 0; i < kWriters; ++i) {
        writers.emplace_back([&, i] {
            const auto body = json::parse(R"({"description":"writer )" + std::to_string(i) + R"("})");
            const int status = status_of([&] {
                this->tasks_.write(this->kUser, created.id, body, TaskService::WriteMode::merge,
                                   VersionCondition{.versions = {1}});
            });
            (status == 200 ? won : refused)++;
            EXPECT_TRUE(status == 200 || status == 412) << status;
        });
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(refused.load(), kWriters - 1);
    EXPECT_EQ(this->tasks_.get(this->kUser, created.id)->version, 2);
    EXPECT_EQ(this->outbox_types().size(), 2u);  // created + one updated
}

TYPED_TEST(TaskStoreTest, VersionedRemoveDeletesOnlyTheVersionRead) {
    const auto created = this->create(R"({"title":"to delete"})");
    auto tx = this->db_->begin(Access::write);
    EXPECT_FALSE(TaskRepository::remove(*tx, this->kUser, created.id, 2));
    EXPECT_FALSE(TaskRepository::remove(*tx, "someone-else", created.id, 1));
    EXPECT_TRUE(TaskRepository::remove(*tx, this->kUser, created.id, 1));
    EXPECT_FALSE(TaskRepository::remove(*tx, this->kUser, created.id, 1));
    tx->commit();
    EXPECT_FALSE(this->tasks_.get(this->kUser, created.id));
}

TYPED_TEST(TaskStoreTest, IdempotencyKeyRepeatsTheFirstResult) {
    const std::string body = R"({"title":"once"})";
    const auto first = this->create(body, "key-1");
    const auto again = this->create(body, "key-1");
    EXPECT_EQ(again.id, first.id);
    EXPECT_EQ(status_of([&] { this->create(R"({"title":"other"})", "key-1"); }), 422);
    EXPECT_EQ(this->outbox_types().size(), 1u);
}

TYPED_TEST(TaskStoreTest, ListFiltersSortsAndPagesAlike) {
    this->create(R"({"title":"Bravo","priority":"high","tags":["work"],"due_date":"2026-12-02T10:00:00Z"})");
    this->create(R"({"title":"alpha","priority":"low","tags":["homework"],"description":"Quarterly numbers"})");
    this->create(R"({"title":"charlie","priority":"medium","tags":["work","x"],"due_date":"2026-12-01T10:00:00Z"})");
    this->create(R"({"title":"delta","priority":"high","status":"complete","due_date":"2026-12-03T10:00:00Z"})");
    this->create(R"({"title":"echo 100%_done","priority":"low"})");

    TaskQuery q;
    q.limit = 2;
    EXPECT_EQ(this->titles(q), (std::vector<std::string>{"echo 100%_done", "delta", "charlie", "alpha", "Bravo"}));
    q.order = SortOrder::asc;
    q.sort = SortKey::due_date;  // tasks without a due date come last in both directions; ties go by id
    EXPECT_EQ(this->titles(q), (std::vector<std::string>{"charlie", "Bravo", "delta", "alpha", "echo 100%_done"}));
    q.order = SortOrder::desc;
    EXPECT_EQ(this->titles(q), (std::vector<std::string>{"delta", "Bravo", "charlie", "echo 100%_done", "alpha"}));
    q.sort = SortKey::priority;
    EXPECT_EQ(this->titles(q), (std::vector<std::string>{"delta", "Bravo", "charlie", "echo 100%_done", "alpha"}));
    q.sort = SortKey::title;  // bytewise on the lowercased title
    q.order = SortOrder::asc;
    EXPECT_EQ(this->titles(q), (std::vector<std::string>{"alpha", "Bravo", "charlie", "delta", "echo 100%_done"}));

    TaskQuery f;
    f.sort = SortKey::title;
    f.order = SortOrder::asc;
    f.tag = "work";  // the element, not "homework"
    EXPECT_EQ(this->titles(f), (std::vector<std::string>{"Bravo", "charlie"}));
    f.tag.reset();
    f.search = "quarterly";
    EXPECT_EQ(this->titles(f), (std::vector<std::string>{"alpha"}));
    f.search = "100%_";  // LIKE wildcards are literal
    EXPECT_EQ(this->titles(f), (std::vector<std::string>{"echo 100%_done"}));
    f.search.reset();
    f.status = TaskStatus::complete;
    EXPECT_EQ(this->titles(f), (std::vector<std::string>{"delta"}));
    f.status.reset();
    f.priority = Priority::high;
    EXPECT_EQ(this->titles(f), (std::vector<std::string>{"Bravo", "delta"}));
    f.priority.reset();
    f.due_from = parse_rfc3339("2026-12-01T12:00:00Z");
    f.due_to = parse_rfc3339("2026-12-03T10:00:00Z");
    EXPECT_EQ(this->titles(f), (std::vector<std::string>{"Bravo", "delta"}));
}

}  // namespace
}  // namespace todoai::todo

// Search (q=) on both stores: the trigram indexes (SQLite FTS5, PostgreSQL pg_trgm) and the short-needle path find
// exactly what a substring search of the stored title or description finds, never across the two; writes keep the
// index in step; the migration indexes the tasks stored before it.
#include "services/todo/task_repository.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/task_service.hpp"
#include "services/todo/user_repository.hpp"
#include "support/postgres_schema.hpp"
#include "support/query_plan.hpp"
#include "support/recording_database.hpp"
#include "support/temp_dir.hpp"

namespace todoai::todo {
namespace {

namespace json = boost::json;

struct SqliteStore {
    todoai::testing::TempDir dir;
    std::unique_ptr<store::Database> open() { return store::open_sqlite({.file = dir.path() / "todo.db"}); }
};

struct PostgresStore {
    todoai::testing::PostgresSchema schema{"todo_search"};
    std::unique_ptr<store::Database> open() { return schema.open(); }
};

struct Stored {
    std::string id;
    std::string title;
    std::string description;
};

template <class Store>
class TaskSearchTest : public ::testing::Test {
  protected:
    TaskSearchTest()
        : clock_(parse_rfc3339("2026-11-24T12:00:00Z").value()), db_(store_.open()), tasks_(*db_, clock_) {}

    void migrate() { db_->migrate(migrations()); }

    Stored create(const std::string& title, const std::string& description) {
        clock_.advance(std::chrono::milliseconds(1));
        json::object body{{"title", title}, {"description", description}};
        const auto raw = json::serialize(body);
        const auto created = tasks_.create(kUser, body, raw, std::nullopt);
        const auto doc = json::parse(created.doc).as_object();
        return {created.id, std::string(doc.at("title").as_string()), std::string(doc.at("description").as_string())};
    }

    // The ids of every page of `q=needle`.
    std::set<std::string> search(const std::string& needle) {
        TaskQuery query;
        query.search = to_lower_ascii(needle);
        query.limit = 200;
        std::set<std::string> ids;
        for (int pages = 0; pages < 100; ++pages) {
            const auto page = tasks_.list(kUser, query);
            for (const auto& doc : page.docs) ids.insert(std::string(json::parse(doc).at("id").as_string()));
            if (!page.next_cursor) return ids;
            http::Request req;
            req.query = {{"cursor", *page.next_cursor}};
            query.after = std::get<TaskQuery>(parse_task_query(req)).after;
        }
        ADD_FAILURE() << "the cursor never ended";
        return ids;
    }

    static std::set<std::string> expected(const std::vector<Stored>& all, const std::string& needle) {
        const auto n = to_lower_ascii(needle);
        std::set<std::string> ids;
        for (const auto& t : all) {
            if (to_lower_ascii(t.title).find(n) != std::string::npos ||
                to_lower_ascii(t.description).find(n) != std::string::npos)
                ids.insert(t.id);
        }
        return ids;
    }

    static constexpr const char* kUser = "user-1";
    Store store_;
    ManualClock clock_;
    std::unique_ptr<store::Database> db_;
    TaskService tasks_;
};

using Stores = ::testing::Types<SqliteStore, PostgresStore>;
TYPED_TEST_SUITE(TaskSearchTest, Stores);

// Few letters, so needles of every length match some tasks and miss others; quotes, FTS5 and LIKE syntax, non-ASCII
// letters in both cases and the title/description boundary are where an index could differ from a substring search.
TYPED_TEST(TaskSearchTest, FindsExactlyTheSubstringsOfTitleOrDescription) {
    this->migrate();
    const std::vector<std::string> alphabet{"a", "b", "A", "B", " ", "\"", "*", "%", "_", "\\", "é", "É", ":", "-"};
    std::mt19937 rng(11);
    auto text = [&](std::size_t max) {
        std::string s = "x";
        const auto n = std::uniform_int_distribution<std::size_t>(0, max)(rng);
        for (std::size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
        return s;
    };
    std::vector<Stored> all;
    for (int i = 0; i < 120; ++i) all.push_back(this->create(text(12), text(20)));

    std::vector<std::string> needles{"x",   "xa", "xab", "ab\nx", "\nx",    "a\"b", "\"",  "*a",
                                     "%",   "_b", "\\",  "é",     "éa",     "Éé",   "aé ", "abab",
                                     "a b", "-a", "a:b", "NEAR",  "b OR a", "zzz",  "x\n", "a\nxa"};
    for (int i = 0; i < 60; ++i) {  // substrings of stored text, spanning the boundary now and then
        const auto& t = all[rng() % all.size()];
        const auto joined = t.title + "\n" + t.description;
        const auto at = rng() % joined.size();
        needles.push_back(joined.substr(at, 1 + rng() % 6));
    }
    for (const auto& needle : needles) {
        if (!utf8_length(needle)) continue;  // cut inside a character: the API refuses it (422)
        const auto want = this->expected(all, needle);
        EXPECT_EQ(this->search(needle), want) << "q=" << json::serialize(json::value(needle));
        // The other path SQLite takes for a needle common across users: the user's tasks in list order.
        TaskQuery q;
        q.search = to_lower_ascii(needle);
        q.limit = 200;
        const auto statement =
            TaskRepository::list_statement(this->db_->dialect(), this->kUser, q, TaskRepository::SearchPath::user_rows);
        auto tx = this->db_->begin(store::Database::Access::read);
        std::set<std::string> ids;
        for (const auto& row : tx->query(statement.sql, statement.params)) ids.insert(row.text(1));
        EXPECT_EQ(ids, want) << "user rows, q=" << json::serialize(json::value(needle));
    }
}

// SQLite: a needle in more tasks of all users than the index should hand over is looked for in the user's own tasks
// in list order instead, with the same result.
TYPED_TEST(TaskSearchTest, ANeedleCommonAcrossUsersReadsTheUsersTasks) {
    this->migrate();
    {
        auto tx = this->db_->begin(store::Database::Access::write);
        for (int i = 0; i < 2100; ++i) {
            Task task;
            task.id = "other-" + std::to_string(i);
            task.user_id = "user-2";
            task.fields.title = "common word " + std::to_string(i);
            task.created_at = task.updated_at = parse_rfc3339("2026-01-01T00:00:00Z").value();
            TaskRepository::insert(*tx, task, "{}");
        }
        tx->commit();
    }
    const auto mine = this->create("a common word of mine", "");
    this->create("a rare word", "");
    todoai::testing::RecordingDatabase recording(*this->db_);
    TaskService tasks(recording, this->clock_);
    TaskQuery q;
    q.search = "common word";
    const auto page = tasks.list(this->kUser, q);
    ASSERT_EQ(page.docs.size(), 1u);
    EXPECT_NE(page.docs[0].find(mine.id), std::string::npos);
    q.search = "rare word";
    EXPECT_EQ(tasks.list(this->kUser, q).docs.size(), 1u);
    const auto statements = recording.take();
    const auto reads_user_rows = [](const todoai::testing::RecordedStatement& s) {
        return s.sql.starts_with("SELECT doc") && s.sql.find("task_search") == std::string::npos;
    };
    if (this->db_->dialect() == store::Dialect::sqlite) {
        ASSERT_EQ(statements.size(), 4u);  // a count of the matches, then the page, twice
        EXPECT_TRUE(reads_user_rows(statements[1])) << statements[1].sql;
        EXPECT_FALSE(reads_user_rows(statements[3])) << statements[3].sql;
    }
}

TYPED_TEST(TaskSearchTest, WritesKeepTheIndexInStep) {
    this->migrate();
    const auto kept = this->create("kept apart", "unrelated");
    const auto t = this->create("alpha report", "first draft");
    EXPECT_EQ(this->search("alpha"), std::set<std::string>{t.id});
    EXPECT_EQ(this->search("draft"), std::set<std::string>{t.id});

    this->tasks_.write(this->kUser, t.id, json::parse(R"({"title":"omega report"})"), TaskService::WriteMode::merge,
                       std::nullopt);
    EXPECT_TRUE(this->search("alpha").empty());
    EXPECT_EQ(this->search("omega"), std::set<std::string>{t.id});
    EXPECT_EQ(this->search("draft"), std::set<std::string>{t.id});  // the description is still indexed

    this->tasks_.write(this->kUser, t.id, json::parse(R"({"priority":"high"})"), TaskService::WriteMode::merge,
                       std::nullopt);  // no change to the text
    EXPECT_EQ(this->search("omega"), std::set<std::string>{t.id});

    this->tasks_.remove(this->kUser, t.id, std::nullopt);
    EXPECT_TRUE(this->search("omega").empty());
    EXPECT_EQ(this->search("apart"), std::set<std::string>{kept.id});
}

TYPED_TEST(TaskSearchTest, TheMigrationIndexesTasksStoredBeforeIt) {
    const auto all = migrations();
    this->db_->migrate(all.first(3));  // the schema before the search index
    const auto before = this->create("written before the index", "old description");
    this->migrate();
    const auto after = this->create("written after the index", "new description");
    EXPECT_EQ(this->search("before the"), std::set<std::string>{before.id});
    EXPECT_EQ(this->search("old desc"), std::set<std::string>{before.id});
    EXPECT_EQ(this->search("written"), (std::set<std::string>{before.id, after.id}));
}

TYPED_TEST(TaskSearchTest, OtherUsersTasksAreNeverFound) {
    this->migrate();
    const auto mine = this->create("shared word", "");
    const json::object body{{"title", "shared word"}};
    this->tasks_.create("user-2", body, json::serialize(body), std::nullopt);
    EXPECT_EQ(this->search("shared"), std::set<std::string>{mine.id});
    EXPECT_EQ(this->search("sh"), std::set<std::string>{mine.id});
}

// The plans of the statements every task request runs, on both stores, over a table shaped like the scale benchmark's
// (one heavy user with 40 % of the tasks, many small ones), so a planner without a fitting index would rather scan
// or sort. A later change that drops an index, or writes a statement no index fits, fails here.
template <class Store>
class TaskPlanTest : public ::testing::Test {
  protected:
    TaskPlanTest() : db_(store_.open()) {
        db_->migrate(migrations());
        const auto base = parse_rfc3339("2026-01-01T00:00:00Z").value();
        auto tx = db_->begin(store::Database::Access::write);
        const char* words[] = {"report", "meeting", "groceries", "invoice", "call", "review", "plan", "fix"};
        for (int i = 0; i < 5000; ++i) {
            Task task;
            task.id = "t" + std::to_string(100000 + i);
            task.user_id = i % 5 < 2 ? std::string(kHeavy) : "user-" + std::to_string(i % 60);
            task.fields.title = std::string(words[i % 8]) + " " + std::to_string(i);
            task.fields.description = "about " + std::string(words[(i / 8) % 8]) + " number " + std::to_string(i * 7);
            task.fields.priority = static_cast<Priority>(i % 3);
            task.fields.status = i % 4 == 0 ? TaskStatus::complete : TaskStatus::pending;
            if (i % 2 == 0) task.fields.due_date = base + std::chrono::hours(i);
            task.created_at = task.updated_at = base + std::chrono::seconds(i);
            TaskRepository::insert(*tx, task, "{}");
        }
        if (db_->dialect() == store::Dialect::postgres) {
            // What autovacuum does in a running database: new entries wait in a GIN index's pending list, which
            // every search reads whole and the planner prices accordingly.
            tx->query("SELECT gin_clean_pending_list('tasks_title_trgm'::regclass)");
            tx->query("SELECT gin_clean_pending_list('tasks_description_trgm'::regclass)");
        }
        tx->execute("ANALYZE");
        tx->commit();
    }

    std::string plan(std::string_view sql, const std::vector<store::Value>& params) {
        auto tx = db_->begin(store::Database::Access::read);
        return todoai::testing::query_plan(*tx, db_->dialect(), sql, params);
    }

    std::string list_plan(std::string_view user, const TaskQuery& q) {
        const auto statement = TaskRepository::list_statement(db_->dialect(), user, q);
        return plan(statement.sql, statement.params);
    }

    bool sqlite() const { return db_->dialect() == store::Dialect::sqlite; }

    // Neither a scan of the table nor a sort of what the index found.
    void expect_no_scan_or_sort(const std::string& plan) {
        EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("SCAN tasks"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("Sort"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
    }

    void expect_primary_key(const std::string& plan) {
        EXPECT_NE(plan.find(sqlite() ? "USING PRIMARY KEY (id=?)" : "tasks_pkey"), std::string::npos) << plan;
        expect_no_scan_or_sort(plan);
    }

    static constexpr std::string_view kHeavy = "heavy";
    Store store_;
    std::unique_ptr<store::Database> db_;
};

TYPED_TEST_SUITE(TaskPlanTest, Stores);

TYPED_TEST(TaskPlanTest, GetUpdateAndDeleteUseThePrimaryKey) {
    const std::string id = "t100007", user(this->kHeavy);
    this->expect_primary_key(this->plan(sql::kFind, {id, user}));
    this->expect_primary_key(this->plan(sql::kRemove, {id, user}));
    this->expect_primary_key(this->plan(sql::kRemoveVersion, {id, user, std::int64_t{1}}));
    std::vector<store::Value> update{id,
                                     user,
                                     "t",
                                     "t\nd",
                                     "pending",
                                     std::int64_t{1},
                                     "[]",
                                     nullptr,
                                     nullptr,
                                     "2026-01-01T00:00:00.000Z",
                                     std::int64_t{2},
                                     "{}",
                                     nullptr,
                                     std::int64_t{1}};
    this->expect_primary_key(this->plan(sql::kUpdate, update));
}

// SQLite reads the (user_id, status) entries alone; PostgreSQL the user's rows through one of the user's indexes
// (an index-only scan of tasks_by_user_status once VACUUM has set the visibility map, which a test cannot run).
TYPED_TEST(TaskPlanTest, CountsReadOnlyTheUsersRows) {
    const auto plan = this->plan(sql::kCounts, {std::string("user-7")});
    EXPECT_NE(plan.find(this->sqlite() ? "COVERING INDEX tasks_by_user_status (user_id=?)"
                                       : "Index Cond: (user_id = 'user-7'::text)"),
              std::string::npos)
        << plan;
    EXPECT_FALSE(todoai::testing::reads_whole_table(plan, "tasks")) << plan;
}

// Every sort in both orders, on its first page and from a cursor: a range of the sort's own index, read in order.
TYPED_TEST(TaskPlanTest, EveryListSortIsARangeOfItsIndex) {
    const std::pair<SortKey, std::string_view> sorts[] = {{SortKey::created_at, "tasks_by_user_created"},
                                                          {SortKey::priority, "tasks_by_user_priority"},
                                                          {SortKey::title, "tasks_by_user_title"},
                                                          {SortKey::due_date, "tasks_by_user_due_"}};
    for (const auto& [sort, index] : sorts) {
        for (auto order : {SortOrder::asc, SortOrder::desc}) {
            for (bool cursor : {false, true}) {
                TaskQuery q;
                q.sort = sort;
                q.order = order;
                if (cursor) {
                    Cursor c{.key = std::string("2026-01-02T00:00:00.000Z"), .id = "t102000"};
                    if (sort == SortKey::priority) c.key = std::int64_t{1};
                    q.after = c;
                }
                const auto plan = this->list_plan(this->kHeavy, q);
                SCOPED_TRACE(std::string(index) + (order == SortOrder::asc ? " asc" : " desc") +
                             (cursor ? " with a cursor" : ""));
                EXPECT_NE(plan.find(index), std::string::npos) << plan;
                this->expect_no_scan_or_sort(plan);
                if (cursor) {  // the cursor bounds the index range; it is not a filter on every row before it
                    EXPECT_NE(
                        plan.find(this->sqlite() ? "(user_id=? AND " : "Index Cond: ((user_id = 'heavy'::text) AND ("),
                        std::string::npos)
                        << plan;
                }
            }
        }
    }
}

// A selective needle over the heavy user's 2 000 tasks. (PostgreSQL weighs the trigram indexes against the user's
// own rows: for a needle most of the user's tasks hold, reading those in list order is cheaper, and it does that.)
TYPED_TEST(TaskPlanTest, SearchLooksUpTheTrigramIndex) {
    TaskQuery q;
    q.search = "number 28021";
    const auto plan = this->list_plan(this->kHeavy, q);
    if (this->sqlite()) {
        EXPECT_NE(plan.find("task_search VIRTUAL TABLE INDEX"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("SCAN tasks"), std::string::npos) << plan;
    } else {
        EXPECT_NE(plan.find("tasks_title_trgm"), std::string::npos) << plan;
        EXPECT_NE(plan.find("tasks_description_trgm"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
    }
}

// The other lookups of a request: sign-in's user by email, a token's user by id, a create's Idempotency-Key, and
// notification's open-task check (POST /internal/tasks/open): each on a primary key or unique index.
TYPED_TEST(TaskPlanTest, UserIdempotencyAndOpenTaskLookupsUseUniqueIndexes) {
    {
        auto tx = this->db_->begin(store::Database::Access::write);
        for (int i = 0; i < 2000; ++i) {
            const auto id = "u" + std::to_string(i);
            tx->execute("INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'n', 'h', 'c')",
                        {id, id + "@example.com"});
            tx->execute(
                "INSERT INTO idempotency_keys (user_id, key, request_body, task_id, response, created_at) "
                "VALUES ($1, $2, '{}', 't', '{}', 'c')",
                {std::string(this->kHeavy), "key-" + std::to_string(i)});
        }
        tx->execute("ANALYZE");
        tx->commit();
    }
    todoai::testing::RecordingDatabase recording(*this->db_);
    ManualClock clock(parse_rfc3339("2026-11-24T12:00:00Z").value());
    TaskService tasks(recording, clock);
    const json::object body{{"title", "with a key"}};
    tasks.create(std::string(this->kHeavy), body, json::serialize(body), "key-new");
    {
        auto tx = recording.begin(store::Database::Access::read);
        UserRepository::find_by_email(*tx, "u7@example.com");
        UserRepository::find_by_id(*tx, "u7");
        TaskRepository::open_ids(*tx, {"t100001", "t100002", "t100003"});
    }
    auto tx = this->db_->begin(store::Database::Access::read);
    int planned = 0;
    for (const auto& s : recording.take()) {
        if (!s.sql.starts_with("SELECT")) continue;
        ++planned;
        SCOPED_TRACE(s.sql);
        const auto plan = todoai::testing::query_plan(*tx, this->db_->dialect(), s.sql, s.params);
        for (const char* table : {"users", "idempotency_keys", "tasks"}) {
            EXPECT_FALSE(todoai::testing::reads_whole_table(plan, table)) << plan;
        }
        EXPECT_TRUE(plan.find("PRIMARY KEY") != std::string::npos ||
                    plan.find("sqlite_autoindex") != std::string::npos || plan.find("_pkey") != std::string::npos ||
                    plan.find("_key") != std::string::npos)
            << plan;
    }
    EXPECT_EQ(planned, 4);
}

// SQLite's path for a needle common across users: the user's tasks in list order, not the trigram table.
TYPED_TEST(TaskPlanTest, ACommonNeedleReadsTheUsersTasksInListOrder) {
    TaskQuery q;
    q.search = "report";
    const auto statement =
        TaskRepository::list_statement(this->db_->dialect(), this->kHeavy, q, TaskRepository::SearchPath::user_rows);
    const auto plan = this->plan(statement.sql, statement.params);
    if (this->sqlite()) {
        EXPECT_NE(plan.find("tasks_by_user_created"), std::string::npos) << plan;
        EXPECT_EQ(plan.find("task_search"), std::string::npos) << plan;
        this->expect_no_scan_or_sort(plan);
    }
}

// One or two characters have no trigram: the user's own tasks in list order, never the whole table.
TYPED_TEST(TaskPlanTest, AShortSearchReadsTheUsersTasksInListOrder) {
    TaskQuery q;
    q.search = "ca";
    const auto plan = this->list_plan(this->kHeavy, q);
    EXPECT_NE(plan.find("tasks_by_user_created"), std::string::npos) << plan;
    this->expect_no_scan_or_sort(plan);
    EXPECT_EQ(plan.find("trgm"), std::string::npos) << plan;
}

}  // namespace
}  // namespace todoai::todo

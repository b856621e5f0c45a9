// Filters, search, sort and cursor pagination over 500 tasks.
#include <algorithm>
#include <set>

#include "core/time.hpp"
#include "integration/todoai_fixture.hpp"

namespace todoai::testing {
namespace {

using boost::json::object;

constexpr int kTasks = 500;
const char* kPriorities[] = {"low", "medium", "high"};
const char* kStatuses[] = {"pending", "in_progress", "complete"};

class TaskList : public TodoaiTest {
  protected:
    void SetUp() override {
        TodoaiTest::SetUp();
        for (int i = 0; i < kTasks; ++i) {
            object body{{"title", "Task " + std::to_string(1000 + (i * 7919) % kTasks)},
                        {"priority", kPriorities[i % 3]},
                        {"status", kStatuses[i % 3]},
                        {"tags", i % 5 == 0 ? boost::json::array{"work"} : boost::json::array{"homework"}}};
            if (i % 4 != 0)
                body["due_date"] = "2030-01-" + two_digits(1 + i % 28) + "T" + two_digits(i % 24) + ":00:00Z";
            if (i % 50 == 0) body["description"] = "contains the NEEDLE word";
            create(body);
        }
    }

    static std::string two_digits(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

    // Walks every page of `query` and returns all items.
    std::vector<object> all_pages(const std::string& query, int limit) {
        std::vector<object> items;
        std::string cursor;
        for (int page = 0; page < 1000; ++page) {
            auto target =
                tasks_path() + "?limit=" + std::to_string(limit) + query + (cursor.empty() ? "" : "&cursor=" + cursor);
            auto res = call("GET", target);
            EXPECT_EQ(res.status, 200) << target << " " << res.body;
            if (res.status != 200) break;
            auto json = res.json();
            for (auto& item : json.as_array()) items.push_back(item.as_object());
            EXPECT_LE(json.as_array().size(), static_cast<std::size_t>(limit));
            cursor = res.header("x-next-cursor");
            if (cursor.empty()) {
                EXPECT_EQ(res.header("link"), "") << target;
                break;
            }
            // The Link header names the same cursor, on this request's own target.
            EXPECT_NE(res.header("link").find("cursor=" + cursor + ">; rel=\"next\""), std::string::npos)
                << res.header("link");
        }
        return items;
    }
};

TEST_F(TaskList, PagesCoverEveryTaskOnceInDefaultOrder) {
    auto items = all_pages("", 37);
    ASSERT_EQ(items.size(), static_cast<std::size_t>(kTasks));
    std::set<std::string> ids;
    for (auto& t : items) ids.insert(str(t.at("id")));
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kTasks));
    // Default: newest first.
    for (std::size_t i = 1; i < items.size(); ++i)
        EXPECT_GE(str(items[i - 1].at("created_at")), str(items[i].at("created_at")));
    auto first = call("GET", tasks_path()).json();
    EXPECT_EQ(first.as_array().size(), 50u);
}

TEST_F(TaskList, SortsByEveryKeyBothWays) {
    auto rank = [](const object& t) {
        auto p = str(t.at("priority"));
        return p == "low" ? 0 : p == "medium" ? 1 : 2;
    };
    for (std::string order : {"asc", "desc"}) {
        auto by_title = all_pages("&sort=title&order=" + order, 60);
        ASSERT_EQ(by_title.size(), static_cast<std::size_t>(kTasks));
        auto by_priority = all_pages("&sort_by=priority&sort_order=" + order, 45);
        ASSERT_EQ(by_priority.size(), static_cast<std::size_t>(kTasks));
        auto by_due = all_pages("&sort=due_date&order=" + order, 50);
        ASSERT_EQ(by_due.size(), static_cast<std::size_t>(kTasks));
        for (std::size_t i = 1; i < kTasks; ++i) {
            auto a = str(by_title[i - 1].at("title")), b = str(by_title[i].at("title"));
            EXPECT_TRUE(order == "asc" ? a <= b : a >= b) << a << " vs " << b;
            EXPECT_TRUE(order == "asc" ? rank(by_priority[i - 1]) <= rank(by_priority[i])
                                       : rank(by_priority[i - 1]) >= rank(by_priority[i]));
            const auto& d1 = by_due[i - 1].at("due_date");
            const auto& d2 = by_due[i].at("due_date");
            if (d1.is_null()) {
                EXPECT_TRUE(d2.is_null()) << "tasks without a due date come last";
            }
            if (!d1.is_null() && !d2.is_null()) {
                EXPECT_TRUE(order == "asc" ? str(d1) <= str(d2) : str(d1) >= str(d2));
            }
        }
    }
}

TEST_F(TaskList, FiltersAndSearch) {
    auto high = all_pages("&priority=high", 200);
    EXPECT_EQ(high.size(), static_cast<std::size_t>(kTasks / 3));  // i % 3 == 2
    for (auto& t : high) EXPECT_EQ(str(t.at("priority")), "high");

    auto complete = all_pages("&status=complete", 200);
    EXPECT_EQ(complete.size(), static_cast<std::size_t>(kTasks / 3));
    for (auto& t : complete) EXPECT_TRUE(t.at("completed").as_bool());

    auto work = all_pages("&tag=work", 200);  // exact tag: "homework" does not match
    EXPECT_EQ(work.size(), static_cast<std::size_t>(kTasks / 5));

    auto needle = all_pages("&q=needle", 200);  // case-insensitive, in the description
    EXPECT_EQ(needle.size(), static_cast<std::size_t>(kTasks / 50));
    EXPECT_EQ(all_pages("&search=NEEDLE", 200).size(), needle.size());
    EXPECT_EQ(all_pages("&q=%25", 200).size(), 0u) << "LIKE wildcards in the search are literal";

    auto window = all_pages("&due_from=2030-01-10T00:00:00Z&due_to=2030-01-12T23:59:59Z", 200);
    EXPECT_FALSE(window.empty());
    for (auto& t : window) {
        auto due = str(t.at("due_date"));
        EXPECT_GE(due, "2030-01-10");
        EXPECT_LE(due, "2030-01-12T23:59:59.999Z");
    }
    auto combined = all_pages("&priority=high&status=complete&tag=work", 200);
    for (auto& t : combined) {
        EXPECT_EQ(str(t.at("priority")), "high");
        EXPECT_EQ(str(t.at("status")), "complete");
    }
}

TEST_F(TaskList, BadParametersAre422NamingEach) {
    auto res = call("GET", tasks_path() + "?limit=0&sort=color&status=finished&due_from=yesterday");
    ASSERT_EQ(res.status, 422);
    std::set<std::string> fields;
    const auto problem = res.json();
    for (auto& e : problem.at("errors").as_array()) fields.insert(str(e.at("field")));
    EXPECT_EQ(fields, (std::set<std::string>{"limit", "sort", "status", "due_from"}));
    EXPECT_EQ(call("GET", tasks_path() + "?limit=201").status, 422);
    EXPECT_EQ(call("GET", tasks_path() + "?cursor=garbage").status, 422);
    // A cursor from another sort order is refused rather than silently skipping tasks.
    auto cursor = call("GET", tasks_path() + "?limit=5&sort=title").header("x-next-cursor");
    ASSERT_FALSE(cursor.empty());
    EXPECT_EQ(call("GET", tasks_path() + "?limit=5&sort=priority&cursor=" + cursor).status, 422);
}

}  // namespace
}  // namespace todoai::testing

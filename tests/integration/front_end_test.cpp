// The hackathon's front ends against the real binary, unchanged: what they send and what their UI code reads,
// re-created from their API modules (read, not copied). The notes' own Next.js front end calls /api/tasks with
// camelCase bodies, a date-only dueDate, recurringRule/reminderAt and a category, reads `status` as
// pending|completed, lists as arrays, and /api/stats, /api/notifications, /api/audit. Other front ends send
// snake_case with is_completed, recurrence_pattern, reminder_time and read `{user_id}` routes.
#include <set>

#include "integration/event_support.hpp"
#include "integration/todoai_fixture.hpp"

namespace todoai::testing {
namespace {

using boost::json::array;
using boost::json::object;

class CamelFrontEnd : public TodoaiTest {
  protected:
    void SetUp() override {
        process_ = std::make_unique<TodoaiProcess>(dir_.path() / "data",
                                                   std::vector<std::string>{"serve", "all", "--json-case", "camel"});
        process_->start();
        client_ = std::make_unique<HttpClient>(process_->port());
        std::tie(user_, token_) = sign_up(*client_, "camel@example.com");
    }
};

TEST_F(CamelFrontEnd, TheNotesFrontEndWorksUnchanged) {
    // CreateTaskDTO as its form sends it.
    auto created = call("POST", "/api/tasks",
                        object{{"title", "Pay rent"},
                               {"description", "before the 1st"},
                               {"priority", "high"},
                               {"category", "home"},
                               {"dueDate", "2030-03-01"},
                               {"recurringRule", "monthly"},
                               {"reminderAt", "2030-02-28T09:00:00.000Z"},
                               {"tags", array{"bills"}}});
    ASSERT_EQ(created.status, 201) << created.body;
    auto task = created.json().as_object();
    // The fields its Task type reads.
    const std::string id = str(task.at("id"));
    EXPECT_EQ(str(task.at("userId")), user_);
    EXPECT_EQ(str(task.at("category")), "home");
    EXPECT_EQ(str(task.at("status")), "pending");
    EXPECT_EQ(task.at("completed"), false);
    EXPECT_EQ(str(task.at("dueDate")), "2030-03-01T23:59:59.000Z");
    EXPECT_TRUE(task.contains("createdAt"));
    EXPECT_TRUE(task.contains("updatedAt"));
    EXPECT_EQ(str(task.at("recurrenceSchedule")), "monthly");
    EXPECT_EQ(str(task.at("reminders").as_array().at(0).at("at")), "2030-02-28T09:00:00.000Z");
    for (const auto& kv : task) EXPECT_EQ(std::string(kv.key()).find('_'), std::string::npos) << kv.key();

    // getAll(filters): an array, filtered by its words.
    auto list = call("GET", "/api/tasks?status=pending&category=home&search=rent&sort_by=dueDate&sort_order=asc");
    ASSERT_EQ(list.status, 200) << list.body;
    ASSERT_TRUE(list.json().is_array()) << list.body;
    ASSERT_EQ(list.json().as_array().size(), 1u);
    EXPECT_EQ(call("GET", "/api/tasks?category=work").json().as_array().size(), 0u);

    // toggleComplete: PATCH with no body; `status` becomes the word it compares with.
    auto done = call("PATCH", "/api/tasks/" + id + "/complete");
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(str(done.json().at("status")), "completed");
    EXPECT_EQ(done.json().at("completed"), true);
    EXPECT_EQ(call("GET", "/api/tasks?status=completed").json().as_array().size(), 1u);

    // getTaskStats; completing the recurring task makes its next instance (through the recurring service).
    const auto want = boost::json::parse(R"({"total":2,"pending":1,"completed":1})");
    HttpResponse stats;
    EXPECT_TRUE(poll_until(std::chrono::seconds(10), [&] {
        stats = call("GET", "/api/stats");
        return stats.status == 200 && stats.json() == want;
    })) << stats.status << " " << stats.body;

    // update(taskId, data): PUT with what it got back, edited (camelCase, status "completed").
    auto got = call("GET", "/api/tasks/" + id + "/").json().as_object();  // a trailing slash, as some send
    got["title"] = "Pay rent (done)";
    auto put = call("PUT", "/api/tasks/" + id, got);
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(str(put.json().at("title")), "Pay rent (done)");
    EXPECT_EQ(str(put.json().at("status")), "completed");

    // getAuditLogs and the notifications panel read arrays too.
    auto audit = call("GET", "/api/audit");
    ASSERT_EQ(audit.status, 200) << audit.body;
    ASSERT_TRUE(audit.json().is_array());
    auto notifications = call("GET", "/api/notifications?unread_only=true");
    ASSERT_EQ(notifications.status, 200) << notifications.body;
    EXPECT_TRUE(notifications.json().is_array());
    auto read_all = call("PATCH", "/api/notifications/read-all");
    ASSERT_EQ(read_all.status, 200) << read_all.body;
    EXPECT_EQ(read_all.json().at("count"), 0);

    EXPECT_EQ(call("DELETE", "/api/tasks/" + id).status, 204);
    EXPECT_EQ(call("GET", "/api/stats").json().at("total"), 1);
}

TEST_F(TodoaiTest, SnakeCaseFrontEndsAndTheirAliases) {
    auto created = call("POST", tasks_path(),
                        object{{"title", "Water plants"},
                               {"is_completed", false},
                               {"recurrence_pattern", "daily"},
                               {"due_date", "2030-05-01"},
                               {"reminder_time", "2030-05-01T08:00:00Z"}});
    ASSERT_EQ(created.status, 201) << created.body;
    auto task = created.json().as_object();
    EXPECT_EQ(str(task.at("recurrence_schedule")), "daily");
    EXPECT_EQ(str(task.at("due_date")), "2030-05-01T23:59:59.000Z");
    EXPECT_EQ(task.at("reminders").as_array().size(), 1u);
    const std::string id = str(task.at("id"));
    auto patched = call("PATCH", task_path(id), object{{"status", "done"}});
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(str(patched.json().at("status")), "complete");  // snake_case profile: our word
    EXPECT_EQ(call("GET", tasks_path() + "?status=completed").json().as_array().size(), 1u);

    auto yearly = call("POST", tasks_path(),
                       object{{"title", "Birthday"}, {"recurrence_rule", "yearly"}, {"due_date", "2030-06-01"},
                              {"recurring_end_date", "2035-06-01"}});
    ASSERT_EQ(yearly.status, 201) << yearly.body;
    EXPECT_EQ(str(yearly.json().at("rrule")), "FREQ=YEARLY;UNTIL=20350601T235959Z");

    // An alias with a value it cannot take is a 422 naming it, as problem+json.
    auto bad = call("POST", tasks_path(), object{{"title", "x"}, {"recurringRule", "fortnightly"}});
    EXPECT_EQ(bad.status, 422);
    EXPECT_NE(bad.body.find("\"field\":\"recurring_rule\""), std::string::npos) << bad.body;
}

TEST_F(TodoaiTest, ListsPageThroughTheLinkHeader) {
    for (int i = 0; i < 5; ++i) create(object{{"title", "t" + std::to_string(i)}});
    std::set<std::string> seen;
    std::string target = tasks_path() + "?limit=2&sort=title&order=asc";
    int pages = 0;
    while (!target.empty() && pages < 10) {
        auto res = call("GET", target);
        ASSERT_EQ(res.status, 200) << target << " " << res.body;
        const auto json = res.json();
        for (const auto& t : json.as_array()) seen.insert(str(t.at("title")));
        ++pages;
        const auto link = res.header("link");
        if (link.empty()) {
            EXPECT_EQ(res.header("x-next-cursor"), "");
            break;
        }
        // <target>; rel="next": followed as given, as an RFC 8288 client does.
        ASSERT_EQ(link.front(), '<');
        target = link.substr(1, link.find('>') - 1);
        EXPECT_NE(target.find("limit=2&sort=title&order=asc&cursor=" + res.header("x-next-cursor")), std::string::npos)
            << target;
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(seen.size(), 5u);
}

TEST_F(TodoaiTest, EveryUnauthorizedAnswerNamesTheBearerScheme) {
    for (auto [method, target] : {std::pair{"GET", tasks_path()}, std::pair{"GET", std::string("/api/tasks")},
                                  std::pair{"GET", std::string("/api/auth/me")},
                                  std::pair{"GET", "/api/" + user_ + "/audit"}}) {
        auto res = client_->request(method, target);
        EXPECT_EQ(res.status, 401) << target;
        EXPECT_EQ(res.header("www-authenticate").rfind("Bearer", 0), 0u) << target;
        auto forged = client_->authed(method, target, token_ + "x");
        EXPECT_EQ(forged.status, 401) << target;
        EXPECT_EQ(forged.header("www-authenticate").rfind("Bearer", 0), 0u) << target;
    }
    EXPECT_EQ(call("GET", tasks_path()).header("www-authenticate"), "");
}

}  // namespace
}  // namespace todoai::testing

// POST /internal/series/{series_id}/next through the real router on a real SQLite store.
#include "services/todo/series_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "core/cloud_event.hpp"
#include "core/recurrence.hpp"
#include "core/time.hpp"
#include "runtime/http/router.hpp"
#include "runtime/store/sqlite_database.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/task_service.hpp"
#include "support/temp_dir.hpp"

namespace todoai::todo {
namespace {

namespace json = boost::json;

constexpr std::string_view kToken = "s3cret-app-token";
constexpr std::string_view kSeries = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
constexpr std::string_view kDue = "2026-11-25T09:00:00.000Z";

Timestamp at(std::string_view text) { return parse_rfc3339(text).value(); }

json::object next_body() {
    return json::object{
        {"id", instance_id(kSeries, at(kDue))},
        {"user_id", "user-1"},
        {"due_date", kDue},
        {"correlation_id", "evt-completed-1"},
        {"task", json::object{{"title", "stand-up"},
                              {"priority", "high"},
                              {"tags", json::array{"work"}},
                              {"status", "complete"},  // ignored: a new instance is pending
                              {"due_date", kDue},
                              {"reminders", json::array{json::object{{"before_due", "PT15M"}}}},
                              {"is_recurring", true},
                              {"rrule", "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=4"}}},
    };
}

class SeriesRoutesTest : public ::testing::Test {
  protected:
    explicit SeriesRoutesTest(std::string token = std::string(kToken))
        : clock_(at("2026-11-24T12:00:00Z")),
          db_(store::open_sqlite({.file = dir_.path() / "todo.db"})),
          tasks_(*db_, clock_, [this] { ++commits_; }) {
        db_->migrate(migrations());
        register_series_routes(router_, tasks_, std::move(token));
    }

    http::Response post(std::string body,
                        std::vector<std::pair<std::string, std::string>> headers = {{"dapr-api-token",
                                                                                     std::string(kToken)}},
                        std::string_view series = kSeries) {
        http::Request req;
        req.method = http::Method::post;
        req.path = req.target = "/internal/series/" + std::string(series) + "/next";
        req.headers = std::move(headers);
        req.headers.emplace_back("content-type", "application/json");
        req.body = std::move(body);
        return router_.dispatch(req);
    }
    http::Response post(const json::object& body) { return post(json::serialize(body)); }

    std::vector<std::string> outbox_types() {
        auto tx = db_->begin(store::Database::Access::read);
        std::vector<std::string> types;
        for (const auto& row : tx->query("SELECT event FROM outbox ORDER BY seq"))
            types.emplace_back(json::parse(row.text(0)).at("type").as_string());
        return types;
    }

    todoai::testing::TempDir dir_;
    ManualClock clock_;
    std::unique_ptr<store::Database> db_;
    int commits_ = 0;
    TaskService tasks_;
    http::Router router_;
};

TEST_F(SeriesRoutesTest, ACompletionOfATaskTodoDoesNotHaveMakesNoInstance) {
    auto body = next_body();
    body["completed_task_id"] = "0193a1b2-c3d4-7e5f-8a9b-000000000000";  // never created (a forged event)
    auto answer = post(body);
    EXPECT_EQ(answer.status, 404) << answer.body;
    EXPECT_NE(answer.body.find("does not exist"), std::string::npos) << answer.body;
    EXPECT_TRUE(outbox_types().empty());

    // The same request naming a task the user has goes through.
    const std::string raw = R"({"title":"stand-up","due_date":"2026-11-24T09:00:00Z"})";
    const auto completed = tasks_.create("user-1", json::parse(raw), raw, std::nullopt);
    body["completed_task_id"] = completed.id;
    answer = post(body);
    EXPECT_EQ(answer.status, 201) << answer.body;
}

TEST_F(SeriesRoutesTest, CreatesTheInstanceOnceThenAnswersTheExistingOne) {
    const auto id = instance_id(kSeries, at(kDue));
    auto first = post(next_body());
    ASSERT_EQ(first.status, 201) << first.body;
    const auto task = json::parse(first.body).as_object();
    EXPECT_EQ(task.at("id"), json::value(id));
    EXPECT_EQ(task.at("user_id"), "user-1");
    EXPECT_EQ(task.at("series_id"), json::value(kSeries));
    EXPECT_EQ(task.at("status"), "pending");
    EXPECT_EQ(task.at("completed"), false);
    EXPECT_EQ(task.at("due_date"), json::value(kDue));
    EXPECT_EQ(task.at("rrule"), "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=4");
    EXPECT_EQ(task.at("version"), 1);
    EXPECT_EQ(outbox_types(), std::vector<std::string>{"com.todoai.task.created"});
    EXPECT_EQ(commits_, 1);

    // The event: task.created for the new id, correlated with the completion that caused it.
    {
        auto tx = db_->begin(store::Database::Access::read);
        auto event = json::parse(tx->query("SELECT event FROM outbox")[0].text(0)).as_object();
        EXPECT_EQ(event.at("subject"), json::value(id));
        EXPECT_EQ(event.at("data").at("correlation_id"), "evt-completed-1");
        EXPECT_EQ(event.at("data").at("payload").at("series_id"), json::value(kSeries));
    }

    clock_.advance(std::chrono::seconds(5));
    auto again = post(next_body());
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.body, first.body);  // the stored task, untouched
    EXPECT_EQ(outbox_types().size(), 1u);
    EXPECT_EQ(commits_, 1);

    auto stored = tasks_.get("user-1", id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->doc, first.body);
}

TEST_F(SeriesRoutesTest, RequiresTheAppToken) {
    const auto body = json::serialize(next_body());
    EXPECT_EQ(post(body, {}).status, 401);
    EXPECT_EQ(post(body, {{"dapr-api-token", "wrong"}}).status, 401);
    EXPECT_EQ(post(body, {{"dapr-api-token", std::string(kToken) + "x"}}).status, 401);
    EXPECT_EQ(post(body, {{"dapr-api-token", ""}}).status, 401);
    EXPECT_EQ(post(body, {{"authorization", "Bearer wrong"}}).status, 401);
    EXPECT_EQ(post(body, {{"authorization", std::string(kToken)}}).status, 401);  // not a Bearer credential
    EXPECT_TRUE(outbox_types().empty());

    auto res = post(body, {{"authorization", "Bearer " + std::string(kToken)}});
    EXPECT_EQ(res.status, 201) << res.body;
    EXPECT_EQ(res.content_type, "application/json");
}

TEST_F(SeriesRoutesTest, WrongTokenIsAProblem) {
    auto res = post(json::serialize(next_body()), {{"dapr-api-token", "nope"}});
    ASSERT_EQ(res.status, 401);
    EXPECT_EQ(res.content_type, "application/problem+json");
    EXPECT_EQ(json::parse(res.body).at("status"), 401);
}

TEST_F(SeriesRoutesTest, InvalidRequestsAre422AndWriteNothing) {
    auto with = [](auto edit) {
        auto b = next_body();
        edit(b);
        return b;
    };
    const std::vector<std::pair<std::string, json::object>> cases = {
        {"id", with([](json::object& b) { b["id"] = instance_id(kSeries, at(kDue) + std::chrono::days(1)); })},
        {"id", with([](json::object& b) { b["id"] = "not-a-uuid"; })},
        {"id", with([](json::object& b) { b.erase("id"); })},
        {"user_id", with([](json::object& b) { b["user_id"] = ""; })},
        {"user_id", with([](json::object& b) { b["user_id"] = 7; })},
        {"due_date", with([](json::object& b) { b["due_date"] = "tomorrow"; })},
        {"task.due_date", with([](json::object& b) { b["task"].as_object()["due_date"] = "2026-11-26T09:00:00Z"; })},
        {"task.is_recurring", with([](json::object& b) {
             auto& t = b["task"].as_object();
             t["is_recurring"] = false;
             t.erase("rrule");
         })},
        {"task.title", with([](json::object& b) { b["task"].as_object()["title"] = ""; })},
        {"task.bogus", with([](json::object& b) { b["task"].as_object()["bogus"] = 1; })},
        {"task", with([](json::object& b) { b.erase("task"); })},
        {"extra", with([](json::object& b) { b["extra"] = true; })},
        {"correlation_id", with([](json::object& b) { b["correlation_id"] = 5; })},
    };
    for (const auto& [field, body] : cases) {
        auto res = post(body);
        EXPECT_EQ(res.status, 422) << field << ": " << res.body;
        EXPECT_NE(res.body.find("\"" + field + "\""), std::string::npos) << field << ": " << res.body;
    }
    EXPECT_EQ(post(json::serialize(next_body()), {{"dapr-api-token", std::string(kToken)}}, "not-a-series").status,
              422);
    EXPECT_EQ(post("[1,2]").status, 422);
    EXPECT_EQ(post("{nope").status, 400);
    EXPECT_TRUE(outbox_types().empty());
}

class SeriesRoutesWithoutTokenTest : public SeriesRoutesTest {
  protected:
    SeriesRoutesWithoutTokenTest() : SeriesRoutesTest("") {}
};

TEST_F(SeriesRoutesWithoutTokenTest, AnswersServiceUnavailable) {
    auto res = post(next_body());
    EXPECT_EQ(res.status, 503);
    EXPECT_NE(res.body.find("APP_API_TOKEN not configured"), std::string::npos) << res.body;
    EXPECT_EQ(post(json::serialize(next_body()), {{"dapr-api-token", ""}}).status, 503);
    EXPECT_TRUE(outbox_types().empty());
}

}  // namespace
}  // namespace todoai::todo

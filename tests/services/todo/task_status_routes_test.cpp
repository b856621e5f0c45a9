// POST /internal/tasks/open through the real router on a real SQLite store.
#include "services/todo/task_status_routes.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

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

class TaskStatusRoutesTest : public ::testing::Test {
  protected:
    explicit TaskStatusRoutesTest(std::string token = std::string(kToken))
        : clock_(parse_rfc3339("2026-11-24T12:00:00Z").value()),
          db_(store::open_sqlite({.file = dir_.path() / "todo.db"})),
          tasks_(*db_, clock_, [this] { ++commits_; }) {
        db_->migrate(migrations());
        register_task_status_routes(router_, tasks_, std::move(token));
    }

    http::Response post(std::string body,
                        std::vector<std::pair<std::string, std::string>> headers = {
                            {"dapr-api-token", std::string(kToken)}}) {
        http::Request req;
        req.method = http::Method::post;
        req.path = req.target = "/internal/tasks/open";
        req.headers = std::move(headers);
        req.headers.emplace_back("content-type", "application/json");
        req.body = std::move(body);
        return router_.dispatch(req);
    }
    http::Response ask(const json::array& ids) { return post(json::serialize(json::object{{"ids", ids}})); }
    static json::array open_of(const http::Response& res) {
        return json::parse(res.body).as_object().at("open").as_array();
    }

    std::string create(const std::string& user, json::object body) {
        return tasks_.create(user, body, json::serialize(body), std::nullopt).id;
    }

    todoai::testing::TempDir dir_;
    ManualClock clock_;
    std::unique_ptr<store::Database> db_;
    int commits_ = 0;
    TaskService tasks_;
    http::Router router_;
};

TEST_F(TaskStatusRoutesTest, AnswersWhichTasksExistAndAreNotComplete) {
    const auto pending = create("user-1", {{"title", "pending"}});
    const auto in_progress = create("user-1", {{"title", "in progress"}, {"status", "in_progress"}});
    const auto completed = create("user-1", {{"title", "completed"}});
    const auto deleted = create("user-1", {{"title", "deleted"}});
    const auto others = create("user-2", {{"title", "another user's"}});
    const auto reopened = create("user-1", {{"title", "reopened"}});
    tasks_.toggle_complete("user-1", completed, std::nullopt);
    tasks_.remove("user-1", deleted, std::nullopt);
    tasks_.toggle_complete("user-1", reopened, std::nullopt);
    tasks_.toggle_complete("user-1", reopened, std::nullopt);
    const int commits = commits_;

    auto res = ask(json::array{json::string(completed), json::string(others), json::string(deleted),
                               json::string("no-such-task"), json::string(pending), json::string(in_progress),
                               json::string(pending), json::string(reopened)});
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.content_type, "application/json");
    // In the order asked, each once; another user's task counts (the caller is a service).
    EXPECT_EQ(open_of(res), (json::array{json::string(others), json::string(pending), json::string(in_progress),
                                         json::string(reopened)}));
    EXPECT_EQ(commits_, commits);  // a read: no write, no event

    res = ask(json::array{});
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_TRUE(open_of(res).empty());
    res = ask(json::array{json::string(completed)});
    ASSERT_EQ(res.status, 200);
    EXPECT_TRUE(open_of(res).empty());
}

TEST_F(TaskStatusRoutesTest, Takes256IdsAndNoMore) {
    const auto pending = create("user-1", {{"title", "pending"}});
    json::array ids;
    for (int i = 0; i < 255; ++i) ids.emplace_back(json::string("unknown-" + std::to_string(i)));
    ids.emplace_back(json::string(pending));
    auto res = ask(ids);
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(open_of(res), json::array{json::string(pending)});

    ids.emplace_back(json::string("one-too-many"));
    res = ask(ids);
    EXPECT_EQ(res.status, 422);
    EXPECT_EQ(res.content_type, "application/problem+json");
    EXPECT_NE(res.body.find("256"), std::string::npos) << res.body;
}

TEST_F(TaskStatusRoutesTest, RequiresTheAppToken) {
    const auto body = json::serialize(json::object{{"ids", json::array{}}});
    EXPECT_EQ(post(body, {}).status, 401);
    EXPECT_EQ(post(body, {{"dapr-api-token", "wrong"}}).status, 401);
    EXPECT_EQ(post(body, {{"dapr-api-token", std::string(kToken) + "x"}}).status, 401);
    EXPECT_EQ(post(body, {{"dapr-api-token", ""}}).status, 401);
    EXPECT_EQ(post(body, {{"authorization", "Bearer wrong"}}).status, 401);
    EXPECT_EQ(post(body, {{"authorization", std::string(kToken)}}).status, 401);  // not a Bearer credential
    auto res = post(body, {{"dapr-api-token", "wrong"}});
    EXPECT_EQ(res.content_type, "application/problem+json");
    EXPECT_EQ(json::parse(res.body).at("status"), 401);
    // Checked before the body is read.
    EXPECT_EQ(post("{not json", {}).status, 401);

    EXPECT_EQ(post(body, {{"authorization", "Bearer " + std::string(kToken)}}).status, 200);
    EXPECT_EQ(post(body).status, 200);
}

TEST_F(TaskStatusRoutesTest, BadBodiesAre422AndMalformedJson400) {
    for (std::string body :
         {R"([])", R"("ids")", R"({})", R"({"ids": "a,b"})", R"({"ids": {"a": 1}})", R"({"ids": [1]})",
          R"({"ids": [""]})", R"({"ids": [null]})", R"({"ids": ["a"], "x": 1})"}) {
        auto res = post(body);
        EXPECT_EQ(res.status, 422) << body << " -> " << res.body;
        EXPECT_EQ(res.content_type, "application/problem+json") << body;
    }
    const auto long_id = std::string(256, 'a');
    EXPECT_EQ(ask(json::array{json::string(long_id)}).status, 422);
    EXPECT_EQ(post("{not json").status, 400);
    EXPECT_EQ(post("").status, 400);
}

class UnconfiguredTaskStatusRoutesTest : public TaskStatusRoutesTest {
  protected:
    UnconfiguredTaskStatusRoutesTest() : TaskStatusRoutesTest("") {}
};

TEST_F(UnconfiguredTaskStatusRoutesTest, AnswersServiceUnavailableToEveryone) {
    const auto body = json::serialize(json::object{{"ids", json::array{}}});
    EXPECT_EQ(post(body, {}).status, 503);
    EXPECT_EQ(post(body, {{"dapr-api-token", ""}}).status, 503);
    EXPECT_EQ(post(body).status, 503);
}

}  // namespace
}  // namespace todoai::todo

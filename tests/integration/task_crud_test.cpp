// The todo service's CRUD flow over real HTTP against the real binary.
#include <chrono>
#include <thread>

#include "integration/todoai_fixture.hpp"
#include "runtime/auth/jwt.hpp"

namespace todoai::testing {
namespace {

using boost::json::object;

class TaskCrud : public TodoaiTest {};

TEST_F(TaskCrud, SignInAndMeReturnTheUser) {
    auto res = client_->request("POST", "/api/auth/sign-in",
                                R"({"email":"USER@example.com","password":"correct horse battery"})");
    ASSERT_EQ(res.status, 200) << res.body;
    auto token = str(res.json().at("token"));
    auto me = client_->authed("GET", "/api/auth/me", token);
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(str(me.json().at("id")), user_);
    EXPECT_EQ(str(me.json().at("email")), "user@example.com");

    auto wrong =
        client_->request("POST", "/api/auth/sign-in", R"({"email":"user@example.com","password":"nope nope"})");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.header("content-type"), "application/problem+json");
    auto dup = client_->request("POST", "/api/auth/sign-up",
                                R"({"email":"user@example.com","password":"another password","name":"x"})");
    EXPECT_EQ(dup.status, 409);
}

TEST_F(TaskCrud, CreateGetUpdatePatchCompleteDelete) {
    auto created = create({{"title", "Buy milk"},
                           {"description", "2 litres"},
                           {"priority", "high"},
                           {"tags", boost::json::array{"home", "shop"}},
                           {"due_date", "2030-01-02T10:00:00Z"},
                           {"reminders", boost::json::array{object{{"before_due", "PT15M"}}}}});
    const auto id = str(created.at("id"));
    EXPECT_EQ(str(created.at("user_id")), user_);
    EXPECT_EQ(str(created.at("status")), "pending");
    EXPECT_EQ(created.at("completed").as_bool(), false);
    EXPECT_EQ(created.at("version").as_int64(), 1);
    EXPECT_EQ(str(created.at("due_date")), "2030-01-02T10:00:00.000Z");

    auto got = call("GET", task_path(id));
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(got.header("etag"), "\"1\"");
    EXPECT_EQ(got.json().as_object(), created);

    // PUT replaces: fields not sent go back to their defaults; read-only fields sent back are ignored.
    auto put_body = created;
    put_body["title"] = "Buy oat milk";
    put_body.erase("description");
    auto put = call("PUT", task_path(id), put_body, {{"If-Match", "\"1\""}});
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(str(put.json().at("title")), "Buy oat milk");
    EXPECT_EQ(str(put.json().at("description")), "");
    EXPECT_EQ(put.json().at("version").as_int64(), 2);
    EXPECT_EQ(put.header("etag"), "\"2\"");

    // A stale If-Match loses.
    auto stale = call("PATCH", task_path(id), object{{"title", "late"}}, {{"If-Match", "\"1\""}});
    EXPECT_EQ(stale.status, 412);
    EXPECT_EQ(stale.header("content-type"), "application/problem+json");

    // Merge patch: only what is sent changes; null removes.
    auto patch =
        call("PATCH", task_path(id), object{{"priority", "low"}, {"due_date", nullptr}, {"reminders", nullptr}});
    ASSERT_EQ(patch.status, 200) << patch.body;
    EXPECT_EQ(str(patch.json().at("priority")), "low");
    EXPECT_TRUE(patch.json().at("due_date").is_null());
    EXPECT_EQ(str(patch.json().at("title")), "Buy oat milk");
    EXPECT_EQ(patch.json().at("tags").as_array().size(), 2u);

    // Toggle complete, and back; the front end's empty JSON body is accepted.
    auto done = call("PATCH", task_path(id) + "/complete", nullptr, {{"Content-Type", "application/json"}});
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(str(done.json().at("status")), "complete");
    EXPECT_TRUE(done.json().at("completed").as_bool());
    EXPECT_TRUE(done.json().at("completed_at").is_string());
    auto reopened = call("PATCH", task_path(id) + "/complete");
    EXPECT_EQ(str(reopened.json().at("status")), "pending");
    EXPECT_TRUE(reopened.json().at("completed_at").is_null());

    // `completed: true` is another way to write status.
    auto via_bool = call("PATCH", task_path(id), object{{"completed", true}});
    EXPECT_EQ(str(via_bool.json().at("status")), "complete");

    EXPECT_EQ(call("DELETE", task_path(id)).status, 204);
    EXPECT_EQ(call("GET", task_path(id)).status, 404);
    EXPECT_EQ(call("DELETE", task_path(id)).status, 404);
}

TEST_F(TaskCrud, CreateAnswersLocationAndTheCompatibilityForms) {
    auto res = call("POST", tasks_path(), object{{"title", "t"}, {"tags", "a, b,,c"}, {"completed", true}});
    ASSERT_EQ(res.status, 201) << res.body;
    auto id = str(res.json().at("id"));
    EXPECT_EQ(res.header("location"), task_path(id));
    EXPECT_EQ(res.json().at("tags"), (boost::json::array{"a", "b", "c"}));
    EXPECT_EQ(str(res.json().at("status")), "complete");
}

TEST_F(TaskCrud, IdempotencyKeyReturnsTheSameTaskOnce) {
    auto first = call("POST", tasks_path(), object{{"title", "once"}}, {{"Idempotency-Key", "k-1"}});
    auto again = call("POST", tasks_path(), object{{"title", "once"}}, {{"Idempotency-Key", "k-1"}});
    ASSERT_EQ(first.status, 201);
    ASSERT_EQ(again.status, 201);
    EXPECT_EQ(first.json().at("id"), again.json().at("id"));
    auto other = call("POST", tasks_path(), object{{"title", "different"}}, {{"Idempotency-Key", "k-1"}});
    EXPECT_EQ(other.status, 422);
    auto list = call("GET", tasks_path());
    EXPECT_EQ(list.json().as_array().size(), 1u);
}

TEST_F(TaskCrud, AnotherUsersDataIsForbiddenOrNotFound) {
    auto mine = create({{"title", "private"}});
    auto [other_id, other_token] = sign_up(*client_, "other@example.com");
    // Another user's path: 403.
    auto res = client_->authed("GET", task_path(str(mine.at("id"))), other_token);
    EXPECT_EQ(res.status, 403);
    // Their own path with my task's id: 404, which does not reveal that the task exists.
    auto theirs = client_->authed("GET", "/api/" + other_id + "/tasks/" + str(mine.at("id")), other_token);
    EXPECT_EQ(theirs.status, 404);
    auto del = client_->authed("DELETE", "/api/" + other_id + "/tasks/" + str(mine.at("id")), other_token);
    EXPECT_EQ(del.status, 404);
    EXPECT_EQ(call("GET", task_path(str(mine.at("id")))).status, 200);
}

TEST_F(TaskCrud, ATokenFromAnotherIssuerWithTheSharedSecretIsAUser) {
    // The notes' Better Auth front end signs its own tokens with JWT_SECRET; their users never signed up here.
    SystemClock clock;
    auth::JwtCodec issuer(kTestJwtSecret, clock);
    const std::string outsider = "better-auth-user-42";
    auto token = issuer.issue(outsider, std::chrono::hours(1));
    auto me = client_->authed("GET", "/api/auth/me", token);
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(me.json(), (boost::json::object{{"id", outsider}}));
    auto created = client_->authed("POST", "/api/" + outsider + "/tasks", token, R"({"title":"from outside"})");
    EXPECT_EQ(created.status, 201) << created.body;

    auto expired = issuer.issue(outsider, std::chrono::seconds(-10));
    EXPECT_EQ(client_->authed("GET", "/api/auth/me", expired).status, 401);
    auth::JwtCodec forger("a-completely-different-secret-0123456789", clock);
    EXPECT_EQ(client_->authed("GET", "/api/auth/me", forger.issue(user_, std::chrono::hours(1))).status, 401);
}

TEST_F(TaskCrud, HealthReadyMetricsAndOpenApi) {
    EXPECT_EQ(client_->request("GET", "/health").status, 200);
    EXPECT_EQ(client_->request("GET", "/health/ready").status, 200);
    create({{"title", "counted"}});
    auto metrics = client_->request("GET", "/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("todoai_http_requests_total"), std::string::npos);
    EXPECT_NE(metrics.body.find("/api/{user_id}/tasks"), std::string::npos);
    // The consumers' answers follow as the relay delivers the task's event (asynchronously): scraped until seen.
    const std::string delivered =
        R"(todoai_events_total{group="audit-service",topic="task-events",outcome="success"} 1)";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (metrics.body.find(delivered) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        metrics = client_->request("GET", "/metrics");
    }
    EXPECT_NE(metrics.body.find(delivered), std::string::npos) << metrics.body;
    auto openapi = client_->request("GET", "/openapi.json");
    ASSERT_EQ(openapi.status, 200);
    EXPECT_EQ(str(openapi.json().at("openapi")).substr(0, 3), "3.1");
}

}  // namespace
}  // namespace todoai::testing

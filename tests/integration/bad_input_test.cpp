// A battery of bad requests: each gets the documented problem+json status, and afterwards the stored data is
// byte-for-byte what it was (a full `sqlite3 .dump` of todo.db compared before and after) and the process still serves.
#include <array>
#include <cstdio>

#include "core/clock.hpp"
#include "integration/todoai_fixture.hpp"
#include "runtime/auth/jwt.hpp"

namespace todoai::testing {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

struct BadRequest {
    std::string name;
    std::string method;
    std::string target;
    std::string body;
    Headers headers;
    int status;
    std::string field = {};  // for 422: a field the errors must name
};

std::string dump(const std::filesystem::path& db) {
    std::string out;
    auto cmd = "sqlite3 -readonly '" + db.string() + "' .dump";
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) return "popen failed";
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
    pclose(pipe);
    return out;
}

class BadInput : public TodoaiTest {
  protected:
    std::vector<BadRequest> battery(const std::string& task_id) {
        std::vector<BadRequest> b;
        const auto bearer = Headers{{"Authorization", "Bearer " + token_}};
        const auto tasks = tasks_path();
        const auto task = task_path(task_id);
        auto with = [&](Headers extra) {
            Headers h = bearer;
            h.insert(h.end(), extra.begin(), extra.end());
            return h;
        };

        // Malformed JSON on every writing route: 400.
        const std::vector<std::string> malformed = {"{",
                                                    "}",
                                                    "[",
                                                    "{\"title\":}",
                                                    "{\"title\":\"x\",}",
                                                    "{'title':'x'}",
                                                    "nul",
                                                    "{\"title\":\"x\"} trailing",
                                                    "\xff\xfe",
                                                    "{\"title\":\"\xc3\x28\"}",
                                                    "{\"title\":\"x\"",
                                                    std::string(200, '['),
                                                    "{\"title\":\"x\" \"y\"}",
                                                    "{\"title\":\"\\ud800\"}x",
                                                    "\"unterminated"};
        for (std::size_t i = 0; i < malformed.size(); ++i) {
            b.push_back({"malformed POST " + std::to_string(i), "POST", tasks, malformed[i], bearer, 400});
            b.push_back({"malformed PUT " + std::to_string(i), "PUT", task, malformed[i], bearer, 400});
            b.push_back({"malformed PATCH " + std::to_string(i), "PATCH", task, malformed[i], bearer, 400});
        }
        b.push_back({"malformed sign-up", "POST", "/api/auth/sign-up", "{", {}, 400});
        b.push_back({"empty body", "POST", tasks, "", bearer, 400});

        // Wrong types, out-of-range values and unknown fields: 422 naming the field, on POST and PUT.
        std::vector<std::pair<std::string, value>> invalid;
        auto add = [&](std::string field, value v) { invalid.emplace_back(std::move(field), std::move(v)); };
        add("title", 5);
        add("title", "");
        add("title", value(std::string(256, 'a')));
        add("title", nullptr);
        add("title", array{});
        add("description", 1);
        add("description", value(std::string(10001, 'd')));
        add("status", "finished");
        add("status", 1);
        add("priority", "urgent");
        add("priority", true);
        add("tags", 3);
        add("tags", array{1});
        array too_many_tags;
        for (int i = 0; i < 21; ++i) too_many_tags.push_back(value("tag" + std::to_string(i)));
        add("tags", too_many_tags);
        add("tags", array{std::string(51, 't')});
        add("tags", array{""});
        add("due_date", "tomorrow");
        add("due_date", "2030-02-30T00:00:00Z");
        add("due_date", "2030-01-01T00:00:00");
        add("due_date", 17);
        add("reminders", "soon");
        add("reminders", array{object{}});
        add("reminders", array{object{{"at", "later"}}});
        add("reminders", array{object{{"before_due", "15m"}}});
        add("reminders", array(11, value(object{{"at", "2030-01-01T00:00:00Z"}})));
        add("reminders", array{object{{"at", "2030-01-01T00:00:00Z"}, {"before_due", "PT1M"}}});
        add("is_recurring", "yes");
        add("recurrence_schedule", "hourly");
        add("recurrence_schedule", 7);
        add("rrule", "FREQ=SOMETIMES");
        add("rrule", "COUNT=3");
        add("rrule", 12);
        add("rrule", value(std::string(600, 'R')));
        add("recurrence_from", "start");
        add("completed", "yes");
        add("colour", "red");
        add("__proto__", object{});
        for (const auto& [field, v] : invalid) {
            object body{{"title", "valid title"}};
            body[field] = v;
            auto text = boost::json::serialize(body);
            auto expect_field = field == "__proto__" ? "__proto__" : field;
            b.push_back({"POST invalid " + field, "POST", tasks, text, bearer, 422, expect_field});
            b.push_back({"PUT invalid " + field, "PUT", task, text, bearer, 422, expect_field});
            b.push_back({"PATCH invalid " + field, "PATCH", task, boost::json::serialize(object{{field, v}}), bearer,
                         422, field == "title" && v.is_null() ? "title" : expect_field});
        }
        b.push_back({"recurring without schedule", "POST", tasks, R"({"title":"x","is_recurring":true})", bearer, 422,
                     "is_recurring"});
        b.push_back({"before_due without due date", "POST", tasks,
                     R"({"title":"x","reminders":[{"before_due":"PT5M"}]})", bearer, 422});
        b.push_back({"not an object", "POST", tasks, "[1,2]", bearer, 422});
        b.push_back({"string body", "POST", tasks, "\"title\"", bearer, 422});
        b.push_back({"patch not an object", "PATCH", task, "[]", bearer, 422});
        b.push_back({"sign-up bad email",
                     "POST",
                     "/api/auth/sign-up",
                     R"({"email":"no-at","password":"longenough"})",
                     {},
                     422,
                     "email"});
        b.push_back({"sign-up short password",
                     "POST",
                     "/api/auth/sign-up",
                     R"({"email":"a@b.co","password":"short"})",
                     {},
                     422,
                     "password"});
        b.push_back({"sign-up unknown field",
                     "POST",
                     "/api/auth/sign-up",
                     R"({"email":"a@b.co","password":"longenough","admin":true})",
                     {},
                     422,
                     "admin"});
        for (std::string q : {"limit=0", "limit=abc", "limit=201", "limit=-1", "sort=x", "order=up", "status=x",
                              "priority=x", "due_from=x", "due_to=2030-13-01T00:00:00Z", "cursor=%00%01"})
            b.push_back({"list " + q, "GET", tasks + "?" + q, "", bearer, 422});
        b.push_back({"idempotency key too long", "POST", tasks, R"({"title":"x"})",
                     with({{"Idempotency-Key", std::string(300, 'k')}}), 422});

        // Tokens: missing, malformed, forged, expired, alg none -> 401.
        SystemClock clock;
        auth::JwtCodec self(kTestJwtSecret, clock);
        auth::JwtCodec forger("another-secret-that-is-long-enough-0123", clock);
        const std::vector<std::pair<std::string, Headers>> bad_auth = {
            {"no token", {}},
            {"basic scheme", {{"Authorization", "Basic dXNlcjpwYXNz"}}},
            {"bearer empty", {{"Authorization", "Bearer "}}},
            {"bearer garbage", {{"Authorization", "Bearer garbage"}}},
            {"bearer dots", {{"Authorization", "Bearer a.b.c"}}},
            {"forged", {{"Authorization", "Bearer " + forger.issue(user_, std::chrono::hours(1))}}},
            {"expired", {{"Authorization", "Bearer " + self.issue(user_, std::chrono::seconds(-60))}}},
            {"alg none",
             {{"Authorization", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4IiwiZXhwIjo0MTAyNDQ0ODAwfQ."}}},
            {"huge token", {{"Authorization", "Bearer " + std::string(8000, 'A')}}},
        };
        for (const auto& [name, headers] : bad_auth) {
            b.push_back({"list " + name, "GET", tasks, "", headers, 401});
            b.push_back({"create " + name, "POST", tasks, R"({"title":"x"})", headers, 401});
            b.push_back({"delete " + name, "DELETE", task, "", headers, 401});
            b.push_back({"me " + name, "GET", "/api/auth/me", "", headers, 401});
        }
        b.push_back({"sign-in wrong password",
                     "POST",
                     "/api/auth/sign-in",
                     R"({"email":"user@example.com","password":"wrong password"})",
                     {},
                     401});
        b.push_back({"sign-in unknown user",
                     "POST",
                     "/api/auth/sign-in",
                     R"({"email":"nobody@example.com","password":"whatever1"})",
                     {},
                     401});

        // Someone else's data: 403 on another user's path, 404 for a task that is not theirs.
        for (std::string other : {"someone-else", "00000000-0000-0000-0000-000000000000", "..", "%2e%2e"}) {
            b.push_back({"other user list " + other, "GET", "/api/" + other + "/tasks", "", bearer, 403});
            b.push_back(
                {"other user create " + other, "POST", "/api/" + other + "/tasks", R"({"title":"x"})", bearer, 403});
            b.push_back(
                {"other user delete " + other, "DELETE", "/api/" + other + "/tasks/" + task_id, "", bearer, 403});
        }
        for (std::string id : std::vector<std::string>{"nope", "00000000-0000-0000-0000-000000000000",
                                                       std::string(300, 'x'), "%00", "%ff"}) {
            b.push_back({"unknown task GET " + id.substr(0, 10), "GET", tasks + "/" + id, "", bearer, 404});
            b.push_back(
                {"unknown task PUT " + id.substr(0, 10), "PUT", tasks + "/" + id, R"({"title":"x"})", bearer, 404});
            b.push_back({"unknown task complete " + id.substr(0, 10), "PATCH", tasks + "/" + id + "/complete", "",
                         bearer, 404});
        }
        b.push_back({"stale if-match put", "PUT", task, R"({"title":"x"})", with({{"If-Match", "\"99\""}}), 412});
        b.push_back({"weak if-match", "PATCH", task, R"({"title":"x"})", with({{"If-Match", "W/\"1\""}}), 412});
        b.push_back({"garbage if-match", "DELETE", task, "", with({{"If-Match", "banana"}}), 412});

        // Routing: 404 and 405 with Allow. (GET / is the web UI; only the files of web/ exist under /web/.)
        for (std::string path :
             std::vector<std::string>{"/web", "/web/", "/web/nope.js", "/web/a/app.js", "/index.html", "/api", "/api/", "/api/x", "/api/auth", "/api/" + user_ + "/tasks/a/b/c",
                                      "/api/" + user_ + "/task", "/API/auth/me", "/openapi.json/x"})
            b.push_back({"unknown route " + path, "GET", path, "", bearer, 404});
        b.push_back({"DELETE collection", "DELETE", tasks, "", bearer, 405});
        b.push_back({"PUT sign-in", "PUT", "/api/auth/sign-in", "{}", {}, 405});
        b.push_back({"POST task", "POST", task, "{}", bearer, 405});
        b.push_back({"BREW", "BREW", tasks, "", bearer, 405});
        b.push_back({"GET complete", "GET", task + "/complete", "", bearer, 405});

        // Content type and size.
        b.push_back({"text/plain", "POST", tasks, R"({"title":"x"})", with({{"Content-Type", "text/plain"}}), 415});
        b.push_back(
            {"form", "PUT", task, "title=x", with({{"Content-Type", "application/x-www-form-urlencoded"}}), 415});
        b.push_back(
            {"oversize", "POST", tasks, "{\"title\":\"" + std::string((1 << 20) + 10, 'a') + "\"}", bearer, 413});
        return b;
    }
};

TEST_F(BadInput, EveryBadRequestGetsItsProblemAndNothingChanges) {
    auto task = create({{"title", "untouchable"}, {"tags", array{"keep"}}, {"due_date", "2030-05-05T05:05:05Z"}});
    const auto task_id = str(task.at("id"));
    auto [other_user, other_token] = sign_up(*client_, "other@example.com");
    (void)other_token;
    const auto db = dir_.path() / "data" / "todo.db";
    const auto before = dump(db);
    ASSERT_NE(before.find("untouchable"), std::string::npos);

    auto requests = battery(task_id);
    ASSERT_GE(requests.size(), 200u);
    for (const auto& r : requests) {
        auto res = client_->request(r.method, r.target, r.body, r.headers);
        EXPECT_EQ(res.status, r.status) << r.name << ": " << res.body.substr(0, 300);
        EXPECT_EQ(res.header("content-type"), "application/problem+json") << r.name;
        if (res.header("content-type") != "application/problem+json") continue;
        boost::system::error_code ec;
        auto parsed = boost::json::parse(res.body, ec);
        if (ec || !parsed.is_object()) {
            ADD_FAILURE() << r.name << ": the problem body is not a JSON object: " << res.body.substr(0, 200);
            continue;
        }
        const auto& problem = parsed.as_object();
        EXPECT_EQ(problem.at("status").as_int64(), r.status) << r.name;
        EXPECT_TRUE(problem.at("title").is_string()) << r.name;
        EXPECT_TRUE(problem.at("detail").is_string()) << r.name;
        if (r.status == 405) {
            EXPECT_FALSE(res.header("allow").empty()) << r.name;
        }
        if (!r.field.empty()) {
            bool named = false;
            for (auto& e : problem.at("errors").as_array()) {
                auto field = str(e.at("field"));  // "tags[3]" and "reminders[0].at" name "tags" and "reminders"
                named =
                    named || field == r.field || field.starts_with(r.field + "[") || field.starts_with(r.field + ".");
            }
            EXPECT_TRUE(named) << r.name << " should name field " << r.field << ": " << res.body.substr(0, 300);
        }
    }

    // Malformed HTTP on raw connections: 400, and the server keeps going.
    for (std::string raw :
         {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
          "POST /api/auth/sign-in HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
          "POST /api/auth/sign-in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n"}) {
        auto reply = client_->raw(raw);
        EXPECT_NE(reply.find(" 400 "), std::string::npos) << raw << " -> " << reply.substr(0, 200);
    }
    auto huge_header =
        client_->raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'h') + "\r\n\r\n");
    EXPECT_NE(huge_header.find(" 431 "), std::string::npos) << huge_header.substr(0, 200);

    EXPECT_EQ(dump(db), before) << "a rejected request changed stored data";
    EXPECT_EQ(client_->request("GET", "/health").status, 200);
    auto still = call("GET", task_path(task_id));
    EXPECT_EQ(still.status, 200);
    EXPECT_EQ(still.json().as_object(), task);
}

}  // namespace
}  // namespace todoai::testing

// GET /api/{user_id}/audit through a real http::Router: auth, parameters, pages.
#include <gtest/gtest.h>

#include "runtime/auth/jwt.hpp"
#include "runtime/http/router.hpp"
#include "services/audit/audit_test_support.hpp"

namespace todoai::audit {
namespace {

using testing::AuditFixture;
using testing::event_text;
using testing::EventSpec;
namespace json = boost::json;

constexpr std::string_view kSecret = "audit-test-secret-at-least-32-bytes-long!";

class AuditRoutesTest : public AuditFixture {
  protected:
    AuditRoutesTest() : jwt_(std::string(kSecret), system_clock_) { service_.register_routes(router_, jwt_); }

    http::Response get(std::string user_path,
                       std::vector<std::pair<std::string, std::string>> query = {},
                       std::optional<std::string> token = std::nullopt) {
        http::Request req;
        req.method = http::Method::get;
        req.path = "/api/" + user_path + "/audit";
        req.target = req.path;
        req.query = std::move(query);
        if (token) req.headers.emplace_back("authorization", "Bearer " + *token);
        return router_.dispatch(req);
    }
    http::Response get_as(std::string_view user, std::vector<std::pair<std::string, std::string>> query = {}) {
        return get(std::string(user), std::move(query), jwt_.issue(user, std::chrono::minutes(5)));
    }

    // A 200 answer as {"items": its array, "next_cursor": its X-Next-Cursor or null}, after checking that Link and
    // X-Next-Cursor agree.
    static json::object page_of(const http::Response& r) {
        std::string link, cursor;
        for (const auto& [name, value] : r.headers) {
            if (name == "Link") link = value;
            if (name == "X-Next-Cursor") cursor = value;
        }
        EXPECT_EQ(link.empty(), cursor.empty()) << link;
        if (!cursor.empty()) {
            EXPECT_NE(link.find("cursor=" + cursor + ">; rel=\"next\""), std::string::npos) << link;
        }
        json::value next = nullptr;
        if (!cursor.empty()) next = json::string(cursor);
        return json::object{{"items", json::parse(r.body)}, {"next_cursor", std::move(next)}};
    }

    // The `field`s of a 422 problem.
    static std::vector<std::string> fields(const http::Response& r) {
        std::vector<std::string> out;
        auto body = json::parse(r.body).as_object();
        if (auto* errors = body.if_contains("errors"))
            for (const auto& e : errors->as_array()) out.emplace_back(e.as_object().at("field").as_string());
        return out;
    }

    SystemClock system_clock_;
    auth::JwtCodec jwt_;
    http::Router router_;
};

TEST_F(AuditRoutesTest, RegistersOneGetRouteAndItsTokenUserAlias) {
    auto routes = router_.routes();
    ASSERT_EQ(routes.size(), 2u);
    EXPECT_EQ(routes[0].method, http::Method::get);
    EXPECT_EQ(routes[0].pattern, "/api/{user_id}/audit");
    EXPECT_EQ(routes[1].method, http::Method::get);
    EXPECT_EQ(routes[1].pattern, "/api/audit");
}

TEST_F(AuditRoutesTest, TheAliasServesTheTokensUser) {
    deliver_ok({.id = "mine"});
    deliver_ok({.id = "theirs", .user_id = "user-b"});
    http::Request req;
    req.path = req.target = "/api/audit/";  // a trailing slash too, as some clients send
    req.headers.emplace_back("authorization", "Bearer " + jwt_.issue("user-a", std::chrono::minutes(5)));
    auto r = router_.dispatch(req);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(ids(page_of(r)), std::vector<std::string>{"mine"});
    req.headers.clear();
    EXPECT_EQ(router_.dispatch(req).status, 401);
}

TEST_F(AuditRoutesTest, ReturnsTheUsersTrail) {
    deliver_ok({.id = "e1"});
    deliver_ok({.type = "com.todoai.task.completed", .id = "e2"});
    deliver_ok({.id = "other", .user_id = "user-b"});
    auto r = get_as("user-a");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    auto body = page_of(r);
    EXPECT_EQ(ids(body), (std::vector<std::string>{"e2", "e1"}));
    EXPECT_TRUE(body.at("next_cursor").is_null());
    EXPECT_EQ(body.at("items").as_array()[0].as_object().at("event_type"), "com.todoai.task.completed");
}

TEST_F(AuditRoutesTest, WithoutAValidTokenIs401) {
    deliver_ok({.id = "e1"});
    EXPECT_EQ(get("user-a").status, 401);
    EXPECT_EQ(get("user-a", {}, "not-a-token").status, 401);
    auth::JwtCodec forger("another-secret-that-is-also-32-bytes-long", system_clock_);
    auto forged = get("user-a", {}, forger.issue("user-a", std::chrono::minutes(5)));
    EXPECT_EQ(forged.status, 401);
    EXPECT_EQ(forged.content_type, "application/problem+json");
    EXPECT_EQ(forged.body.find("e1"), std::string::npos);
    // Same secret, but expired an hour ago.
    ManualClock past(system_clock_.now() - std::chrono::hours(2));
    auth::JwtCodec old_issuer(std::string(kSecret), past);
    EXPECT_EQ(get("user-a", {}, old_issuer.issue("user-a", std::chrono::hours(1))).status, 401);
    // A good token for the right user passes (so the 401s above are about the token, not the route).
    EXPECT_EQ(get_as("user-a").status, 200);
}

TEST_F(AuditRoutesTest, AnotherUsersPathIs403) {
    deliver_ok({.id = "secret-of-b", .user_id = "user-b"});
    auto r = get("user-b", {}, jwt_.issue("user-a", std::chrono::minutes(5)));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.body.find("secret-of-b"), std::string::npos);
}

TEST_F(AuditRoutesTest, BadParametersAre422NamingThem) {
    const std::vector<std::pair<std::pair<std::string, std::string>, std::string>> cases = {
        {{"limit", "0"}, "limit"},
        {{"limit", "201"}, "limit"},
        {{"limit", "-1"}, "limit"},
        {{"limit", "ten"}, "limit"},
        {{"limit", "5x"}, "limit"},
        {{"limit", ""}, "limit"},
        {{"from", "yesterday"}, "from"},
        {{"from", "2026-02-08"}, "from"},
        {{"to", "2026-02-30T10:00:00Z"}, "to"},
        {{"to", "2026-02-08T10:00:00"}, "to"},
        {{"cursor", "!!!"}, "cursor"},
        {{"cursor", "bm90LWEtbnVtYmVy"}, "cursor"},  // base64url of "not-a-number"
        {{"cursor", "MA"}, "cursor"},                // "0"
        {{"cursor", "LTE"}, "cursor"},               // "-1"
        {{"cursor", std::string(100, 'M')}, "cursor"},
        {{"event_type", "task-archived"}, "event_type"},
        {{"event_type", "com.example.x"}, "event_type"},
        {{"task_id", std::string(256, 't')}, "task_id"},
    };
    for (const auto& [param, field] : cases) {
        auto r = get_as("user-a", {param});
        EXPECT_EQ(r.status, 422) << param.first << "=" << param.second;
        EXPECT_EQ(r.content_type, "application/problem+json");
        EXPECT_EQ(fields(r), std::vector<std::string>{field}) << param.first << "=" << param.second;
    }
    // Several at once: each is named.
    auto r = get_as("user-a", {{"limit", "0"}, {"from", "x"}, {"cursor", "?"}});
    EXPECT_EQ(r.status, 422);
    EXPECT_EQ(fields(r), (std::vector<std::string>{"from", "limit", "cursor"}));
}

TEST_F(AuditRoutesTest, LimitBoundsAreAccepted) {
    for (int i = 0; i < 3; ++i) deliver_ok({.id = testing::numbered("e", i)});
    EXPECT_EQ(page_of(get_as("user-a", {{"limit", "1"}})).at("items").as_array().size(), 1u);
    EXPECT_EQ(page_of(get_as("user-a", {{"limit", "200"}})).at("items").as_array().size(), 3u);
}

TEST_F(AuditRoutesTest, FiltersAcceptFullAndShortEventTypes) {
    deliver_ok({.type = "com.todoai.task.created", .id = "c1"});
    deliver_ok({.type = "com.todoai.task.deleted", .id = "d1"});
    deliver_ok({.type = "com.todoai.reminder.scheduled", .id = "s1"});
    for (std::string form : {"com.todoai.task.deleted", "task-deleted"})
        EXPECT_EQ(ids(page_of(get_as("user-a", {{"event_type", form}}))),
                  std::vector<std::string>{"d1"})
            << form;
    EXPECT_EQ(ids(page_of(get_as("user-a", {{"event_type", "reminder-scheduled"}}))),
              std::vector<std::string>{"s1"});
}

TEST_F(AuditRoutesTest, FiltersByTaskAndTimeOverHttp) {
    deliver_ok({.id = "early", .task_id = "t1", .time = testing::at("2026-01-01T00:00:00Z")});
    deliver_ok({.id = "mid", .task_id = "t2", .time = testing::at("2026-01-15T00:00:00Z")});
    deliver_ok({.id = "late", .task_id = "t1", .time = testing::at("2026-02-01T00:00:00Z")});
    auto page = [&](std::vector<std::pair<std::string, std::string>> q) {
        auto r = get_as("user-a", std::move(q));
        EXPECT_EQ(r.status, 200) << r.body;
        return ids(page_of(r));
    };
    EXPECT_EQ(page({{"task_id", "t1"}}), (std::vector<std::string>{"late", "early"}));
    // An offset is applied: 2026-01-15T02:00+02:00 is exactly mid's instant (inclusive).
    EXPECT_EQ(page({{"from", "2026-01-15T02:00:00+02:00"}}), (std::vector<std::string>{"late", "mid"}));
    EXPECT_EQ(page({{"to", "2026-01-14T23:59:59.999Z"}}), std::vector<std::string>{"early"});
    EXPECT_EQ(page({{"from", "2026-01-02T00:00:00Z"}, {"to", "2026-01-31T00:00:00Z"}}),
              std::vector<std::string>{"mid"});
    EXPECT_EQ(page({{"task_id", "t1"}, {"from", "2026-01-02T00:00:00Z"}}), std::vector<std::string>{"late"});
    EXPECT_EQ(page({{"task_id", ""}}).size(), 3u);  // empty = absent
}

TEST_F(AuditRoutesTest, FollowingNextCursorVisitsEveryItemOnce) {
    for (int i = 0; i < 120; ++i) deliver_ok({.id = testing::numbered("p", i)});
    std::vector<std::string> seen;
    std::vector<std::pair<std::string, std::string>> q{{"limit", "50"}};
    int pages = 0;
    for (; pages < 10; ++pages) {
        auto r = get_as("user-a", q);
        ASSERT_EQ(r.status, 200) << r.body;
        auto body = page_of(r);
        auto page_ids = ids(body);
        seen.insert(seen.end(), page_ids.begin(), page_ids.end());
        if (body.at("next_cursor").is_null()) break;
        q = {{"limit", "50"}, {"cursor", std::string(body.at("next_cursor").as_string())}};
    }
    EXPECT_EQ(pages, 2);  // 0-based: three pages
    ASSERT_EQ(seen.size(), 120u);
    for (int i = 0; i < 120; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], testing::numbered("p", 119 - i));
}

TEST_F(AuditRoutesTest, DefaultLimitIs50) {
    for (int i = 0; i < 51; ++i) deliver_ok({.id = testing::numbered("d", i)});
    auto body = page_of(get_as("user-a"));
    EXPECT_EQ(body.at("items").as_array().size(), 50u);
    EXPECT_TRUE(body.at("next_cursor").is_string());
}

}  // namespace
}  // namespace todoai::audit

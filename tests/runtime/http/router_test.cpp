#include "runtime/http/router.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "runtime/http/problem.hpp"

namespace todoai::http {
namespace {

Response text(std::string body) {
    Response res;
    res.content_type = "text/plain";
    res.body = std::move(body);
    return res;
}

Request make(Method method, std::string target) {
    Request req;
    req.method = method;
    req.target = std::move(target);
    req.path = req.target.substr(0, req.target.find('?'));
    req.request_id = "test-id";
    return req;
}

boost::json::object body_of(const Response& res) { return boost::json::parse(res.body).as_object(); }

std::string header(const Response& res, std::string_view name) {
    for (const auto& [n, v] : res.headers)
        if (n == name) return v;
    return "<none>";
}

class RouterTest : public ::testing::Test {
  protected:
    RouterTest() {
        router_.add(Method::get, "/users/me", [](Request&) { return text("me"); });
        router_.add(Method::get, "/users/{id}", [](Request& r) { return text("user " + std::string(r.param("id"))); });
        router_.add(Method::del, "/users/{uid}",
                    [](Request& r) { return text("deleted " + std::string(r.param("uid"))); });
        router_.add(Method::post, "/users/{id}", [](Request&) { return text("posted"); });
        router_.add(Method::get, "/a/b/c", [](Request&) { return text("abc"); });
        router_.add(Method::get, "/a/{x}/d", [](Request& r) { return text("x=" + std::string(r.param("x"))); });
        router_.add(Method::get, "/", [](Request&) { return text("root"); });
        router_.add(Method::get, "/x", [](Request&) { return text("x"); });
        router_.add(Method::get, "/api/{user_id}/tasks/{id}", [](Request& r) {
            return text(std::string(r.param("user_id")) + "|" + std::string(r.param("id")));
        });
        router_.add(Method::get, "/fail/http", [](Request&) -> Response {
            throw HttpError(422, "title is empty", {{"title", "must not be empty"}});
        });
        router_.add(Method::get, "/fail/std", [](Request&) -> Response { throw std::runtime_error("db password"); });
        router_.add(Method::get, "/fail/int", [](Request&) -> Response { throw 42; });
    }

    Response dispatch(Method method, std::string target) {
        last_ = make(method, std::move(target));
        return router_.dispatch(last_);
    }

    Router router_;
    Request last_;
};

TEST_F(RouterTest, LiteralBeatsParameter) {
    EXPECT_EQ(dispatch(Method::get, "/users/me").body, "me");
    EXPECT_EQ(last_.route, "/users/me");
    EXPECT_EQ(dispatch(Method::get, "/users/42").body, "user 42");
    EXPECT_EQ(last_.route, "/users/{id}");
}

TEST_F(RouterTest, BacktracksFromLiteralToParameter) {
    EXPECT_EQ(dispatch(Method::get, "/a/b/c").body, "abc");
    EXPECT_EQ(dispatch(Method::get, "/a/b/d").body, "x=b");
    EXPECT_EQ(last_.route, "/a/{x}/d");
}

TEST_F(RouterTest, ParameterNamesArePerRoute) {
    EXPECT_EQ(dispatch(Method::del, "/users/7").body, "deleted 7");
    EXPECT_EQ(dispatch(Method::get, "/api/u1/tasks/t9?x=1").body, "u1|t9");
    ASSERT_EQ(last_.params.size(), 2u);
    EXPECT_EQ(last_.params[0].first, "user_id");
}

TEST_F(RouterTest, ParametersArePercentDecoded) {
    EXPECT_EQ(dispatch(Method::get, "/users/a%2Fb%20c").body, "user a/b c");
    EXPECT_EQ(dispatch(Method::get, "/users/%6De").body, "me");  // a decoded literal still matches
    EXPECT_EQ(dispatch(Method::get, "/users/a+b").body, "user a+b");
}

TEST_F(RouterTest, RootAndNotFound) {
    EXPECT_EQ(dispatch(Method::get, "/").body, "root");
    const auto res = dispatch(Method::get, "/nope");
    EXPECT_EQ(res.status, 404);
    EXPECT_EQ(res.content_type, "application/problem+json");
    EXPECT_EQ(body_of(res).at("status").as_int64(), 404);
    EXPECT_TRUE(last_.route.empty());
}

// Many clients add a trailing slash ("/api/tasks/"); it names the same resource. Other empty segments still do not.
TEST_F(RouterTest, ATrailingSlashIsToleratedOtherEmptySegmentsDoNotMatch) {
    EXPECT_EQ(dispatch(Method::get, "/x").status, 200);
    EXPECT_EQ(dispatch(Method::get, "/x/").body, "x");
    EXPECT_EQ(dispatch(Method::get, "/users/42/").body, "user 42");
    EXPECT_EQ(dispatch(Method::get, "/api/u/tasks/t1/").body, "u|t1");
    EXPECT_EQ(dispatch(Method::get, "/users/").status, 404);  // "/users" is not a route; {id} never matches ""
    EXPECT_EQ(dispatch(Method::get, "/x//").status, 404);
    EXPECT_EQ(dispatch(Method::get, "//x").status, 404);
}

TEST_F(RouterTest, MethodNotAllowedListsMethodsSortedWithHead) {
    const auto res = dispatch(Method::put, "/users/42");
    EXPECT_EQ(res.status, 405);
    EXPECT_EQ(header(res, "Allow"), "DELETE, GET, HEAD, POST");
    EXPECT_EQ(body_of(res).at("title").as_string(), "Method Not Allowed");
    EXPECT_EQ(dispatch(Method::other, "/x").status, 405);
}

TEST_F(RouterTest, HeadUsesGetHandler) {
    const auto res = dispatch(Method::head, "/users/me");
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, "me");  // the server drops it
}

TEST_F(RouterTest, HttpErrorBecomesItsProblem) {
    const auto res = dispatch(Method::get, "/fail/http");
    EXPECT_EQ(res.status, 422);
    const auto body = body_of(res);
    EXPECT_EQ(body.at("detail").as_string(), "title is empty");
    EXPECT_EQ(body.at("errors").as_array().at(0).as_object().at("field").as_string(), "title");
}

TEST_F(RouterTest, OtherExceptionsBecome500WithoutLeaking) {
    for (const char* target : {"/fail/std", "/fail/int"}) {
        const auto res = dispatch(Method::get, target);
        EXPECT_EQ(res.status, 500);
        EXPECT_EQ(res.content_type, "application/problem+json");
        EXPECT_EQ(res.body.find("db password"), std::string::npos);
        EXPECT_NE(res.body.find("test-id"), std::string::npos);
    }
}

TEST_F(RouterTest, WorksFromPathWhenTargetIsEmpty) {
    Request req;
    req.method = Method::get;
    req.path = "/users/9";
    EXPECT_EQ(router_.dispatch(req).body, "user 9");
}

TEST_F(RouterTest, RoutesInRegistrationOrder) {
    const auto routes = router_.routes();
    ASSERT_EQ(routes.size(), 12u);
    EXPECT_EQ(routes[0].pattern, "/users/me");
    EXPECT_EQ(routes[2].method, Method::del);
    EXPECT_EQ(routes[2].pattern, "/users/{uid}");
}

TEST(RouterMove, MovedRouterStillRoutes) {
    Router a;
    a.add(Method::get, "/h", [](Request&) { return Response::empty(204); });
    Router b = std::move(a);
    Request req;
    req.target = "/h";
    EXPECT_EQ(b.dispatch(req).status, 204);
}

TEST(RequestTest, Accessors) {
    Request req;
    req.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
    req.query = {{"q", "a b"}, {"q", "c"}};
    EXPECT_EQ(req.header("x-a"), "1");
    EXPECT_FALSE(req.header("X-A"));  // callers pass lowercase names
    EXPECT_EQ(req.query_param("q"), "a b");
    EXPECT_FALSE(req.query_param("z"));
    EXPECT_EQ(req.param("none"), "");
    EXPECT_EQ(to_string(Method::del), "DELETE");
    EXPECT_EQ(to_string(Method::other), "OTHER");
}

}  // namespace
}  // namespace todoai::http

namespace todoai::http {
namespace {

TEST(RouterErrorMapper, MapsKnownExceptionsAndLeavesTheRestAt500) {
    struct Unavailable : std::runtime_error {
        using std::runtime_error::runtime_error;
    };
    Router router;
    router.add(Method::get, "/busy", [](Request&) -> Response { throw Unavailable("database is locked"); });
    router.add(Method::get, "/bug", [](Request&) -> Response { throw std::logic_error("bug"); });
    auto busy = make(Method::get, "/busy");
    auto bug = make(Method::get, "/bug");
    EXPECT_EQ(router.dispatch(busy).status, 500) << "no mapper: 500";

    router.set_error_mapper([](const std::exception& e) -> std::optional<Problem> {
        if (dynamic_cast<const Unavailable*>(&e) == nullptr) return std::nullopt;
        return Problem{.status = 503, .title = "Service Unavailable", .detail = "retry shortly"};
    });
    auto mapped = router.dispatch(busy);
    EXPECT_EQ(mapped.status, 503);
    EXPECT_EQ(mapped.content_type, "application/problem+json");
    EXPECT_EQ(body_of(mapped).at("detail").as_string(), "retry shortly");
    EXPECT_EQ(router.dispatch(bug).status, 500) << "unmapped exceptions stay 500";
}

}  // namespace
}  // namespace todoai::http

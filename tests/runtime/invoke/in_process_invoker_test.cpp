#include "runtime/invoke/in_process_invoker.hpp"

#include <gtest/gtest.h>

#include "runtime/http/problem.hpp"

namespace todoai::invoke {
namespace {

TEST(InProcessInvoker, DispatchesAnHttpRequestToTheTargetAndReturnsItsResponse) {
    InProcessInvoker invoker;
    http::Request seen;
    invoker.add("todo-service", [&](http::Request& req) {
        seen = req;
        return http::Response{.status = 201, .body = R"({"id":"t2"})"};
    });

    const auto res = invoker.invoke({.app_id = "todo-service",
                                     .method = http::Method::post,
                                     .path = "/internal/series/s%201/next?from=2026-02-08&x",
                                     .body = R"({"completed_at":"2026-02-08T10:00:00Z"})",
                                     .headers = {{"Content-Type", "application/json"}, {"DAPR-API-Token", "secret"}}});

    EXPECT_EQ(res.status, 201);
    EXPECT_EQ(res.body, R"({"id":"t2"})");
    EXPECT_EQ(seen.method, http::Method::post);
    EXPECT_EQ(seen.target, "/internal/series/s%201/next?from=2026-02-08&x");
    EXPECT_EQ(seen.path, "/internal/series/s 1/next");
    ASSERT_EQ(seen.query.size(), 2u);
    EXPECT_EQ(seen.query[0], (std::pair<std::string, std::string>{"from", "2026-02-08"}));
    EXPECT_EQ(seen.query[1].first, "x");
    EXPECT_EQ(seen.header("content-type"), "application/json");
    EXPECT_EQ(seen.header("dapr-api-token"), "secret");
    EXPECT_EQ(seen.body, R"({"completed_at":"2026-02-08T10:00:00Z"})");
    EXPECT_FALSE(seen.request_id.empty());
}

TEST(InProcessInvoker, KeepsACallersRequestId) {
    InProcessInvoker invoker;
    std::string id;
    invoker.add("todo-service", [&](http::Request& req) {
        id = req.request_id;
        return http::Response::empty(204);
    });
    EXPECT_EQ(invoker.invoke({.app_id = "todo-service", .path = "/x", .headers = {{"X-Request-Id", "abc-1"}}}).status,
              204);
    EXPECT_EQ(id, "abc-1");
}

TEST(InProcessInvoker, UnknownAppIdIsAnInvokeErrorNamingIt) {
    InProcessInvoker invoker;
    invoker.add("todo-service", [](http::Request&) { return http::Response::empty(204); });
    try {
        invoker.invoke({.app_id = "billing-service", .path = "/x"});
        FAIL() << "expected InvokeError";
    } catch (const InvokeError& e) {
        EXPECT_NE(std::string(e.what()).find("billing-service"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("todo-service"), std::string::npos) << e.what();
    }
}

TEST(InProcessInvoker, HandlerErrorsBecomeResponsesAsOverHttp) {
    InProcessInvoker invoker;
    invoker.add("conflict", [](http::Request&) -> http::Response { throw http::HttpError(409, "already exists"); });
    invoker.add("broken", [](http::Request&) -> http::Response { throw std::runtime_error("bug"); });

    const auto conflict = invoker.invoke({.app_id = "conflict", .path = "/x"});
    EXPECT_EQ(conflict.status, 409);
    EXPECT_NE(conflict.body.find("already exists"), std::string::npos);
    EXPECT_EQ(invoker.invoke({.app_id = "broken", .path = "/x"}).status, 500);
}

}  // namespace
}  // namespace todoai::invoke

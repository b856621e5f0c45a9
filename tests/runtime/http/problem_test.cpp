#include "runtime/http/problem.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace todoai::http {
namespace {

TEST(ProblemTest, RendersProblemJson) {
    const auto res = to_response(Problem{404, "", "task 42 not found"});
    EXPECT_EQ(res.status, 404);
    EXPECT_EQ(res.content_type, "application/problem+json");
    const auto body = boost::json::parse(res.body).as_object();
    EXPECT_EQ(body.at("type").as_string(), "about:blank");
    EXPECT_EQ(body.at("title").as_string(), "Not Found");
    EXPECT_EQ(body.at("status").as_int64(), 404);
    EXPECT_EQ(body.at("detail").as_string(), "task 42 not found");
    EXPECT_FALSE(body.contains("errors"));
}

// RFC 6750 §3: every 401 names the Bearer scheme; no other status carries the header.
TEST(ProblemTest, UnauthorizedCarriesWwwAuthenticate) {
    const auto res = to_response(HttpError(401, "invalid token: token expired").problem());
    ASSERT_EQ(res.headers.size(), 1u);
    EXPECT_EQ(res.headers[0].first, "WWW-Authenticate");
    EXPECT_EQ(res.headers[0].second.rfind("Bearer", 0), 0u);
    EXPECT_TRUE(to_response(Problem{403, "", "not yours"}).headers.empty());
}

TEST(ProblemTest, RendersFieldErrorsAndEscapes) {
    Problem p{422, "Custom", "bad \"input\"\n", {{"title", "too long"}, {"tags[3]", "empty"}}, "https://x/probs/v"};
    const auto body = boost::json::parse(to_response(p).body).as_object();
    EXPECT_EQ(body.at("title").as_string(), "Custom");
    EXPECT_EQ(body.at("type").as_string(), "https://x/probs/v");
    EXPECT_EQ(body.at("detail").as_string(), "bad \"input\"\n");
    const auto& errors = body.at("errors").as_array();
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[1].as_object().at("field").as_string(), "tags[3]");
    EXPECT_EQ(errors[1].as_object().at("message").as_string(), "empty");
}

TEST(ProblemTest, StatusTitles) {
    EXPECT_EQ(status_title(200), "OK");
    EXPECT_EQ(status_title(400), "Bad Request");
    EXPECT_EQ(status_title(401), "Unauthorized");
    EXPECT_EQ(status_title(403), "Forbidden");
    EXPECT_EQ(status_title(405), "Method Not Allowed");
    EXPECT_EQ(status_title(409), "Conflict");
    EXPECT_EQ(status_title(412), "Precondition Failed");
    EXPECT_EQ(status_title(413), "Content Too Large");
    EXPECT_EQ(status_title(415), "Unsupported Media Type");
    EXPECT_EQ(status_title(422), "Unprocessable Content");
    EXPECT_EQ(status_title(428), "Precondition Required");
    EXPECT_EQ(status_title(429), "Too Many Requests");
    EXPECT_EQ(status_title(431), "Request Header Fields Too Large");
    EXPECT_EQ(status_title(500), "Internal Server Error");
    EXPECT_EQ(status_title(503), "Service Unavailable");
    EXPECT_EQ(status_title(499), "Client Error");
}

TEST(ProblemTest, HttpErrorCarriesProblem) {
    const HttpError e(409, "email exists", {{"email", "taken"}});
    EXPECT_STREQ(e.what(), "email exists");
    EXPECT_EQ(e.problem().status, 409);
    EXPECT_EQ(e.problem().title, "Conflict");
    EXPECT_EQ(e.problem().errors.size(), 1u);
}

TEST(ResponseTest, JsonEmptyAndHeaders) {
    auto res = Response::json(201, boost::json::object{{"id", "a"}}).with_header("Location", "/x/a");
    EXPECT_EQ(res.status, 201);
    EXPECT_EQ(res.content_type, "application/json");
    EXPECT_EQ(res.body, R"({"id":"a"})");
    ASSERT_EQ(res.headers.size(), 1u);
    EXPECT_EQ(res.headers[0].second, "/x/a");
    auto empty = Response::empty(204);
    empty.with_header("ETag", "\"3\"");
    EXPECT_TRUE(empty.body.empty());
    EXPECT_TRUE(empty.content_type.empty());
    EXPECT_EQ(empty.headers.size(), 1u);
}

}  // namespace
}  // namespace todoai::http

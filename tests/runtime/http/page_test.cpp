// One list page: a JSON array, the next page in Link (RFC 8288) and X-Next-Cursor, both absent on the last page.
#include "runtime/http/page.hpp"

#include <gtest/gtest.h>

#include "runtime/http/json_case.hpp"

namespace todoai::http {
namespace {

std::string header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return {};
}

TEST(PageTest, NextTargetKeepsTheQueryAndReplacesTheCursor) {
    EXPECT_EQ(next_page_target("/api/u/tasks", "abc"), "/api/u/tasks?cursor=abc");
    EXPECT_EQ(next_page_target("/api/u/tasks?limit=5&status=pending", "abc"),
              "/api/u/tasks?limit=5&status=pending&cursor=abc");
    EXPECT_EQ(next_page_target("/api/u/tasks?cursor=old&q=a%20b&cursor=older", "new"), "/api/u/tasks?q=a%20b&cursor=new");
    EXPECT_EQ(next_page_target("/api/u/tasks?&&limit=2#frag", "c"), "/api/u/tasks?limit=2&cursor=c");
    EXPECT_EQ(next_page_target("/api/u/tasks?cursors=x", "c"), "/api/u/tasks?cursors=x&cursor=c");
}

TEST(PageTest, HeadersOnlyWhenThereIsANextPage) {
    Request req;
    req.target = "/api/u/audit?limit=2";
    req.path = "/api/u/audit";
    auto more = page_response(req, JsonPage{.array = "[1,2]", .next_cursor = "Zm9v"});
    EXPECT_EQ(more.status, 200);
    EXPECT_EQ(more.body, "[1,2]");
    EXPECT_EQ(header(more, "Link"), "</api/u/audit?limit=2&cursor=Zm9v>; rel=\"next\"");
    EXPECT_EQ(header(more, "X-Next-Cursor"), "Zm9v");
    auto last = page_response(req, JsonPage{.array = "[3]"});
    EXPECT_TRUE(last.headers.empty());
    EXPECT_EQ(last.body, "[3]");
}

TEST(JsonCaseTest, CamelOnlyForApiJson) {
    Response r{.body = R"([{"title":"t","status":"complete","due_date":null,"user_id":"u"}])"};
    apply_json_case(JsonCase::snake, "/api/u/tasks", r);
    EXPECT_EQ(r.body, R"([{"title":"t","status":"complete","due_date":null,"user_id":"u"}])");
    apply_json_case(JsonCase::camel, "/api/u/tasks", r);
    EXPECT_EQ(r.body, R"([{"title":"t","status":"completed","dueDate":null,"userId":"u"}])");
    // Service-to-service and ops answers, and problems, keep their form.
    Response internal{.body = R"({"series_id":"s"})"};
    apply_json_case(JsonCase::camel, "/internal/series/s/next", internal);
    EXPECT_EQ(internal.body, R"({"series_id":"s"})");
    Response problem{.content_type = "application/problem+json", .body = R"({"field_name":1})"};
    apply_json_case(JsonCase::camel, "/api/u/tasks", problem);
    EXPECT_EQ(problem.body, R"({"field_name":1})");
    EXPECT_EQ(parse_json_case("camel"), JsonCase::camel);
    EXPECT_FALSE(parse_json_case("kebab"));
}

}  // namespace
}  // namespace todoai::http

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/task_json.hpp"

namespace todoai {
namespace {

namespace json = boost::json;

struct Case {
    const char* target;
    const char* patch;
    const char* result;
};

// RFC 7396 appendix A, every example.
class MergePatchRfcTest : public ::testing::TestWithParam<Case> {};

TEST_P(MergePatchRfcTest, MatchesAppendixA) {
    const Case& c = GetParam();
    const json::value result = apply_merge_patch(json::parse(c.target), json::parse(c.patch));
    EXPECT_EQ(result, json::parse(c.result)) << json::serialize(result);
}

INSTANTIATE_TEST_SUITE_P(MergePatchAppendixA,
                         MergePatchRfcTest,
                         ::testing::Values(Case{R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
                                           Case{R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
                                           Case{R"({"a":"b"})", R"({"a":null})", R"({})"},
                                           Case{R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
                                           Case{R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
                                           Case{R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
                                           Case{R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})",
                                                R"({"a":{"b":"d"}})"},
                                           Case{R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
                                           Case{R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
                                           Case{R"({"a":"b"})", R"(["c"])", R"(["c"])"},
                                           Case{R"({"a":"foo"})", R"(null)", R"(null)"},
                                           Case{R"({"a":"foo"})", R"("bar")", R"("bar")"},
                                           Case{R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
                                           Case{R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
                                           Case{R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"}));

TEST(MergePatchTest, LeavesUnmentionedMembersAlone) {
    const json::value result = apply_merge_patch(json::parse(R"({"title":"x","tags":["a"],"n":{"k":1,"j":2}})"),
                                                 json::parse(R"({"n":{"k":3}})"));
    EXPECT_EQ(result, json::parse(R"({"title":"x","tags":["a"],"n":{"k":3,"j":2}})"));
}

TEST(MergePatchTest, EmptyPatchIsIdentity) {
    const json::value target = json::parse(R"({"a":[1,{"b":null}]})");
    EXPECT_EQ(apply_merge_patch(target, json::object{}), target);
}

}  // namespace
}  // namespace todoai

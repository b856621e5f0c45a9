#include <gtest/gtest.h>

#include "services/todo/task_service.hpp"

namespace todoai::todo {
namespace {

TEST(IfMatch, OneStrongTag) {
    const auto c = parse_if_match("\"3\"");
    EXPECT_FALSE(c.any);
    EXPECT_EQ(c.versions, (std::vector<std::int64_t>{3}));
    EXPECT_TRUE(c.matches(3));
    EXPECT_FALSE(c.matches(4));
    EXPECT_FALSE(c.matches(30));
}

TEST(IfMatch, SeveralTags) {
    const auto c = parse_if_match("\"3\", \"4\"");
    EXPECT_TRUE(c.matches(3));
    EXPECT_TRUE(c.matches(4));
    EXPECT_FALSE(c.matches(5));
    EXPECT_FALSE(c.matches(34));
    const auto tight = parse_if_match("\"12\",\"7\"");
    EXPECT_TRUE(tight.matches(12));
    EXPECT_TRUE(tight.matches(7));
    EXPECT_FALSE(tight.matches(1));
}

TEST(IfMatch, SurroundingSpaces) {
    const auto c = parse_if_match("  \"9\"  ,   \"10\" ");
    EXPECT_TRUE(c.matches(9));
    EXPECT_TRUE(c.matches(10));
}

TEST(IfMatch, StarMatchesAnyVersion) {
    const auto c = parse_if_match("*");
    EXPECT_TRUE(c.any);
    EXPECT_TRUE(c.matches(1));
    EXPECT_TRUE(c.matches(987654321));
}

TEST(IfMatch, WeakTagsNeverMatch) {
    EXPECT_FALSE(parse_if_match("W/\"3\"").matches(3));
    const auto mixed = parse_if_match("W/\"3\", \"4\"");
    EXPECT_FALSE(mixed.matches(3));
    EXPECT_TRUE(mixed.matches(4));
}

TEST(IfMatch, GarbageMatchesNothing) {
    for (const char* bad :
         {"", "3", "garbage", "\"\"", "\"x\"", "\"3x\"", "\"3", "3\"", "'3'", "\" 3\"", ",,,", "**"}) {
        const auto c = parse_if_match(bad);
        EXPECT_FALSE(c.any) << bad;
        EXPECT_TRUE(c.versions.empty()) << bad;
        EXPECT_FALSE(c.matches(3)) << bad;
    }
}

TEST(IfMatch, GarbageBesideAValidTagKeepsTheValidOne) {
    const auto c = parse_if_match("nonsense, \"5\"");
    EXPECT_TRUE(c.matches(5));
    EXPECT_FALSE(c.matches(3));
}

}  // namespace
}  // namespace todoai::todo

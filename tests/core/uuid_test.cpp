#include "core/uuid.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace todoai {
namespace {

using namespace std::chrono;

constexpr std::string_view kDnsNamespace = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

TEST(UuidTest, V5MatchesKnownVector) {
    EXPECT_EQ(uuid_v5(kDnsNamespace, "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

TEST(UuidTest, V5IsDeterministicAndNameSensitive) {
    EXPECT_EQ(uuid_v5(kDnsNamespace, "series-1/2026-02-08"), uuid_v5(kDnsNamespace, "series-1/2026-02-08"));
    EXPECT_NE(uuid_v5(kDnsNamespace, "series-1/2026-02-08"), uuid_v5(kDnsNamespace, "series-1/2026-02-09"));
    // The namespace may be given in upper case; the result is the same, and always lower case.
    EXPECT_EQ(uuid_v5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "www.example.com"),
              "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

TEST(UuidTest, V5RejectsABadNamespace) { EXPECT_THROW(uuid_v5("not-a-uuid", "x"), std::invalid_argument); }

TEST(UuidTest, V7HasVersionVariantAndTimestamp) {
    const Timestamp t{milliseconds{0x0190'1234'5678}};
    const std::string id = new_uuid_v7(t);
    ASSERT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id.substr(0, 8), "01901234");
    EXPECT_EQ(id.substr(9, 4), "5678");
    EXPECT_EQ(id[14], '7');
    EXPECT_NE(std::string_view("89ab").find(id[19]), std::string_view::npos) << id;
    for (char c : id) EXPECT_TRUE(c == '-' || std::islower(c) || std::isdigit(c)) << id;
}

TEST(UuidTest, V7SortsByTimeAndIsUnique) {
    const Timestamp t{milliseconds{1'770'000'000'000}};
    EXPECT_LT(new_uuid_v7(t), new_uuid_v7(t + milliseconds{1}));
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) ids.insert(new_uuid_v7(t));
    EXPECT_EQ(ids.size(), 1000u);
}

TEST(UuidTest, IsUuid) {
    EXPECT_TRUE(is_uuid("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
    EXPECT_TRUE(is_uuid("2ED6657D-E927-568B-95E1-2665A8AEA6A2"));
    EXPECT_FALSE(is_uuid(""));
    EXPECT_FALSE(is_uuid("2ed6657de927568b95e12665a8aea6a2"));
    EXPECT_FALSE(is_uuid("2ed6657d-e927-568b-95e1-2665a8aea6a"));
    EXPECT_FALSE(is_uuid("2ed6657d-e927-568b-95e1-2665a8aea6a2a"));
    EXPECT_FALSE(is_uuid("2ed6657g-e927-568b-95e1-2665a8aea6a2"));
    EXPECT_FALSE(is_uuid("2ed6657d+e927-568b-95e1-2665a8aea6a2"));
    EXPECT_FALSE(is_uuid("{ed6657d-e927-568b-95e1-2665a8aea6a}"));
}

}  // namespace
}  // namespace todoai

#include "core/utf8.hpp"

#include <gtest/gtest.h>

namespace todoai {
namespace {

TEST(TaskUtf8Test, CountsCodePoints) {
    EXPECT_EQ(utf8_length(""), 0u);
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length("\xc3\xa9"), 1u);           // é
    EXPECT_EQ(utf8_length("\xe2\x82\xac"), 1u);       // €
    EXPECT_EQ(utf8_length("\xf0\x9f\x98\x80x"), 2u);  // 😀x
}

TEST(TaskUtf8Test, RejectsMalformed) {
    for (std::string_view bad : {"\x80", "\xc3", "\xc3\x28", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
                                 "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "a\xff"}) {
        EXPECT_EQ(utf8_length(bad), std::nullopt);
    }
}

}  // namespace
}  // namespace todoai

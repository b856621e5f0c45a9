#include "core/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace todoai {
namespace {

TEST(Base64url, Rfc4648VectorsWithoutPadding) {
    EXPECT_EQ(base64url_encode(""), "");
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
    EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
    EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64url, DecodesTheVectors) {
    EXPECT_EQ(base64url_decode(""), std::string());
    EXPECT_EQ(base64url_decode("Zg"), "f");
    EXPECT_EQ(base64url_decode("Zm8"), "fo");
    EXPECT_EQ(base64url_decode("Zm9v"), "foo");
    EXPECT_EQ(base64url_decode("Zm9vYmE"), "fooba");
    EXPECT_EQ(base64url_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64url, UsesTheUrlSafeAlphabet) {
    // 0xfb 0xff is "+/8=" in standard base64.
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
    EXPECT_EQ(base64url_encode("\xff\xff\xff"), "____");
    EXPECT_EQ(base64url_encode(std::string("\xf8\x00\x00", 3)), "-AAA");
}

TEST(Base64url, RoundTripsEveryByteAndLength) {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t n = 0; n <= all.size(); n += 1) {
        const auto bytes = all.substr(256 - n);
        const auto text = base64url_encode(bytes);
        EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
        EXPECT_EQ(text.size(), (n * 4 + 2) / 3) << n;
        EXPECT_EQ(base64url_decode(text), bytes) << n;
    }
}

TEST(Base64url, RefusesTheStandardAlphabetAndPadding) {
    EXPECT_FALSE(base64url_decode("+/8="));
    EXPECT_FALSE(base64url_decode("+_8"));
    EXPECT_FALSE(base64url_decode("-/8"));
    EXPECT_FALSE(base64url_decode("Zg=="));
    EXPECT_FALSE(base64url_decode("Zg="));
}

TEST(Base64url, RefusesCharactersOutsideTheAlphabet) {
    for (const char* bad : {"Zm9v!", "Zm 9v", "Zm9v\n", "*", "Zm.v", "Zm9v\xc3\xa9"})
        EXPECT_FALSE(base64url_decode(bad)) << bad;
}

TEST(Base64url, RefusesOverlongInput) {
    EXPECT_TRUE(base64url_decode(std::string(4096, 'A')));
    EXPECT_FALSE(base64url_decode(std::string(4097, 'A')));
}

}  // namespace
}  // namespace todoai

#include "runtime/auth/jwt.hpp"

#include <gtest/gtest.h>
#include <jwt.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

namespace todoai::auth {
namespace {

using namespace std::chrono_literals;

const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes
const std::string kOtherSecret = "fedcba9876543210fedcba9876543210";
const Timestamp kStart{std::chrono::sys_days{std::chrono::year{2025} / 3 / 1} + 12h};

std::string base64url(std::string_view in) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
        }
    }
    if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
    return out;
}

// Not `"u" + std::to_string(i)`: GCC 12 at -O3 warns falsely (-Wrestrict) on that.
std::string numbered(std::string prefix, std::size_t i) {
    prefix += std::to_string(i);
    return prefix;
}

std::int64_t seconds(Timestamp t) { return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count(); }

// Signs `grants_json` with libjwt directly, so tests can make tokens JwtCodec::issue never would.
std::string sign(jwt_alg_t alg, const std::string& key, const std::string& grants_json) {
    jwt_t* jwt = nullptr;
    EXPECT_EQ(jwt_new(&jwt), 0);
    EXPECT_EQ(jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size())),
              0);
    EXPECT_EQ(jwt_add_grants_json(jwt, grants_json.c_str()), 0);
    char* s = jwt_encode_str(jwt);
    std::string token(s);
    std::free(s);
    jwt_free(jwt);
    return token;
}

class JwtTest : public ::testing::Test {
  protected:
    std::string reason(std::string_view token) const {
        auto result = codec_.verify(token);
        if (auto* error = std::get_if<TokenError>(&result)) return error->reason;
        return "ok";
    }
    std::string grants(std::string_view sub, std::int64_t exp) const {
        return R"({"sub":")" + std::string(sub) + R"(","iat":)" + std::to_string(seconds(clock_.now())) + R"(,"exp":)" +
               std::to_string(exp) + "}";
    }
    std::int64_t in_an_hour() const { return seconds(clock_.now()) + 3600; }

    ManualClock clock_{kStart};
    JwtCodec codec_{kSecret, clock_};
};

TEST_F(JwtTest, ShortSecretIsRejected) {
    EXPECT_THROW(JwtCodec(std::string(31, 'x'), clock_), std::invalid_argument);
    EXPECT_THROW(JwtCodec("", clock_), std::invalid_argument);
    EXPECT_NO_THROW(JwtCodec(std::string(32, 'x'), clock_));
}

TEST_F(JwtTest, IssuedTokenVerifies) {
    const std::string token = codec_.issue("user-1", 1h);
    auto result = codec_.verify(token);
    ASSERT_TRUE(std::holds_alternative<Claims>(result)) << std::get<TokenError>(result).reason;
    const auto& claims = std::get<Claims>(result);
    EXPECT_EQ(claims.sub, "user-1");
    EXPECT_EQ(claims.expires_at, kStart + 1h);
    // Verified again (from the cache): same answer.
    auto again = codec_.verify(token);
    ASSERT_TRUE(std::holds_alternative<Claims>(again));
    EXPECT_EQ(std::get<Claims>(again).sub, "user-1");
}

TEST_F(JwtTest, IssuedTokenIsHs256WithSubIatExp) {
    const std::string token = codec_.issue("user-2", 90s);
    jwt_t* jwt = nullptr;
    ASSERT_EQ(jwt_decode(&jwt, token.c_str(), reinterpret_cast<const unsigned char*>(kSecret.data()),
                         static_cast<int>(kSecret.size())),
              0);
    EXPECT_EQ(jwt_get_alg(jwt), JWT_ALG_HS256);
    EXPECT_STREQ(jwt_get_grant(jwt, "sub"), "user-2");
    EXPECT_EQ(jwt_get_grant_int(jwt, "iat"), seconds(kStart));
    EXPECT_EQ(jwt_get_grant_int(jwt, "exp"), seconds(kStart) + 90);
    jwt_free(jwt);
}

TEST_F(JwtTest, TokenExpiresAtExp) {
    const std::string token = codec_.issue("user-1", 1h);
    clock_.advance(1h - 1ms);
    EXPECT_EQ(reason(token), "ok");
    clock_.advance(1ms);
    EXPECT_EQ(reason(token), "token expired");  // the cached entry is checked against the clock too
    clock_.advance(24h);
    EXPECT_EQ(reason(token), "token expired");
}

TEST_F(JwtTest, ExpiredBeforeFirstVerification) {
    const std::string token = codec_.issue("user-1", 10s);
    clock_.advance(11s);
    EXPECT_EQ(reason(token), "token expired");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, grants("user-1", seconds(kStart) - 1))), "token expired");
}

TEST_F(JwtTest, WrongKeyIsAnInvalidSignature) {
    JwtCodec other(kOtherSecret, clock_);
    EXPECT_EQ(reason(other.issue("user-1", 1h)), "invalid signature");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kOtherSecret, grants("user-1", in_an_hour()))), "invalid signature");
}

TEST_F(JwtTest, AlgNoneIsRejected) {
    const std::string payload = base64url(grants("admin", in_an_hour()));
    EXPECT_EQ(reason("eyJhbGciOiJub25lIn0." + payload + "."), "unsupported algorithm");
    EXPECT_EQ(reason(base64url(R"({"alg":"none","typ":"JWT"})") + "." + payload + "."), "unsupported algorithm");
    EXPECT_EQ(reason(base64url(R"({"alg":"None"})") + "." + payload + "."), "unsupported algorithm");
    // alg none carrying a (meaningless) signature.
    const std::string real = codec_.issue("admin", 1h);
    EXPECT_EQ(reason("eyJhbGciOiJub25lIn0." + payload + real.substr(real.rfind('.'))), "unsupported algorithm");
}

TEST_F(JwtTest, OtherHmacAlgorithmsAreRejectedEvenWithTheRightKey) {
    EXPECT_EQ(reason(sign(JWT_ALG_HS512, kSecret, grants("user-1", in_an_hour()))), "unsupported algorithm");
    EXPECT_EQ(reason(sign(JWT_ALG_HS384, kSecret, grants("user-1", in_an_hour()))), "unsupported algorithm");
    EXPECT_EQ(reason(sign(JWT_ALG_HS512, kOtherSecret, grants("user-1", in_an_hour()))), "unsupported algorithm");
}

TEST_F(JwtTest, TamperedPayloadIsAnInvalidSignature) {
    const std::string token = codec_.issue("user-1", 1h);
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    const std::string forged =
        token.substr(0, first + 1) + base64url(grants("user-2", in_an_hour())) + token.substr(second);
    EXPECT_EQ(reason(forged), "invalid signature");
    // A flipped character in the signature.
    std::string flipped = token;
    flipped[flipped.size() - 2] = flipped[flipped.size() - 2] == 'A' ? 'B' : 'A';
    EXPECT_EQ(reason(flipped), "invalid signature");
    // Signature removed.
    EXPECT_EQ(reason(token.substr(0, second + 1)), "invalid signature");
}

// RFC 7519 §4.1.5: a token is not accepted before its nbf (until 2026-12 it was).
TEST_F(JwtTest, AFutureNbfIsRefusedUntilItArrives) {
    const auto now = seconds(clock_.now());
    const auto token = sign(JWT_ALG_HS256, kSecret,
                            R"({"sub":"user-1","nbf":)" + std::to_string(now + 60) + R"(,"exp":)" +
                                std::to_string(in_an_hour()) + "}");
    EXPECT_EQ(reason(token), "token not valid yet (nbf)");
    clock_.advance(60s);
    EXPECT_EQ(reason(token), "ok");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret,
                          R"({"sub":"user-1","nbf":)" + std::to_string(now) + R"(,"exp":)" +
                              std::to_string(in_an_hour()) + "}")),
              "ok");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret,
                          R"({"sub":"user-1","nbf":"soon","exp":)" + std::to_string(in_an_hour()) + "}")),
              "malformed token");
}

TEST_F(JwtTest, MissingOrMistypedClaimsAreRejected) {
    const auto exp = in_an_hour();
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"exp":)" + std::to_string(exp) + "}")), "missing sub");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"sub":"","exp":)" + std::to_string(exp) + "}")), "missing sub");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"sub":42,"exp":)" + std::to_string(exp) + "}")), "missing sub");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"sub":"user-1"})")), "missing exp");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"sub":"user-1","exp":"tomorrow"})")), "missing exp");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"sub":"user-1","exp":true})")), "missing exp");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"sub":"user-1","exp":null})")), "missing exp");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"sub":"user-1","exp":-5})")), "token expired");
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"sub":"user-1","exp":1e300})")), "ok");  // far future
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret, R"({"sub":"user-1","exp":)" + std::to_string(exp) + ".5}")), "ok");
    // Another issuer sharing the secret (no iat, extra claims) is fine.
    EXPECT_EQ(reason(sign(JWT_ALG_HS256, kSecret,
                          R"({"sub":"ba-user","exp":)" + std::to_string(exp) + R"(,"email":"a@b.c"})")),
              "ok");
}

TEST_F(JwtTest, GarbageIsMalformed) {
    EXPECT_EQ(reason(""), "malformed token");
    EXPECT_EQ(reason("a.b"), "malformed token");
    EXPECT_EQ(reason("a.b.c"), "malformed token");
    EXPECT_EQ(reason(".."), "malformed token");
    EXPECT_EQ(reason("..."), "malformed token");
    EXPECT_EQ(reason("not a token"), "malformed token");
    EXPECT_EQ(reason(std::string("abc\0def.ghi.jkl", 15)), "malformed token");
    EXPECT_EQ(reason(std::string(1 << 20, 'A')), "malformed token");
    EXPECT_EQ(reason(std::string(100000, 'A') + "." + std::string(100000, 'B') + ".C"), "malformed token");
    EXPECT_EQ(reason(base64url("[1,2]") + "." + base64url("{}") + ".x"), "malformed token");
    EXPECT_EQ(reason(base64url(R"({"alg":"HS256"})") + "." + base64url("not json") + ".x"), "malformed token");
    const std::string token = codec_.issue("user-1", 1h);
    EXPECT_EQ(reason(token + " "), "malformed token");
    EXPECT_EQ(reason("Bearer " + token), "malformed token");
    EXPECT_EQ(reason(token + ".extra"), "malformed token");
    EXPECT_EQ(reason(token), "ok");
}

TEST_F(JwtTest, ConcurrentVerificationIsConsistent) {
    std::vector<std::string> tokens;
    for (int i = 0; i < 64; ++i) tokens.push_back(codec_.issue(numbered("user-", i), 1h));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 50; ++round) {
                for (std::size_t i = 0; i < tokens.size(); ++i) {
                    auto result = codec_.verify(tokens[(i + t * 7) % tokens.size()]);
                    auto* claims = std::get_if<Claims>(&result);
                    if (claims == nullptr || claims->sub != numbered("user-", (i + t * 7) % tokens.size())) {
                        ++wrong;
                    }
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
}

TEST_F(JwtTest, ManyDistinctTokensOverflowTheCacheSafely) {
    std::vector<std::string> tokens;
    for (int i = 0; i < 5000; ++i) tokens.push_back(codec_.issue(numbered("u", i), 1h));
    for (int i = 0; i < 5000; ++i) ASSERT_EQ(reason(tokens[i]), "ok") << i;
    for (int i = 0; i < 5000; i += 97) EXPECT_EQ(std::get<Claims>(codec_.verify(tokens[i])).sub, numbered("u", i));
    clock_.advance(2h);
    for (int i = 0; i < 5000; i += 97) EXPECT_EQ(reason(tokens[i]), "token expired");
}

}  // namespace
}  // namespace todoai::auth

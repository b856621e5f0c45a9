// Tokens from another issuer (Better Auth's JWT plugin signs with EdDSA by default; ES256 and RS256 are its other
// choices), verified against its JWKS with keys generated here: each algorithm, a rotated key (one refetch), a token
// that lies about its alg, a future nbf, iss/aud, and `id` when there is no `sub`.
#include "runtime/auth/jwks.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "runtime/auth/jwt.hpp"
#include "support/jose_keys.hpp"

namespace todoai::auth {
namespace {

using namespace std::chrono_literals;
using testing::JoseKey;
using testing::jwks_document;

const std::string kSecret = "0123456789abcdef0123456789abcdef";
const Timestamp kStart{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 12h};

std::int64_t seconds(Timestamp t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }

class JwksTest : public ::testing::Test {
  protected:
    JwksTest()
        : ed_(JoseKey::ed25519("ed-1")),
          ec_(JoseKey::es256("ec-1")),
          rsa_(JoseKey::rs256("rsa-1")),
          document_(jwks_document({&ed_, &ec_, &rsa_})) {}

    JwtCodec codec(JwtOptions options = {}) {
        options.jwks = std::make_shared<JwksKeySet>(
            [this] {
                ++fetches_;
                if (!reachable_) throw std::runtime_error("JWKS http://127.0.0.1:1/jwks: connection refused");
                return document_;
            },
            clock_);
        return JwtCodec(kSecret, clock_, std::move(options));
    }

    boost::json::object claims(std::string sub = "user-1") const {
        return {{"sub", std::move(sub)}, {"iat", seconds(clock_.now())}, {"exp", seconds(clock_.now() + 1h)}};
    }

    static std::string user_of(const std::variant<Claims, TokenError>& r) {
        if (auto* e = std::get_if<TokenError>(&r)) return "error: " + e->reason;
        return std::get<Claims>(r).sub;
    }

    ManualClock clock_{kStart};
    JoseKey ed_, ec_, rsa_;
    std::string document_;
    int fetches_ = 0;
    bool reachable_ = true;
};

TEST_F(JwksTest, EachAlgorithmVerifiesWithItsKey) {
    auto jwt = codec();
    for (const JoseKey* key : {&ed_, &ec_, &rsa_}) {
        EXPECT_EQ(user_of(jwt.verify(key->sign(claims("u-" + key->alg())))), "u-" + key->alg()) << key->alg();
    }
    EXPECT_EQ(fetches_, 1) << "one fetch serves every key of the set";
    // Our own HS256 tokens still verify beside them.
    EXPECT_EQ(user_of(jwt.verify(jwt.issue("local", 1h))), "local");
}

TEST_F(JwksTest, AForgedSignatureIsRefused) {
    auto jwt = codec();
    const JoseKey impostor = JoseKey::ed25519("ed-1");  // same kid, another key
    EXPECT_EQ(user_of(jwt.verify(impostor.sign(claims()))), "error: invalid signature");
    // One signature character changed (in the middle: the last one may hold only padding bits).
    auto token = ec_.sign(claims());
    auto& c = token[token.rfind('.') + 20];
    c = c == 'A' ? 'B' : 'A';
    EXPECT_EQ(user_of(jwt.verify(token)), "error: invalid signature");
}

TEST_F(JwksTest, TheKeysAlgorithmWinsOverTheTokens) {
    auto jwt = codec();
    // An RSA key's token relabelled ES256, an Ed25519 one relabelled RS256: refused, whatever the signature.
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(claims(), "ES256"))), "error: algorithm ES256 does not match the key");
    EXPECT_EQ(user_of(jwt.verify(ed_.sign(claims(), "RS256"))), "error: algorithm RS256 does not match the key");
    // HS256 with the issuer's public key as the HMAC secret (the classic confusion): checked on JWT_SECRET only.
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(claims(), "HS256"))), "error: invalid signature");
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(claims(), "none"))), "error: unsupported algorithm");
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(claims(), "PS256"))), "error: unsupported algorithm");
}

TEST_F(JwksTest, ARotatedKeyIsFetchedOnceOnItsUnknownKid) {
    auto jwt = codec();
    EXPECT_EQ(user_of(jwt.verify(ed_.sign(claims()))), "user-1");
    EXPECT_EQ(fetches_, 1);
    // The issuer rotates: a new key, the old one gone.
    const JoseKey next = JoseKey::ed25519("ed-2");
    document_ = jwks_document({&next});
    clock_.advance(2s);
    EXPECT_EQ(user_of(jwt.verify(next.sign(claims("user-2")))), "user-2");
    EXPECT_EQ(fetches_, 2);
    EXPECT_EQ(user_of(jwt.verify(next.sign(claims("user-3")))), "user-3");
    EXPECT_EQ(fetches_, 2) << "a known kid is served from the cache";
    // A flood of unknown kids refetches at most once per interval.
    const JoseKey stranger = JoseKey::ed25519("nobody");
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(user_of(jwt.verify(stranger.sign(claims(std::to_string(i))))).rfind("error: no key", 0), 0u);
    EXPECT_LE(fetches_, 3);
    EXPECT_EQ(user_of(jwt.verify(stranger.sign(claims()))).rfind("error: no key 'nobody'", 0), 0u);
}

TEST_F(JwksTest, AnUnreachableIssuerKeepsTheKeysItHad) {
    auto jwt = codec();
    EXPECT_EQ(user_of(jwt.verify(ec_.sign(claims()))), "user-1");
    reachable_ = false;
    clock_.advance(10min);  // past max_age: a refetch is due, and fails
    EXPECT_EQ(user_of(jwt.verify(ec_.sign(claims("user-2")))), "user-2");
    const JoseKey unknown = JoseKey::es256("ec-9");
    clock_.advance(2s);
    const auto why = user_of(jwt.verify(unknown.sign(claims())));
    EXPECT_NE(why.find("connection refused"), std::string::npos) << why;
}

TEST_F(JwksTest, AFutureNbfIsRefusedUntilItArrives) {
    auto jwt = codec();
    auto c = claims();
    c["nbf"] = seconds(clock_.now() + 5min);
    const auto token = ed_.sign(c);
    EXPECT_EQ(user_of(jwt.verify(token)), "error: token not valid yet (nbf)");
    clock_.advance(5min);
    EXPECT_EQ(user_of(jwt.verify(token)), "user-1");
}

TEST_F(JwksTest, ExpiryIssuerAudienceAndTheIdClaim) {
    auto jwt = codec({.issuer = "http://127.0.0.1:3000", .audience = "http://127.0.0.1:3000"});
    auto c = claims();
    c["iss"] = "http://127.0.0.1:3000";
    c["aud"] = boost::json::array{"other", "http://127.0.0.1:3000"};
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(c))), "user-1");
    auto wrong_iss = c;
    wrong_iss["iss"] = "http://evil.invalid";
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(wrong_iss))), "error: wrong issuer");
    auto wrong_aud = c;
    wrong_aud["aud"] = "someone-else";
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(wrong_aud))), "error: wrong audience");
    // Better Auth's payload carries the user as `id` too; without `sub`, that is the user.
    auto by_id = c;
    by_id.erase("sub");
    by_id["id"] = "user-by-id";
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(by_id))), "user-by-id");
    auto expired = c;
    expired["exp"] = seconds(clock_.now() - 1s);
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(expired))), "error: token expired");
    // Our own HS256 tokens carry no iss/aud: the checks are for the other issuer's.
    EXPECT_EQ(user_of(jwt.verify(jwt.issue("local", 1h))), "local");
    auto no_exp = c;
    no_exp.erase("exp");
    EXPECT_EQ(user_of(jwt.verify(rsa_.sign(no_exp))), "error: missing exp");
}

TEST_F(JwksTest, WithoutAJwksOnlyHs256IsAccepted) {
    JwtCodec jwt(kSecret, clock_);
    EXPECT_EQ(user_of(jwt.verify(ed_.sign(claims()))), "error: unsupported algorithm");
    EXPECT_EQ(fetches_, 0);
}

TEST(JwksDocument, UnusableKeysAreSkippedAndNamed) {
    const auto good = JoseKey::ed25519("good");
    auto enc = good.jwk();
    enc["use"] = "enc";
    enc["kid"] = "for-encryption";
    auto mismatched = JoseKey::es256("mismatch").jwk();
    mismatched["alg"] = "RS256";
    boost::json::object doc{
        {"keys", boost::json::array{good.jwk(), enc, mismatched, boost::json::object{{"kty", "oct"}, {"kid", "hmac"}}}}};
    std::vector<std::string> skipped;
    auto keys = parse_jwks(boost::json::serialize(doc), skipped);
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].kid(), "good");
    ASSERT_EQ(skipped.size(), 3u);
    EXPECT_NE(skipped[0].find("for-encryption"), std::string::npos);
    EXPECT_NE(skipped[1].find("mismatch"), std::string::npos);
    EXPECT_NE(skipped[2].find("oct"), std::string::npos);
    EXPECT_THROW(parse_jwks("[]", skipped), std::invalid_argument);
}

}  // namespace
}  // namespace todoai::auth

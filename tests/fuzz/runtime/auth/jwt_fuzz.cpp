// Bearer tokens as any client can send them, through JwtCodec::verify (HS256 on the secret, and EdDSA from a JWKS
// issuer). Random bytes rarely get past the signature, so most inputs are signed here: the header and payload bytes
// come from the input and the harness signs them with the real key, which takes the fuzzer into the claim checks
// (exp, nbf, iss, aud, sub) that only a correctly signed token reaches.
#include <openssl/hmac.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/base64url.hpp"
#include "core/clock.hpp"
#include "runtime/auth/jwks.hpp"
#include "runtime/auth/jwt.hpp"
#include "support/jose_keys.hpp"

namespace {

const std::string kSecret(40, 'k');

struct Fixture {
    todoai::ManualClock clock{todoai::Timestamp{std::chrono::seconds{1'800'000'000}}};
    todoai::testing::JoseKey issuer = todoai::testing::JoseKey::ed25519("issuer-key");
    std::unique_ptr<todoai::auth::JwtCodec> codec;

    Fixture() {
        auto jwks = std::make_shared<todoai::auth::JwksKeySet>(
            [doc = todoai::testing::jwks_document({&issuer})] { return doc; }, clock);
        codec = std::make_unique<todoai::auth::JwtCodec>(
            kSecret, clock, todoai::auth::JwtOptions{.issuer = "https://issuer", .audience = "todoai", .jwks = jwks});
    }
};

std::string hs256(std::string_view header, std::string_view payload) {
    auto input = todoai::base64url_encode(header) + "." + todoai::base64url_encode(payload);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
    return input + "." + todoai::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), length));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Fixture fixture;
    if (size == 0) return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    // First byte: 0 the token as sent; 1 "<header>\n<payload>" signed HS256 with the secret; 2 the payload (a JSON
    // object) signed EdDSA by the JWKS issuer, the rest of the first byte's bits choosing the header's alg.
    std::string token;
    switch (data[0] % 3) {
        case 0:
            token = rest;
            break;
        case 1: {
            const auto cut = rest.find('\n');
            if (cut == std::string_view::npos) return 0;
            token = hs256(rest.substr(0, cut), rest.substr(cut + 1));
            break;
        }
        default: {
            boost::system::error_code ec;
            auto claims = boost::json::parse(rest, ec);
            if (ec || !claims.is_object()) return 0;
            static const char* const kAlgs[] = {"", "EdDSA", "ES256", "RS256", "HS256", "none"};
            token = fixture.issuer.sign(claims.as_object(), kAlgs[(data[0] / 3) % 6]);
        }
    }
    (void)fixture.codec->verify(token);
    return 0;
}

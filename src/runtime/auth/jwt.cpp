#include "runtime/auth/jwt.hpp"

#include <jwt.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "core/base64url.hpp"

namespace todoai::auth {
namespace {

constexpr std::size_t kMinSecretBytes = 32;
constexpr std::size_t kMaxTokenBytes = 8192;
constexpr std::size_t kCacheShards = 16;
constexpr std::size_t kCacheEntriesPerShard = 256;     // 4096 tokens in all
constexpr std::int64_t kMaxExpSeconds = 253402300799;  // 9999-12-31T23:59:59Z; keeps the millisecond time in range

struct JwtFree {
    void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

bool is_base64url(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// header.payload.signature, base64url (unpadded) each; the signature may be empty (alg none).
bool has_jws_shape(std::string_view token) {
    const auto first = token.find('.');
    if (first == std::string_view::npos || first == 0) return false;
    const auto second = token.find('.', first + 1);
    if (second == std::string_view::npos || second == first + 1) return false;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (i != first && i != second && !is_base64url(token[i])) return false;
    }
    return true;
}

std::optional<boost::json::object> decode_json_object(std::string_view part) {
    auto text = base64url_decode(part, kMaxTokenBytes);
    if (!text) return std::nullopt;
    boost::json::error_code ec;
    auto value = boost::json::parse(*text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

// libjwt answers EINVAL for every failure; tell the client which one it was (the 401 detail).
TokenError classify_rejection(std::string_view token) {
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    auto header = decode_json_object(token.substr(0, first));
    auto payload = decode_json_object(token.substr(first + 1, second - first - 1));
    if (!header || !payload) return {"malformed token"};
    const auto* alg = header->if_contains("alg");
    if (alg == nullptr || !alg->is_string()) return {"malformed token"};
    if (alg->as_string() != "HS256") return {"unsupported algorithm"};
    return {"invalid signature"};
}

// A NumericDate claim (RFC 7519: seconds, possibly fractional), clamped to years 0..9999; nullopt when absent, and
// `bad` set when present but not a number.
std::optional<std::int64_t> numeric_date(const boost::json::object& payload, std::string_view name, bool& bad) {
    const auto* v = payload.if_contains(name);
    if (v == nullptr) return std::nullopt;
    boost::json::error_code ec;
    const double seconds = v->is_number() ? v->to_number<double>(ec) : 0;
    if (!v->is_number() || ec) {
        bad = true;
        return std::nullopt;
    }
    return static_cast<std::int64_t>(std::clamp(std::floor(seconds), 0.0, static_cast<double>(kMaxExpSeconds)));
}

bool audience_matches(const boost::json::value& aud, std::string_view want) {
    if (aud.is_string()) return aud.get_string() == want;
    if (const auto* arr = aud.if_array()) {
        for (const auto& a : *arr)
            if (a.is_string() && a.get_string() == want) return true;
    }
    return false;
}

// The claims every token must satisfy once its signature is good; iss/aud only on the other issuer's (JWKS) tokens,
// since our own sign-in issues tokens without them.
std::variant<Claims, TokenError> check_claims(const boost::json::object& payload,
                                              Timestamp now,
                                              const JwtOptions& o,
                                              bool from_jwks) {
    bool bad_exp = false, bad_nbf = false;
    const auto exp = numeric_date(payload, "exp", bad_exp);
    const auto nbf = numeric_date(payload, "nbf", bad_nbf);
    if (!exp) return TokenError{"missing exp"};  // absent, or not a NumericDate
    if (bad_nbf) return TokenError{"malformed token"};
    std::string user;
    for (const char* name : {"sub", "id"}) {
        const auto* v = payload.if_contains(name);
        if (v != nullptr && v->is_string() && !v->get_string().empty()) {
            user = std::string(v->get_string());
            break;
        }
    }
    if (user.empty()) return TokenError{"missing sub"};
    Claims claims{std::move(user), Timestamp{std::chrono::seconds{*exp}}};
    if (now >= claims.expires_at) return TokenError{"token expired"};
    if (nbf && now < Timestamp{std::chrono::seconds{*nbf}}) return TokenError{"token not valid yet (nbf)"};
    if (from_jwks && !o.issuer.empty()) {
        const auto* iss = payload.if_contains("iss");
        if (iss == nullptr || !iss->is_string() || iss->get_string() != o.issuer) return TokenError{"wrong issuer"};
    }
    if (from_jwks && !o.audience.empty()) {
        const auto* aud = payload.if_contains("aud");
        if (aud == nullptr || !audience_matches(*aud, o.audience)) return TokenError{"wrong audience"};
    }
    return claims;
}

std::int64_t epoch_seconds(Timestamp t) {
    return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

struct JwtCodec::Impl {
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Claims, StringHash, std::equal_to<>> claims;
    };

    Impl(std::string s, const Clock& c, JwtOptions o) : secret(std::move(s)), clock(c), options(std::move(o)) {}

    Shard& shard_of(std::string_view token) { return shards[StringHash{}(token) % kCacheShards]; }

    std::optional<Claims> cached(std::string_view token) {
        Shard& shard = shard_of(token);
        std::lock_guard lock(shard.mutex);
        auto it = shard.claims.find(token);
        if (it == shard.claims.end()) return std::nullopt;
        return it->second;
    }

    void remember(std::string token, const Claims& claims) {
        Shard& shard = shard_of(token);
        std::lock_guard lock(shard.mutex);
        if (shard.claims.size() >= kCacheEntriesPerShard) shard.claims.erase(shard.claims.begin());
        shard.claims.emplace(std::move(token), claims);
    }

    std::string secret;
    const Clock& clock;
    JwtOptions options;
    std::array<Shard, kCacheShards> shards;
};

JwtCodec::JwtCodec(std::string secret, const Clock& clock, JwtOptions options) {
    if (secret.size() < kMinSecretBytes) {
        throw std::invalid_argument("JWT secret must be at least 32 bytes (got " + std::to_string(secret.size()) + ")");
    }
    impl_ = std::make_unique<Impl>(std::move(secret), clock, std::move(options));
}

JwtCodec::~JwtCodec() = default;

std::string JwtCodec::issue(std::string_view sub, std::chrono::seconds ttl) const {
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) throw std::bad_alloc();
    JwtPtr jwt(raw);
    const auto now = epoch_seconds(impl_->clock.now());
    const std::string subject(sub);
    const auto* key = reinterpret_cast<const unsigned char*>(impl_->secret.data());
    if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, key, static_cast<int>(impl_->secret.size())) != 0 ||
        jwt_add_grant(jwt.get(), "sub", subject.c_str()) != 0 || jwt_add_grant_int(jwt.get(), "iat", now) != 0 ||
        jwt_add_grant_int(jwt.get(), "exp", now + ttl.count()) != 0) {
        throw std::runtime_error("jwt: cannot build a token for " + subject);
    }
    char* encoded = jwt_encode_str(jwt.get());
    if (encoded == nullptr) throw std::runtime_error("jwt: cannot encode a token for " + subject);
    std::string token(encoded);
    std::free(encoded);
    return token;
}

std::variant<Claims, TokenError> JwtCodec::verify(std::string_view token) const {
    if (token.size() > kMaxTokenBytes || !has_jws_shape(token)) return TokenError{"malformed token"};
    const Timestamp now = impl_->clock.now();
    if (auto claims = impl_->cached(token)) {
        if (now >= claims->expires_at) return TokenError{"token expired"};
        return *std::move(claims);
    }

    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    auto header = decode_json_object(token.substr(0, first));
    auto payload = decode_json_object(token.substr(first + 1, second - first - 1));
    if (!header || !payload) return TokenError{"malformed token"};
    const auto* alg_value = header->if_contains("alg");
    if (alg_value == nullptr || !alg_value->is_string()) return TokenError{"malformed token"};
    const std::string_view alg = alg_value->get_string();

    std::string text(token);
    if (alg == "HS256") {
        jwt_t* raw = nullptr;
        const auto* key = reinterpret_cast<const unsigned char*>(impl_->secret.data());
        if (jwt_decode(&raw, text.c_str(), key, static_cast<int>(impl_->secret.size())) != 0 || raw == nullptr) {
            return classify_rejection(token);
        }
        JwtPtr jwt(raw);
        // Same key, another HMAC (HS384/HS512): libjwt accepts it, we do not.
        if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return TokenError{"unsupported algorithm"};
    } else if (impl_->options.jwks && (alg == "EdDSA" || alg == "ES256" || alg == "RS256")) {
        const auto* kid_value = header->if_contains("kid");
        const std::string_view kid = kid_value && kid_value->is_string() ? std::string_view(kid_value->get_string())
                                                                         : std::string_view();
        auto key = impl_->options.jwks->find(kid);
        if (!key) {
            const auto problem = impl_->options.jwks->last_problem();
            return TokenError{"no key '" + std::string(kid) + "' in the issuer's JWKS" +
                              (problem.empty() ? "" : " (" + problem + ")")};
        }
        // The key decides the algorithm: a token may not pick a weaker or different one for a key it names.
        if (key->alg() != alg) return TokenError{"algorithm " + std::string(alg) + " does not match the key"};
        auto signature = base64url_decode(token.substr(second + 1), kMaxTokenBytes);
        if (!signature || !key->verify(token.substr(0, second), *signature)) return TokenError{"invalid signature"};
    } else {
        return TokenError{"unsupported algorithm"};
    }

    auto checked = check_claims(*payload, now, impl_->options, alg != "HS256");
    if (auto* claims = std::get_if<Claims>(&checked)) impl_->remember(std::move(text), *claims);
    return checked;
}

}  // namespace todoai::auth

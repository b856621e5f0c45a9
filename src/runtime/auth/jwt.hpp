#pragma once
// JSON Web Tokens: HS256 on JWT_SECRET (libjwt), which our sign-in issues, and, with a JWKS configured, EdDSA, ES256
// and RS256 from another issuer (Better Auth). Any other algorithm, `alg: none` included, is rejected.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "core/clock.hpp"
#include "runtime/auth/jwks.hpp"

namespace todoai::auth {

struct Claims {
    std::string sub;  // the user id
    Timestamp expires_at{};
};

/// What is checked besides the signature, for every token whatever signed it.
struct JwtOptions {
    std::string issuer;    // when set, a JWKS-verified token's `iss` must equal it (our HS256 tokens carry none)
    std::string audience;  // when set, a JWKS-verified token's `aud` (a string or an array) must contain it
    std::shared_ptr<JwksKeySet> jwks;  // when set, EdDSA/ES256/RS256 tokens are verified with its keys
};

struct TokenError {
    std::string reason;  // "missing", "malformed", "bad signature", "expired", ... (for the 401 detail)
};

class JwtCodec {
public:
    /// Throws std::invalid_argument when the secret is shorter than 32 bytes.
    JwtCodec(std::string secret, const Clock& clock, JwtOptions options = {});
    ~JwtCodec();

    /// A token for `sub` with iat = now and exp = now + ttl.
    std::string issue(std::string_view sub, std::chrono::seconds ttl) const;

    /// Checks the signature (HS256 on the secret; EdDSA/ES256/RS256 with the JWKS key its `kid` names, the key's
    /// alg over the header's), `exp` (required, in the future), `nbf` (when present, not in the future), `iss` and
    /// `aud` as configured, and the user id: `sub`, else `id` (required, non-empty).
    /// Thread-safe. Verified tokens are cached (bounded) so a client's repeated requests skip the HMAC.
    std::variant<Claims, TokenError> verify(std::string_view token) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace todoai::auth

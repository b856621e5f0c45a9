#pragma once
// HS256 JSON Web Tokens on JWT_SECRET (libjwt). Any other algorithm, `alg: none` included, is rejected.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "core/clock.hpp"

namespace todoai::auth {

struct Claims {
    std::string sub;  // the user id
    Timestamp expires_at{};
};

struct TokenError {
    std::string reason;  // "missing", "malformed", "bad signature", "expired", ... (for the 401 detail)
};

class JwtCodec {
public:
    /// Throws std::invalid_argument when the secret is shorter than 32 bytes.
    JwtCodec(std::string secret, const Clock& clock);
    ~JwtCodec();

    /// A token for `sub` with iat = now and exp = now + ttl.
    std::string issue(std::string_view sub, std::chrono::seconds ttl) const;

    /// Checks signature (HS256 only), `exp` (required, in the future) and `sub` (required, non-empty).
    /// Thread-safe. Verified tokens are cached (bounded) so a client's repeated requests skip the HMAC.
    std::variant<Claims, TokenError> verify(std::string_view token) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace todoai::auth

#pragma once
// The token checks the configuration asks for: TODOAI_JWKS_URL (fetched over the HTTP invoker, with its timeouts),
// TODOAI_JWT_ISSUER, TODOAI_JWT_AUDIENCE.
#include "app/config.hpp"
#include "core/clock.hpp"
#include "runtime/auth/jwt.hpp"

namespace todoai::app {

/// Throws std::runtime_error naming the URL when TODOAI_JWKS_URL is not http://host[:port]/path (https is not
/// supported yet: put the issuer's JWKS behind a local proxy, or use JWT_SECRET).
auth::JwtOptions jwt_options(const Config& config, const Clock& clock);

}  // namespace todoai::app

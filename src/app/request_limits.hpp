#pragma once
// The API's rate limits, as the router's admission step: token buckets per client address and per authenticated user
// (429 problem+json with Retry-After). Off unless configured: a deployment sets them for its own traffic. Health,
// readiness and metrics are never limited, so probes keep working under a flood.
#include "app/config.hpp"
#include "runtime/auth/jwt.hpp"
#include "runtime/http/router.hpp"

namespace todoai::app {

/// Installs the limits `config` asks for on `router` (nothing when both rates are 0). `jwt` must outlive the router.
void install_request_limits(http::Router& router, const Config& config, const auth::JwtCodec& jwt);

}  // namespace todoai::app

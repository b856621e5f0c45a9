#pragma once
// What every user-scoped route checks first: a valid bearer token whose `sub` owns the path's {user_id}.
#include <string>

#include "runtime/auth/jwt.hpp"
#include "runtime/http/request.hpp"

namespace todoai::auth {

/// The token's user id. Throws HttpError 401 for a missing, malformed, forged or expired token.
std::string authenticate(const http::Request& req, const JwtCodec& jwt);

/// authenticate(), then 403 unless the path's {user_id} is the token's user. Returns the user id.
std::string authorize_path_user(const http::Request& req, const JwtCodec& jwt);

}  // namespace todoai::auth

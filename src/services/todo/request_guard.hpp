#pragma once
// What every user-scoped route checks first: a valid bearer token whose `sub` owns the path's {user_id}.
#include <boost/json/value.hpp>
#include <string>

#include "runtime/auth/jwt.hpp"
#include "runtime/http/request.hpp"

namespace todoai::todo {

/// The token's user id. Throws HttpError 401 for a missing, malformed, forged or expired token.
std::string authenticate(const http::Request& req, const auth::JwtCodec& jwt);

/// authenticate(), then 403 unless the path's {user_id} is the token's user. Returns the user id.
std::string authorize_path_user(const http::Request& req, const auth::JwtCodec& jwt);

/// The request body as JSON: 415 for a non-JSON Content-Type, 400 naming the byte offset for malformed JSON.
boost::json::value parse_json_body(const http::Request& req);

}  // namespace todoai::todo

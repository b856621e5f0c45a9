#pragma once
// What every user-scoped route checks first: a valid bearer token whose `sub` owns the path's {user_id}.
#include <string>

#include "runtime/auth/jwt.hpp"
#include "runtime/http/request.hpp"
#include "runtime/http/router.hpp"

namespace todoai::auth {

/// The token's user id. Throws HttpError 401 for a missing, malformed, forged or expired token.
std::string authenticate(const http::Request& req, const JwtCodec& jwt);

/// authenticate(), then 403 unless the path's {user_id} is the token's user. Returns the user id.
std::string authorize_path_user(const http::Request& req, const JwtCodec& jwt);

/// Registers `handler` (which calls authorize_path_user) on "/api/{user_id}" + `suffix` and on "/api" + `suffix`,
/// where the user is the token's: the hackathon's front ends call `/api/tasks`, `/api/stats`, `/api/notifications`.
/// `suffix` starts with '/'. On the short form a user whose id is a resource name ("tasks") loses to the resource.
void add_user_route(http::Router& router,
                    http::Method method,
                    std::string_view suffix,
                    http::Handler handler,
                    const JwtCodec& jwt);

}  // namespace todoai::auth

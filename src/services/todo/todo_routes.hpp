#pragma once
// The todo service's HTTP face: thin handlers over AuthService and TaskService.
#include "runtime/auth/jwt.hpp"
#include "runtime/http/router.hpp"
#include "services/todo/auth_service.hpp"
#include "services/todo/task_service.hpp"

namespace todoai::todo {

/// Adds every todo route of DESIGN.md's table (auth, tasks, /openapi.json) to `router`. The services must outlive it.
void register_routes(http::Router& router, AuthService& accounts, TaskService& tasks, const auth::JwtCodec& jwt);

}  // namespace todoai::todo

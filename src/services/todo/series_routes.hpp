#pragma once
// The recurring service's invocation of the todo service (DESIGN.md "HTTP API", Dapr-facing routes):
// POST /internal/series/{series_id}/next creates the next instance of a recurring series.
#include <string>

#include "runtime/http/router.hpp"
#include "services/todo/task_service.hpp"

namespace todoai::todo {

/// Adds POST /internal/series/{series_id}/next to `router`. Authenticated by the app token, sent as
/// `dapr-api-token: <token>` or `Authorization: Bearer <token>` (missing or wrong -> 401). With an empty
/// `app_token` the route answers 503 "APP_API_TOKEN not configured" to everyone.
///
/// Body: {"id": instance id, "user_id", "due_date": RFC 3339, "task": the instance's writable fields (as
/// writable_json gives them), "correlation_id": optional, the completion event's id}. `id` must be
/// instance_id(series_id, due_date), `task` must be recurring and its due_date, if given, must be `due_date`.
/// 201 with the created task (and one task.created event); 200 with the existing task and no event when `id` exists;
/// 422 naming the fields otherwise. `tasks` must outlive the router.
void register_series_routes(http::Router& router, TaskService& tasks, std::string app_token);

}  // namespace todoai::todo

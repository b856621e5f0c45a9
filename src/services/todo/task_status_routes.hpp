#pragma once
// The notification service's question before a reminder fires (DESIGN.md "Decisions clients may rely on": a reminder
// never fires for a task that is already complete or deleted): POST /internal/tasks/open. Todo is the source of
// truth; the task events that tell notification the same thing may still be on their way.
#include <cstddef>
#include <string>

#include "runtime/http/router.hpp"
#include "services/todo/task_service.hpp"

namespace todoai::todo {

/// Most ids one request may ask about.
inline constexpr std::size_t kOpenTasksMaxIds = 256;

/// Adds POST /internal/tasks/open to `router`, authenticated by the app token exactly as
/// POST /internal/series/{series_id}/next (dapr-api-token or Authorization: Bearer; 401 missing or wrong, 503 when
/// `app_token` is empty).
///
/// Body: {"ids": [task id, ...]}, at most kOpenTasksMaxIds strings of 1 to 255 bytes (else 422; malformed JSON 400).
/// 200 {"open": [...]}: those of the ids whose task exists and is not complete, in the order asked, each once; a
/// deleted or unknown id is simply absent. Any user's task counts (the caller is a service, not a user). Writes
/// nothing. `tasks` must outlive the router.
void register_task_status_routes(http::Router& router, TaskService& tasks, std::string app_token);

}  // namespace todoai::todo

#pragma once
// The output profile for clients that read camelCase (TODOAI_JSON_CASE=camel): applied to a response at the edge,
// after the handler, so the services keep one (snake_case) form.
#include <optional>
#include <string_view>

#include "runtime/http/response.hpp"

namespace todoai::http {

enum class JsonCase { snake, camel };

/// "snake" or "camel"; nullopt for anything else.
std::optional<JsonCase> parse_json_case(std::string_view text);

/// With JsonCase::camel, rewrites an application/json body of a route under /api/ with core's
/// to_camel_case_output (every key camelCase, a task's status `complete` → `completed`). Problem details, the
/// ops routes and /internal/ (service-to-service) stay as they are.
void apply_json_case(JsonCase json_case, std::string_view path, Response& response);

}  // namespace todoai::http

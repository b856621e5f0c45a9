#pragma once
// The app token that guards todo's internal (service-to-service) routes: sent as `dapr-api-token: <token>` or
// `Authorization: Bearer <token>`, compared in constant time.
#include <string>

#include "runtime/http/request.hpp"

namespace todoai::todo {

/// Throws HttpError 401 when the token is missing or wrong, 503 when `app_token` is empty (not configured).
void check_app_token(const http::Request& req, const std::string& app_token);

}  // namespace todoai::todo

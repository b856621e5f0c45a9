#pragma once
// APP_API_TOKEN: daprd sends it as `dapr-api-token` on every call to the app (subscriptions, deliveries, bindings,
// jobs, invocations), so the app can refuse whatever did not come through its sidecar.
#include <string>

#include "runtime/http/request.hpp"

namespace todoai::dapr {

/// Throws HttpError 401 when `app_token` is set and the request's `dapr-api-token` is missing or differs (compared
/// in constant time). With an empty `app_token` every call is accepted.
void check_sidecar_token(const http::Request& req, const std::string& app_token);

}  // namespace todoai::dapr

#pragma once
// The routes daprd calls on the app for pub/sub: GET /dapr/subscribe and POST /events/{topic}. With an app token
// (APP_API_TOKEN) both require daprd's `dapr-api-token` (401 problem otherwise, nothing applied).
#include <string>

#include "runtime/http/router.hpp"
#include "runtime/pubsub/dapr/dapr_bus.hpp"

namespace todoai::pubsub {

/// `bus` and the router must outlive the routes. An unknown topic is 404 (daprd drops it: nothing here would ever
/// take it); a known one is always answered 200 with SUCCESS, RETRY or DROP.
void register_dapr_subscriber_routes(http::Router& router, DaprBus& bus, std::string app_token);

}  // namespace todoai::pubsub

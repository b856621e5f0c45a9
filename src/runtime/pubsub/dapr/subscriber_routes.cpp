#include "runtime/pubsub/dapr/subscriber_routes.hpp"

#include "runtime/dapr/app_token.hpp"
#include "runtime/http/problem.hpp"

namespace todoai::pubsub {

void register_dapr_subscriber_routes(http::Router& router, DaprBus& bus, std::string app_token) {
    router.add(http::Method::get, "/dapr/subscribe", [&bus, app_token](http::Request& req) {
        dapr::check_sidecar_token(req, app_token);
        http::Response res;
        res.body = bus.subscriptions();
        return res;
    });
    router.add(http::Method::post, "/events/{topic}", [&bus, app_token](http::Request& req) {
        dapr::check_sidecar_token(req, app_token);
        const auto topic = req.param("topic");
        if (!bus.subscribed(topic))
            throw http::HttpError(404, "this app subscribes to no topic '" + std::string(topic) + "'");
        const auto delivery = bus.deliver(topic, req.body, req.header("__key").value_or(""));
        http::Response res;
        res.status = delivery.status;
        res.body = delivery.body;
        return res;
    });
}

}  // namespace todoai::pubsub

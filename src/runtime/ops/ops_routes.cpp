#include "runtime/ops/ops_routes.hpp"

#include <boost/json/object.hpp>

#include "runtime/http/problem.hpp"

namespace todoai::ops {

void register_routes(http::Router& router, std::vector<ReadinessProbe> probes, const http::Metrics& metrics) {
    router.add(http::Method::get, "/health", [](http::Request&) {
        return http::Response::json(200, boost::json::object{{"status", "ok"}});
    });
    router.add(http::Method::get, "/health/ready", [probes = std::move(probes)](http::Request&) {
        boost::json::object checks;
        std::string failing;
        for (const auto& probe : probes) {
            bool ok = false;
            try {
                ok = probe.ready();
            } catch (...) {
                ok = false;
            }
            checks[probe.name] = ok ? "ok" : "unavailable";
            if (!ok) failing += (failing.empty() ? "" : ", ") + probe.name;
        }
        if (!failing.empty()) throw http::HttpError(503, "not ready: " + failing + " unavailable");
        return http::Response::json(200, boost::json::object{{"status", "ready"}, {"checks", checks}});
    });
    router.add(http::Method::get, "/metrics", [&metrics](http::Request&) {
        return http::Response{.content_type = "text/plain; version=0.0.4; charset=utf-8", .body = metrics.render()};
    });
}

}  // namespace todoai::ops

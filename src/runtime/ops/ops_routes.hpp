#pragma once
// Routes every service answers: liveness, readiness and Prometheus metrics.
#include <functional>
#include <string>
#include <vector>

#include "runtime/http/metrics.hpp"
#include "runtime/http/router.hpp"

namespace todoai::ops {

/// A dependency readiness depends on (a store, a bus): its name and a cheap check.
struct ReadinessProbe {
    std::string name;
    std::function<bool()> ready;
};

/// GET /health -> 200 {"status":"ok"} while the process serves. GET /health/ready -> 200 when every probe passes,
/// else 503 problem naming the failing ones. GET /metrics -> Prometheus text.
void register_routes(http::Router& router, std::vector<ReadinessProbe> probes, const http::Metrics& metrics);

}  // namespace todoai::ops

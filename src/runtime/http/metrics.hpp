#pragma once
// Prometheus metrics: request counts and latency histograms per route, method and status.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace todoai::http {

class Metrics {
  public:
    Metrics();
    ~Metrics();

    /// Records one request. Cheap and thread-safe: called on every request.
    void observe(std::string_view method, std::string_view route, int status, std::chrono::nanoseconds duration);

    /// Prometheus text exposition format 0.0.4: todoai_http_requests_total{method,route,status} and
    /// todoai_http_request_duration_seconds histogram{method,route}, plus process uptime.
    std::string render() const;

    /// More exposition text, appended to render()'s on every scrape (the event bus's counts: app/ wires it). Call
    /// before the server starts; `section` must be thread-safe.
    void add_section(std::function<std::string()> section);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace todoai::http

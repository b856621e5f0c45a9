#pragma once
// One todoai process: the service modules it runs (one, or all five) on the drivers the configuration picks, one
// HTTP port. The only place (with the modules and drivers.cpp) that wires drivers to services.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/service_catalog.hpp"
#include "runtime/http/router.hpp"

namespace todoai::app {

class Process {
  public:
    /// Opens and migrates the stores of `services`, opens the bus and wires the services; nothing runs yet.
    Process(const Config& config, std::vector<Service> services, const std::string& jwt_secret);
    ~Process();

    /// The router with every route of the services run here (plus /health, /health/ready, /metrics).
    const http::Router& router() const;

    /// Binds the HTTP port; returns it (useful with port 0).
    std::uint16_t listen();

    /// Starts the bus and the services' background work (outboxes first deliver what they still hold) and serves
    /// until stop(); then drains the requests, the outboxes and the consumers, in that order.
    void run();

    /// Graceful stop; any thread.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The port a process listens on: --port/API_PORT, else 8000 for all, the service's own for one.
std::uint16_t listen_port(const Config& config, const std::vector<Service>& services);

/// The threads that run handlers: --http-workers when given; else, on PostgreSQL, one per pooled connection; else 0
/// (the server's default, a few per io thread).
std::size_t http_workers(const Config& config);

}  // namespace todoai::app

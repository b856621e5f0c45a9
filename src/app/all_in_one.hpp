#pragma once
// The five services in one process on the embedded default: SQLite stores, the in-process bus, one HTTP port.
// The only place (with serve.cpp) that picks drivers.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "app/config.hpp"
#include "runtime/http/router.hpp"

namespace todoai::app {

class AllInOne {
  public:
    /// Opens and migrates every store under `data_dir` and wires the services; nothing runs yet.
    AllInOne(const Config& config, const std::filesystem::path& data_dir, const std::string& jwt_secret);
    ~AllInOne();

    /// The router with every route of every service (what the OpenAPI document must describe).
    const http::Router& router() const;

    /// Binds the HTTP port; returns it (useful with port 0).
    std::uint16_t listen();

    /// Delivers what the outboxes still hold, starts the background work, and serves until stop(); then drains the
    /// requests, the outboxes and the consumers, in that order.
    void run();

    /// Graceful stop; any thread.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace todoai::app

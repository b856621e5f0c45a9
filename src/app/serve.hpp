#pragma once
#include <string>

#include "app/config.hpp"

namespace todoai::app {

/// `todoai serve <service>`: wires the drivers and services the configuration asks for and serves until SIGTERM or
/// SIGINT. Returns the process exit code.
int serve(const Config& config, const std::string& service);

/// `todoai migrate`: applies pending schema migrations of every service's store, then exits.
int migrate(const Config& config);

}  // namespace todoai::app

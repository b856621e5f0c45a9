#pragma once
#include <filesystem>
#include <string>

#include "app/config.hpp"

namespace todoai::app {

/// The HS256 secret: --jwt-secret, else --jwt-secret-file, else (outside production) a random secret kept in
/// <data_dir>/jwt-secret so tokens survive restarts. Throws std::runtime_error with a one-line reason.
std::string resolve_jwt_secret(const Config& config, const std::filesystem::path& data_dir);

/// `bytes` random bytes as hex (getrandom(2)).
std::string random_hex(std::size_t bytes);

}  // namespace todoai::app

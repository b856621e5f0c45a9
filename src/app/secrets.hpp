#pragma once
#include <filesystem>
#include <string>

#include "app/config.hpp"

namespace todoai::app {

/// The HS256 secret: --jwt-secret, else --jwt-secret-file, else (outside production) a random secret kept in
/// <data_dir>/jwt-secret so tokens survive restarts. Throws std::runtime_error with a one-line reason.
std::string resolve_jwt_secret(const Config& config, const std::filesystem::path& data_dir);

/// Dapr mode with --secret-store: fills an unset DATABASE_URL and JWT_SECRET (and no --jwt-secret-file) from the
/// sidecar's secret store (seed 000: db-credentials / connectionString), waiting up to --dapr-wait for the sidecar.
/// Throws std::runtime_error naming the store and secret when the sidecar does not answer or a secret is missing.
void apply_dapr_secrets(Config& config);

/// `bytes` random bytes as hex (getrandom(2)).
std::string random_hex(std::size_t bytes);

}  // namespace todoai::app

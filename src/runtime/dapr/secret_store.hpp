#pragma once
// Secrets through the sidecar's secret-store API (seed 000: store `kubernetes-secrets`, secret `db-credentials`,
// key `connectionString`): GET /v1.0/secrets/{store}/{name} -> {"<key>": "<value>", ...}.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/dapr/sidecar_client.hpp"

namespace todoai::dapr {

/// The value of `key` in secret `name` of `store`, or nullopt when the secret or the key does not exist (daprd: 204,
/// or a store error naming a missing secret). Waits up to `wait` for the sidecar's outbound health first (the
/// process may start before its sidecar). Throws SidecarError when the sidecar is unreachable or answers an error
/// other than not-found; the message names the store and the secret, never a value.
std::optional<std::string> read_secret(SidecarClient& sidecar,
                                       std::string_view store,
                                       std::string_view name,
                                       std::string_view key,
                                       std::chrono::milliseconds wait = std::chrono::seconds(30));

}  // namespace todoai::dapr

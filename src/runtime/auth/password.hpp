#pragma once
// Password hashing: argon2id through libsodium (crypto_pwhash_str, interactive limits: 64 MiB per hash).
#include <memory>
#include <string>
#include <string_view>

namespace todoai::auth {

/// Hashes and verifies passwords. At most `max_concurrent` hashes run at once (the rest wait), so a sign-in burst
/// cannot take N x 64 MiB of memory. Copies share the bound.
class PasswordHasher {
  public:
    /// Throws std::invalid_argument when max_concurrent < 1.
    explicit PasswordHasher(int max_concurrent = 2);
    std::string hash(std::string_view password) const;                           // throws on out-of-memory
    bool verify(std::string_view password, std::string_view stored_hash) const;  // false on mismatch or bad hash

  private:
    struct Gate;  // the semaphore bounding concurrent hashes
    std::shared_ptr<Gate> gate_;
};

}  // namespace todoai::auth

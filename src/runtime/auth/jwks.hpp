#pragma once
// The issuer's public keys (a JWKS document, RFC 7517 §5), fetched from TODOAI_JWKS_URL and cached: the issuer
// (Better Auth's /api/auth/jwks, say) rotates its keys, so a token naming a kid we do not know makes one refetch.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "runtime/auth/jwk.hpp"

namespace todoai::auth {

struct JwksOptions {
    std::chrono::seconds max_age{300};     // refetch a set older than this on the next use
    std::chrono::seconds min_refetch{1};  // at most one refetch per interval, however many unknown kids arrive
};

class JwksKeySet {
  public:
    /// Returns the JWKS document's body; throws std::exception (with the URL and the cause) when the issuer cannot
    /// be reached in time or answers other than 200. Called with no lock held by other callers' verifications.
    using Fetch = std::function<std::string()>;

    JwksKeySet(Fetch fetch, const Clock& clock, JwksOptions options = {});

    /// The key with `kid` (an empty kid: the only key of the set, if there is exactly one). Fetches the set on first
    /// use and when older than max_age; when the kid is unknown, refetches once (no more often than min_refetch).
    /// A failed fetch keeps the keys it had. Thread-safe.
    std::optional<PublicKey> find(std::string_view kid);

    /// Why the last fetch failed or which keys it skipped (for the 401 detail and the log); empty when all was well.
    std::string last_problem() const;

  private:
    std::optional<PublicKey> lookup(std::string_view kid) const;
    void refresh(Timestamp now);

    Fetch fetch_;
    const Clock& clock_;
    JwksOptions options_;
    mutable std::mutex mutex_;
    std::vector<PublicKey> keys_;
    std::optional<Timestamp> fetched_at_;
    std::optional<Timestamp> attempted_at_;
    std::string problem_;
};

/// The keys of a JWKS document; keys it cannot use are skipped, each named in `skipped`. Throws
/// std::invalid_argument when the document is not {"keys": [...]}.
std::vector<PublicKey> parse_jwks(std::string_view document, std::vector<std::string>& skipped);

}  // namespace todoai::auth

#pragma once
// Processed markers in a Dapr state store (seed 001's option, TODOAI_PROCESSED_MARKERS=dapr-state): each marker is the
// key `processed-{event_id}-{service}`, saved through the sidecar with first-write concurrency and a TTL (the store
// expires them after the processed-marker retention, as MarkerPruner does for the in-store table). daprd prefixes the
// key with the app id. See MarkerStore for why the in-transaction marker stays the default.
#include <chrono>
#include <string>

#include "runtime/dapr/sidecar_client.hpp"
#include "runtime/pubsub/processed_events.hpp"

namespace todoai::pubsub {

struct StateMarkersOptions {
    std::string store = "statestore";  // the state.postgresql component's name
    std::chrono::seconds ttl{std::chrono::hours(24 * 30)};
};

class DaprStateMarkers final : public MarkerStore {
  public:
    DaprStateMarkers(dapr::SidecarClient& sidecar, StateMarkersOptions options = {});

    /// One save per marker (POST /v1.0/state/<store>, first-write, no etag): 204 records it. The state.postgresql
    /// component answers a first write of an existing key with an error (500, "no item was updated"), so on any
    /// other answer the key is read back: present means recorded already, absent (or another failure) throws.
    std::vector<bool> claim(std::span<const std::string> event_ids, std::string_view service) override;
    /// DELETE /v1.0/state/<store>/<key> per marker.
    void release(std::span<const std::string> event_ids, std::string_view service) noexcept override;

  private:
    bool claim_one(const std::string& key);
    dapr::SidecarClient& sidecar_;
    StateMarkersOptions options_;
};

}  // namespace todoai::pubsub

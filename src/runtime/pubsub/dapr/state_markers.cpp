#include "runtime/pubsub/dapr/state_markers.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>
#include <unordered_set>

#include "runtime/log/log.hpp"

namespace todoai::pubsub {
namespace {

namespace json = boost::json;

}  // namespace

DaprStateMarkers::DaprStateMarkers(dapr::SidecarClient& sidecar, StateMarkersOptions options)
    : sidecar_(sidecar), options_(std::move(options)) {}

bool DaprStateMarkers::claim_one(const std::string& key) {
    const auto body = json::serialize(
        json::array{json::object{{"key", key},
                                 {"value", "processed"},
                                 {"options", json::object{{"concurrency", "first-write"}}},
                                 {"metadata", json::object{{"ttlInSeconds", std::to_string(options_.ttl.count())}}}}});
    const auto saved = sidecar_.call(http::Method::post, "/v1.0/state/" + dapr::url_encode(options_.store), body);
    if (saved.status == 204) return true;
    // Recorded already, or the save failed: the key says which.
    const auto read = sidecar_.call(http::Method::get,
                                    "/v1.0/state/" + dapr::url_encode(options_.store) + "/" + dapr::url_encode(key));
    if (read.status == 200 && !read.body.empty()) return false;
    throw std::runtime_error("state store " + options_.store + " did not record " + key + " (save answered " +
                             std::to_string(saved.status) + ": " + saved.body.substr(0, 200) + ")");
}

std::vector<bool> DaprStateMarkers::claim(std::span<const std::string> event_ids, std::string_view service) {
    std::vector<bool> claimed(event_ids.size());
    std::unordered_set<std::string> seen;
    std::vector<std::string> recorded;  // taken back if a later one fails: the caller RETRYs them all
    try {
        for (std::size_t i = 0; i < event_ids.size(); ++i) {
            if (!seen.insert(event_ids[i]).second) continue;  // a repeat in the batch: the first one claimed it
            claimed[i] = claim_one(marker_key(event_ids[i], service));
            if (claimed[i]) recorded.push_back(event_ids[i]);
        }
    } catch (...) {
        release(recorded, service);
        throw;
    }
    return claimed;
}

void DaprStateMarkers::release(std::span<const std::string> event_ids, std::string_view service) noexcept {
    for (const auto& id : event_ids) {
        const auto key = marker_key(id, service);
        try {
            const auto res = sidecar_.call(
                http::Method::del, "/v1.0/state/" + dapr::url_encode(options_.store) + "/" + dapr::url_encode(key));
            if (res.status == 204) continue;
            log::error("state store " + options_.store + ": releasing " + key + " answered " +
                       std::to_string(res.status) + "; the event's redelivery will be skipped");
        } catch (const std::exception& e) {
            log::error("state store " + options_.store + ": releasing " + key + " failed (" + e.what() +
                       "); the event's redelivery will be skipped");
        }
    }
}

}  // namespace todoai::pubsub

#include "runtime/dapr/secret_store.hpp"

#include <boost/json/parse.hpp>

namespace todoai::dapr {

std::optional<std::string> read_secret(SidecarClient& sidecar,
                                       std::string_view store,
                                       std::string_view name,
                                       std::string_view key,
                                       std::chrono::milliseconds wait) {
    const std::string what = "secret '" + std::string(name) + "' of secret store '" + std::string(store) + "'";
    if (!sidecar.wait_outbound(wait))
        throw SidecarError("the Dapr sidecar at " + sidecar.address() + " was not ready within " +
                           std::to_string(wait.count()) + " ms to read " + what);
    const auto res = sidecar.call(http::Method::get, "/v1.0/secrets/" + url_encode(store) + "/" + url_encode(name));
    if (res.status == 204) return std::nullopt;
    if (res.status != 200) {
        // daprd answers a missing secret of secretstores.local.file with 500 ERR_SECRET_GET and "secret ... not
        // found": that is absence, not an outage.
        if (res.body.find("not found") != std::string::npos) return std::nullopt;
        throw SidecarError("the Dapr sidecar answered " + std::to_string(res.status) + " reading " + what + ": " +
                           res.body.substr(0, 300));
    }
    boost::system::error_code ec;
    const auto doc = boost::json::parse(res.body, ec);
    if (ec || !doc.is_object()) throw SidecarError("the Dapr sidecar's answer for " + what + " is not a JSON object");
    const auto* value = doc.as_object().if_contains(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) throw SidecarError("key '" + std::string(key) + "' of " + what + " is not a string");
    return std::string(value->as_string());
}

}  // namespace todoai::dapr

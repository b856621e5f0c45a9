#include "runtime/dapr/app_token.hpp"

#include "runtime/http/problem.hpp"

namespace todoai::dapr {
namespace {

bool equal_constant_time(std::string_view a, std::string_view b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

void check_sidecar_token(const http::Request& req, const std::string& app_token) {
    if (app_token.empty()) return;
    const auto sent = req.header("dapr-api-token");
    if (!sent)
        throw http::HttpError(401, "missing dapr-api-token: calls to this app must come through its Dapr sidecar");
    if (!equal_constant_time(*sent, app_token)) throw http::HttpError(401, "wrong dapr-api-token");
}

}  // namespace todoai::dapr

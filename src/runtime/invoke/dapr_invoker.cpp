#include "runtime/invoke/dapr_invoker.hpp"

#include <algorithm>
#include <cctype>

namespace todoai::invoke {
namespace {

bool is_token_header(const std::string& name) {
    return std::equal(name.begin(), name.end(), std::string_view("dapr-api-token").begin(),
                      std::string_view("dapr-api-token").end(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

}  // namespace

DaprInvoker::DaprInvoker(DaprInvokerOptions options) : api_token_(std::move(options.api_token)) {
    auto http = std::move(options.http);
    http.targets.clear();
    const std::string sidecar = "http://" + options.host + ":" + std::to_string(options.http_port);
    for (const auto& app_id : options.app_ids) http.targets[app_id] = sidecar + "/v1.0/invoke/" + app_id + "/method";
    http_ = std::make_unique<HttpInvoker>(std::move(http));
}

DaprInvoker::~DaprInvoker() = default;

InvokeResponse DaprInvoker::invoke(const InvokeRequest& request) {
    InvokeRequest through = request;
    std::erase_if(through.headers, [](const auto& header) { return is_token_header(header.first); });
    if (!api_token_.empty()) through.headers.emplace_back("dapr-api-token", api_token_);
    return http_->invoke(through);
}

}  // namespace todoai::invoke

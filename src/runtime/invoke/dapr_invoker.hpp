#pragma once
// Service invocation through the Dapr sidecar: `invoke({app_id, path})` becomes a call to the caller's own daprd at
// `/v1.0/invoke/<app_id>/method<path>`, which finds the target's sidecar (name resolution) and calls the target app.
// The caller's `dapr-api-token` header (the target's app token, meant for the target) is replaced by DAPR_API_TOKEN
// for the caller's sidecar, or dropped: the target's daprd sends its own APP_API_TOKEN to the target, so the app token
// never travels between sidecars. Connection handling, timeouts and retries are HttpInvoker's.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/invoke/http_invoker.hpp"

namespace todoai::invoke {

struct DaprInvokerOptions {
    std::string host = "127.0.0.1";  // DAPR_HOST
    std::uint16_t http_port = 3500;  // DAPR_HTTP_PORT
    std::string api_token;           // DAPR_API_TOKEN
    std::vector<std::string> app_ids{"todo-service"};
    HttpInvokerOptions http;  // timeouts and retries (its targets are filled from app_ids)
};

class DaprInvoker final : public Invoker {
  public:
    explicit DaprInvoker(DaprInvokerOptions options);
    ~DaprInvoker() override;

    /// As HttpInvoker::invoke; daprd's own failures come back as its status (500 when the target is unreachable,
    /// 403 when an access policy denies it). Throws InvokeError for an app id not in `app_ids`.
    InvokeResponse invoke(const InvokeRequest& request) override;

  private:
    std::string api_token_;
    std::unique_ptr<HttpInvoker> http_;
};

}  // namespace todoai::invoke

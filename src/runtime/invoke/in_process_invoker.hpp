#pragma once
#include <functional>
#include <map>

#include "runtime/http/response.hpp"
#include "runtime/invoke/invoker.hpp"

namespace todoai::invoke {

/// Dispatches to a service's handler in this process, as if the request had come over HTTP (same router, same
/// authentication of the app token).
class InProcessInvoker final : public Invoker {
public:
    using Dispatch = std::function<http::Response(http::Request&)>;
    void add(std::string app_id, Dispatch dispatch) { targets_[std::move(app_id)] = std::move(dispatch); }
    InvokeResponse invoke(const InvokeRequest& request) override;

private:
    std::map<std::string, Dispatch, std::less<>> targets_;
};

}  // namespace todoai::invoke

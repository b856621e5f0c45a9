#pragma once
// Service invocation (recurring -> todo): a request to another service by app id. Drivers: in-process (the
// all-in-one binary dispatches to the target's router), HTTP and Dapr (later).
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runtime/http/request.hpp"

namespace todoai::invoke {

struct InvokeRequest {
    std::string app_id;  // "todo-service"
    http::Method method = http::Method::post;
    std::string path;  // "/internal/series/{series_id}/next"
    std::string body;  // JSON
    std::vector<std::pair<std::string, std::string>> headers;
};

struct InvokeResponse {
    int status = 0;
    std::string body;
};

/// The target could not be reached or timed out: the caller answers RETRY.
class InvokeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Invoker {
public:
    virtual ~Invoker() = default;
    virtual InvokeResponse invoke(const InvokeRequest& request) = 0;
};

}  // namespace todoai::invoke

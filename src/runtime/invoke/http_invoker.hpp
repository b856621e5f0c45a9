#pragma once
// Service invocation over HTTP/1.1 (services in separate processes): app id -> base URL, a connection per call,
// connect and request timeouts, and bounded retries with backoff. Beast stays in http_invoker.cpp.
//
// Retries happen only where a repeat cannot do harm twice: a connection that could not be made or broke before the
// answer, and 502/503/504 (the target, or a proxy in front of it, is not serving right now). The endpoints invoked
// are idempotent (next-instance ids are derived from the series and the due date; the open-tasks check only reads),
// so a request that reached the target before the connection broke is safe to send again. A request that timed out
// is not retried here: the target is slow, and the caller's own RETRY backs off longer.
#include <chrono>
#include <map>
#include <string>

#include "runtime/invoke/invoker.hpp"

namespace todoai::invoke {

struct HttpInvokerOptions {
    /// App id -> base URL, e.g. {"todo-service", "http://127.0.0.1:8001"}. http only; a path prefix is kept.
    std::map<std::string, std::string, std::less<>> targets;
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds request_timeout{5000};  // from the first byte sent to the whole answer read
    int max_attempts = 4;                             // in all, the first one included
    std::chrono::milliseconds initial_backoff{50};    // doubling between attempts ...
    std::chrono::milliseconds max_backoff{1000};      // ... capped here
    std::size_t response_limit = 8 << 20;             // bytes; a larger answer is an InvokeError
};

class HttpInvoker final : public Invoker {
  public:
    /// Throws std::invalid_argument naming the app id for a base URL that is not http://host[:port][/prefix].
    explicit HttpInvoker(HttpInvokerOptions options);
    ~HttpInvoker() override;

    /// Sends the request to the app's base URL + `path`. Returns the target's answer, any status (after retries, a
    /// 502/503/504 is returned as it came). Throws InvokeError for an unknown app id, when every attempt failed to
    /// connect or broke, when the answer did not come within request_timeout, or was malformed or too large.
    InvokeResponse invoke(const InvokeRequest& request) override;

  private:
    struct Target;
    HttpInvokerOptions options_;
    std::map<std::string, Target, std::less<>> targets_;
};

}  // namespace todoai::invoke

#pragma once
// Method + path pattern -> handler. Patterns are literal segments and {name} parameters ("/api/{user_id}/tasks").
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/http/problem.hpp"
#include "runtime/http/request.hpp"
#include "runtime/http/response.hpp"

namespace todoai::http {

using Handler = std::function<Response(Request&)>;

struct RouteInfo {
    Method method;
    std::string pattern;
};

class Router {
  public:
    Router();
    ~Router();
    Router(Router&&) noexcept;
    Router& operator=(Router&&) noexcept;

    /// Registers a route. A literal segment wins over a parameter at the same position. Registering the same method
    /// and pattern twice is a programming error (asserts).
    void add(Method method, std::string pattern, Handler handler);

    /// Finds the route for the request, fills req.params and req.route, and calls it. When no pattern matches:
    /// 404 problem. When the path matches but not the method: 405 problem with `Allow` listing the methods
    /// (HEAD is answered by GET's handler with the body dropped by the server). HttpError thrown by a handler becomes
    /// its problem response; any other exception a 500 problem (logged, never shown to the client).
    Response dispatch(Request& req) const;

    /// Every registered route, in registration order (for the OpenAPI check and `todoai routes`).
    std::vector<RouteInfo> routes() const;

    /// Turns exceptions the router does not know (a store's "unavailable", say) into a problem; nothing -> 500.
    /// The app installs it, so http/ needs no knowledge of the drivers.
    using ErrorMapper = std::function<std::optional<Problem>(const std::exception&)>;
    void set_error_mapper(ErrorMapper mapper);

    /// Runs before every matched route's handler (req.route and req.params are set): an answer stops the request
    /// there (a 429 from a rate limit, say). It may throw HttpError. The app installs it.
    using Admission = std::function<std::optional<Response>(const Request&)>;
    void set_admission(Admission admission);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace todoai::http

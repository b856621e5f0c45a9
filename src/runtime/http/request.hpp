#pragma once
// An HTTP request as handlers see it: no Beast types, so services compile without Beast.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace todoai::http {

enum class Method { get, head, post, put, patch, del, options, other };

std::string_view to_string(Method m);

struct Request {
    Method method = Method::get;
    std::string target;                                        // as received: path and query
    std::string path;                                          // percent-decoded path without the query
    std::vector<std::pair<std::string, std::string>> query;    // decoded, in order; repeated keys kept
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
    std::string body;
    std::vector<std::pair<std::string_view, std::string>> params;  // path parameters, filled by the router
    std::string request_id;                                        // from X-Request-Id when sane, else generated
    std::string route;           // the matched route pattern, e.g. "/api/{user_id}/tasks/{id}" (for logs, metrics)
    std::string remote_address;  // the peer's IP address (a proxy's, behind one)

    std::optional<std::string_view> header(std::string_view lowercase_name) const;
    std::optional<std::string_view> query_param(std::string_view name) const;
    /// Path parameter by name; the router guarantees it exists for the matched route.
    std::string_view param(std::string_view name) const;
};

}  // namespace todoai::http

#include "app/jwks_fetch.hpp"

#include <boost/url/parse.hpp>
#include <memory>
#include <stdexcept>

#include "runtime/invoke/http_invoker.hpp"

namespace todoai::app {

auth::JwtOptions jwt_options(const Config& config, const Clock& clock) {
    auth::JwtOptions options{.issuer = config.jwt_issuer, .audience = config.jwt_audience};
    if (config.jwks_url.empty()) return options;
    const auto url = boost::urls::parse_absolute_uri(config.jwks_url);
    if (!url || url->scheme() != "http" || url->host().empty())
        throw std::runtime_error("TODOAI_JWKS_URL '" + config.jwks_url +
                                 "' must be http://host[:port]/path (https is not supported yet)");
    std::string base = "http://" + std::string(url->encoded_host_and_port());
    std::string path(url->encoded_path());
    if (path.empty()) path = "/";
    if (url->has_query()) path += "?" + std::string(url->encoded_query());
    auto invoker = std::make_shared<invoke::HttpInvoker>(invoke::HttpInvokerOptions{
        .targets = {{"jwks", base}},
        .connect_timeout = std::chrono::milliseconds(config.jwks_timeout_ms),
        .request_timeout = std::chrono::milliseconds(config.jwks_timeout_ms),
        .max_attempts = 2,
        .response_limit = 1 << 20,
    });
    auto fetch = [invoker, path, where = config.jwks_url] {
        auto res = invoker->invoke({.app_id = "jwks", .method = http::Method::get, .path = path});
        if (res.status != 200)
            throw std::runtime_error("JWKS " + where + " answered " + std::to_string(res.status));
        return res.body;
    };
    options.jwks = std::make_shared<auth::JwksKeySet>(std::move(fetch), clock);
    return options;
}

}  // namespace todoai::app

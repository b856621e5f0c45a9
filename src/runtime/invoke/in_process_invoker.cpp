#include "runtime/invoke/in_process_invoker.hpp"

#include <boost/url/parse.hpp>
#include <chrono>

#include "core/text.hpp"
#include "core/uuid.hpp"
#include "runtime/http/problem.hpp"
#include "runtime/log/log.hpp"

namespace todoai::invoke {
namespace {

std::string known_targets(const auto& targets) {
    std::string names;
    for (const auto& [name, dispatch] : targets) names += (names.empty() ? "'" : ", '") + name + "'";
    return names.empty() ? "none" : names;
}

// Fills path and query from the target as the HTTP server would (percent-decoded).
void split_target(http::Request& req) {
    const auto url = boost::urls::parse_origin_form(req.target);
    if (!url) {
        req.path = req.target.substr(0, req.target.find('?'));
        return;
    }
    req.path = url->path();
    for (const auto& param : url->params()) req.query.emplace_back(param.key, param.has_value ? param.value : "");
}

}  // namespace

InvokeResponse InProcessInvoker::invoke(const InvokeRequest& request) {
    const auto target = targets_.find(request.app_id);
    if (target == targets_.end())
        throw InvokeError("no service '" + request.app_id +
                          "' to invoke in this process (known: " + known_targets(targets_) + ")");

    http::Request req;
    req.method = request.method;
    req.target = request.path;
    split_target(req);
    req.headers.reserve(request.headers.size());
    for (const auto& [name, value] : request.headers) req.headers.emplace_back(to_lower_ascii(name), value);
    req.body = request.body;
    if (auto id = req.header("x-request-id")) req.request_id.assign(*id);
    if (req.request_id.empty())
        req.request_id =
            new_uuid_v7(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));

    // As over HTTP: an expected failure is its problem response, anything else a 500.
    http::Response res;
    try {
        res = target->second(req);
    } catch (const http::HttpError& e) {
        res = http::to_response(e.problem());
    } catch (const std::exception& e) {
        log::error("invoke " + request.app_id + " " + std::string(http::to_string(request.method)) + " " +
                   request.path + " failed (request id " + req.request_id + "): " + e.what());
        res = http::to_response(http::Problem{500, "", "internal error; request id " + req.request_id});
    }
    return InvokeResponse{res.status, std::move(res.body)};
}

}  // namespace todoai::invoke

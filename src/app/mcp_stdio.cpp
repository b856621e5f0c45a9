#include "app/mcp_stdio.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <istream>
#include <ostream>

#include "runtime/invoke/http_invoker.hpp"

namespace todoai::app {

int mcp_stdio(const McpStdioOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
    if (options.token.empty()) {
        err << "todoai mcp: TODOAI_TOKEN (--token) is required: the bearer token of the user whose tasks to manage\n";
        return 2;
    }
    invoke::HttpInvoker invoker(invoke::HttpInvokerOptions{.targets = {{"todoai", options.url}}, .max_attempts = 2});
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::string failure;
        try {
            auto res = invoker.invoke({.app_id = "todoai",
                                       .method = http::Method::post,
                                       .path = "/mcp",
                                       .body = line,
                                       .headers = {{"Authorization", "Bearer " + options.token},
                                                   {"Content-Type", "application/json"},
                                                   {"Accept", "application/json, text/event-stream"}}});
            if (res.status == 202) continue;  // a notification: nothing to answer
            if (res.status == 200) {
                out << res.body << '\n' << std::flush;
                continue;
            }
            failure = options.url + "/mcp answered " + std::to_string(res.status) + ": " + res.body;
        } catch (const std::exception& e) {
            failure = std::string("cannot reach ") + options.url + "/mcp: " + e.what();
        }
        err << "todoai mcp: " << failure << '\n';
        // Answer the request (if it was one) so the client does not wait forever.
        boost::json::error_code ec;
        auto message = boost::json::parse(line, ec);
        const auto* id = !ec && message.is_object() ? message.get_object().if_contains("id") : nullptr;
        if (id != nullptr)
            out << boost::json::serialize(boost::json::object{
                       {"jsonrpc", "2.0"},
                       {"id", *id},
                       {"error", boost::json::object{{"code", -32603}, {"message", failure}}}})
                << '\n'
                << std::flush;
    }
    return 0;
}

}  // namespace todoai::app

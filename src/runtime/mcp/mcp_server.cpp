#include "runtime/mcp/mcp_server.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <exception>

namespace todoai::mcp {
namespace {

namespace json = boost::json;

// JSON-RPC 2.0 error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;

// The newest protocol revision we speak; a client asking for another dated revision gets its own back, since we use
// nothing that differs between them (tools over request/response).
constexpr std::string_view kProtocolVersion = "2025-06-18";

json::value error(const json::value& id, int code, std::string_view message) {
    return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", json::object{{"code", code}, {"message", message}}}};
}

json::value result(const json::value& id, json::value r) {
    return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(r)}};
}

bool is_dated_version(const json::value* v) {
    if (v == nullptr || !v->is_string()) return false;
    const auto& s = v->get_string();
    return s.size() == 10 && s[4] == '-' && s[7] == '-';
}

}  // namespace

Server::Server(std::vector<Tool> tools, std::string name, std::string version)
    : tools_(std::move(tools)), name_(std::move(name)), version_(std::move(version)) {}

std::optional<std::string> Server::handle(std::string_view message, const Caller& caller) const {
    json::error_code ec;
    const json::value parsed = json::parse(message, ec);
    if (ec) return json::serialize(error(nullptr, kParseError, "the message is not JSON: " + ec.message()));
    if (const json::array* batch = parsed.if_array()) {
        if (batch->empty()) return json::serialize(error(nullptr, kInvalidRequest, "an empty batch"));
        json::array answers;
        for (const auto& m : *batch)
            if (auto a = handle_one(m, caller)) answers.push_back(std::move(*a));
        if (answers.empty()) return std::nullopt;
        return json::serialize(answers);
    }
    auto answer = handle_one(parsed, caller);
    if (!answer) return std::nullopt;
    return json::serialize(*answer);
}

std::optional<json::value> Server::handle_one(const json::value& message, const Caller& caller) const {
    const json::object* m = message.if_object();
    if (m == nullptr) return error(nullptr, kInvalidRequest, "a JSON-RPC message is an object");
    const json::value* method = m->if_contains("method");
    const json::value* id = m->if_contains("id");
    if (method == nullptr || !method->is_string()) {
        // A response from the client (we send no requests) or garbage: nothing to answer to a response.
        if (m->contains("result") || m->contains("error")) return std::nullopt;
        return error(id ? *id : json::value(nullptr), kInvalidRequest, "missing \"method\"");
    }
    if (id == nullptr) return std::nullopt;  // a notification (notifications/initialized, cancelled, ...)
    const std::string_view name = method->get_string();
    static const json::object kNoParams;
    const json::value* params_value = m->if_contains("params");
    const json::object* params = params_value && params_value->is_object() ? &params_value->get_object() : &kNoParams;

    if (name == "initialize") {
        const json::value* asked = params->if_contains("protocolVersion");
        return result(*id, json::object{
                               {"protocolVersion", is_dated_version(asked) ? *asked : json::value(kProtocolVersion)},
                               {"capabilities", json::object{{"tools", json::object{{"listChanged", false}}}}},
                               {"serverInfo", json::object{{"name", name_}, {"version", version_}}},
                               {"instructions",
                                "Manage the signed-in user's tasks: add, list, search, update, complete and delete "
                                "them, see their reminders and history."},
                           });
    }
    if (name == "ping") return result(*id, json::object{});
    if (name == "tools/list") {
        json::array list;
        for (const auto& t : tools_)
            list.push_back(
                json::object{{"name", t.name}, {"description", t.description}, {"inputSchema", t.input_schema}});
        return result(*id, json::object{{"tools", std::move(list)}});
    }
    if (name == "tools/call") {
        bool params_ok = true;
        auto r = call_tool(*params, caller, params_ok);
        if (!params_ok) return error(*id, kInvalidParams, r.as_string());
        return result(*id, std::move(r));
    }
    return error(*id, kMethodNotFound, "no method '" + std::string(name) + "'");
}

json::value Server::call_tool(const json::object& params, const Caller& caller, bool& params_ok) const {
    const json::value* name = params.if_contains("name");
    if (name == nullptr || !name->is_string()) {
        params_ok = false;
        return json::string("tools/call needs params.name");
    }
    const Tool* tool = nullptr;
    for (const auto& t : tools_)
        if (t.name == name->get_string()) tool = &t;
    if (tool == nullptr) {
        params_ok = false;
        return json::string("no tool '" + std::string(name->get_string()) + "'");
    }
    static const json::object kNone;
    const json::value* args = params.if_contains("arguments");
    ToolResult r;
    if (args != nullptr && !args->is_object() && !args->is_null()) {
        r = ToolResult::fail("arguments must be an object");
    } else {
        try {
            r = tool->call(args && args->is_object() ? args->get_object() : kNone, caller);
        } catch (const std::exception& e) {
            r = ToolResult::fail(std::string(tool->name) + " failed: " + e.what());
        }
    }
    if (r.is_error)
        return json::object{{"content", json::array{json::object{{"type", "text"}, {"text", r.error}}}},
                            {"isError", true}};
    json::object out{{"content", json::array{json::object{{"type", "text"}, {"text", json::serialize(r.value)}}}},
                     {"isError", false}};
    if (r.value.is_object()) out["structuredContent"] = r.value;
    return out;
}

}  // namespace todoai::mcp

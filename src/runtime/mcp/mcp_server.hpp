#pragma once
// An MCP server (Model Context Protocol, JSON-RPC 2.0): protocol handling for tools, transport-neutral.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace todoai::mcp {

/// What a tool answers: a JSON value shown to the assistant as text (and as structuredContent when an object), or
/// a failure it should read and correct (bad arguments, a task that does not exist).
struct ToolResult {
    boost::json::value value;
    bool is_error = false;
    std::string error;  // when is_error: what went wrong, enough to act on

    static ToolResult ok(boost::json::value v) { return {std::move(v), false, {}}; }
    static ToolResult fail(std::string why) { return {nullptr, true, std::move(why)}; }
};

/// The caller the transport authenticated; tools act as this user only.
struct Caller {
    std::string user_id;
    std::string authorization;  // the header as received ("Bearer …"), for the requests a tool makes on its behalf
};

struct Tool {
    std::string name;
    std::string description;
    boost::json::object input_schema;  // JSON Schema (draft 2020-12) of `arguments`
    std::function<ToolResult(const boost::json::object& arguments, const Caller& caller)> call;
};

class Server {
  public:
    Server(std::vector<Tool> tools, std::string name, std::string version);

    /// One JSON-RPC message (a request, a notification or a batch). Returns the answer to send, or nullopt when
    /// there is none (notifications only: the HTTP transport answers 202). A body that is not JSON gets a parse error
    /// (-32700) answer; a tool that throws is a tool error, never a crash.
    std::optional<std::string> handle(std::string_view message, const Caller& caller) const;

    const std::vector<Tool>& tools() const { return tools_; }

  private:
    std::optional<boost::json::value> handle_one(const boost::json::value& message, const Caller& caller) const;
    boost::json::value call_tool(const boost::json::object& params, const Caller& caller, bool& params_ok) const;

    std::vector<Tool> tools_;
    std::string name_, version_;
};

}  // namespace todoai::mcp

#pragma once
// The todo service's MCP tools (the brief's Phase III chat: add_task, list_tasks, complete_task, delete_task,
// update_task, plus search_tasks, list_reminders, get_history) and the POST /mcp route that serves them.
//
// Each tool is a request to the REST route that does the same thing, dispatched in-process through the router with
// the caller's own Authorization header: the same validation, the same problem details (a 4xx becomes the tool's
// error text) and the same outbox events (a change reaches the WebSocket feed and the audit trail), with no second
// copy of the logic.
#include <vector>

#include "runtime/auth/jwt.hpp"
#include "runtime/http/router.hpp"
#include "runtime/mcp/mcp_server.hpp"

namespace todoai::todo {

/// The tools, dispatching into `router` (which must outlive them). get_history needs the audit routes in the same
/// router (the all-in-one process); elsewhere it answers a tool error saying so.
std::vector<mcp::Tool> task_tools(const http::Router& router);

/// POST /mcp: the streamable HTTP transport (one JSON-RPC message per POST, answered as application/json; 202 for
/// notifications). The bearer token is checked before any message is read (401 with WWW-Authenticate).
void register_mcp_route(http::Router& router, const mcp::Server& server, const auth::JwtCodec& jwt);

}  // namespace todoai::todo

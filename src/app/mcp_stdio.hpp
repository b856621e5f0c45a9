#pragma once
// `todoai mcp`: the MCP stdio transport for an assistant that starts its tools as a child process (Claude Desktop,
// an IDE). Each line on stdin is one JSON-RPC message, relayed to a running todoai's POST /mcp with the user's token
// (TODOAI_TOKEN); each answer is written to stdout as one line. Logs go to stderr only: stdout is the protocol.
#include <iosfwd>
#include <string>

namespace todoai::app {

struct McpStdioOptions {
    std::string url = "http://127.0.0.1:8000";  // TODOAI_URL: the todoai serving /mcp (todo or all)
    std::string token;                          // TODOAI_TOKEN: the user's bearer token
};

/// Relays until stdin ends; returns the exit code. An unreachable server or a refused token is answered to the
/// client as a JSON-RPC error for that message (the assistant shows it), and noted on stderr.
int mcp_stdio(const McpStdioOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace todoai::app

// todoai: one binary, every service. `todoai` alone serves all five on the embedded default.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/config.hpp"
#include "app/dlq.hpp"
#include "app/mcp_stdio.hpp"
#include "app/serve.hpp"

int main(int argc, char** argv) {
    using namespace todoai::app;
    CLI::App cli{"todoai: an event-driven task platform (todo, audit, websocket, notification, recurring)", "todoai"};
    cli.set_version_flag("--version", std::string("todoai ") + TODOAI_VERSION);
    cli.require_subcommand(0, 1);
    cli.fallthrough();  // the shared options may also follow the subcommand: `todoai serve all --port 9000`

    Config config;
    add_options(cli, config);

    std::string service = "all";
    auto* serve_cmd = cli.add_subcommand(
        "serve",
        "Serve one service, or all of them in one process (the default). One service alone listens on its own port "
        "(todo 8001, audit 8002, websocket 8003, notification 8004, recurring 8005) and needs TODOAI_KAFKA_BROKERS, "
        "JWT_SECRET and APP_API_TOKEN shared with the others; DATABASE_URL=postgresql://... puts each service's store "
        "in its own schema");
    serve_cmd
        ->add_option("service", service,
                     "todo, audit, websocket, notification, recurring, or all (the five in one process)")
        ->capture_default_str();
    auto* migrate_cmd = cli.add_subcommand("migrate", "Apply pending schema migrations and exit (serve does it too)");

    std::string dlq_action, dlq_topic;
    auto* dlq_cmd = cli.add_subcommand("dlq", "Dead letters: list them, or replay them to the service that gave up");
    dlq_cmd->add_option("action", dlq_action, "list or replay")->required()->check(CLI::IsMember({"list", "replay"}));
    dlq_cmd->add_option("topic", dlq_topic, "task-events, reminders (or their -dlq form)")->required();

    McpStdioOptions mcp_options;
    auto* mcp_cmd = cli.add_subcommand(
        "mcp", "The MCP stdio transport for AI assistants: relays JSON-RPC lines to a running todoai's /mcp as the "
               "user of TODOAI_TOKEN");
    mcp_cmd->add_option("--url", mcp_options.url, "The todoai serving /mcp")->envname("TODOAI_URL")->capture_default_str();
    mcp_cmd->add_option("--token", mcp_options.token, "The user's bearer token")->envname("TODOAI_TOKEN");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        if (!*serve_cmd) return cli.exit(e);
        // `todoai serve todo --help`: serve's own help, then every option (they are the top level's, and apply).
        std::cout << serve_cmd->help() << '\n'
                  << cli.get_formatter()->make_help(&cli, "todoai", CLI::AppFormatMode::Normal);
        return 0;
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    try {
        if (*migrate_cmd) return migrate(config);
        if (*dlq_cmd) return dead_letters(config, dlq_action, dlq_topic);
        if (*mcp_cmd) return mcp_stdio(mcp_options, std::cin, std::cout, std::cerr);
        return serve(config, service);
    } catch (const std::exception& e) {
        std::cerr << "todoai: " << e.what() << std::endl;
        return 1;
    }
}

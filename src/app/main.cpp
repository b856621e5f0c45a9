// todoai: one binary, every service. `todoai` alone serves all five on the embedded default.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/config.hpp"
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
    auto* serve_cmd = cli.add_subcommand("serve", "Serve one service, or all of them in one process (the default)");
    serve_cmd->add_option("service", service, "all or todo")
        ->check(CLI::IsMember({"all", "todo"}))
        ->capture_default_str();
    auto* migrate_cmd = cli.add_subcommand("migrate", "Apply pending schema migrations and exit (serve does it too)");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    try {
        if (*migrate_cmd) return migrate(config);
        return serve(config, service);
    } catch (const std::exception& e) {
        std::cerr << "todoai: " << e.what() << std::endl;
        return 1;
    }
}

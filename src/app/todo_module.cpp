// The todo service as a module: users and tasks in its store, each change's event through its outbox relay, the
// REST API, the MCP tools for AI assistants, the recurring and notification services' internal endpoints, and the web UI.
#include "app/service_module.hpp"
#include "runtime/auth/password.hpp"
#include "runtime/pubsub/outbox.hpp"
#include "services/todo/auth_service.hpp"
#include "services/todo/mcp_tools.hpp"
#include "services/todo/migrations.hpp"
#include "services/todo/series_routes.hpp"
#include "services/todo/task_service.hpp"
#include "services/todo/task_status_routes.hpp"
#include "services/todo/todo_routes.hpp"
#include "services/todo/web_routes.hpp"

namespace todoai::app {
namespace {

class TodoModule final : public ServiceModule {
  public:
    explicit TodoModule(Platform& p)
        : p_(p),
          db_(open_service_store(p, Service::todo, todo::migrations())),
          relay_(*db_, p.bus(), p.clock),
          accounts_(
              *db_,
              p.jwt,
              hasher_,
              p.clock,
              std::chrono::seconds(p.config.token_ttl_seconds),
              {.per_account = p.config.auth_failures_per_account, .per_address = p.config.auth_failures_per_address}),
          tasks_(
              *db_, p.clock, [this] { relay_.notify(); }, p.topics) {}

    void register_routes(http::Router& router) override {
        todo::register_routes(router, accounts_, tasks_, p_.jwt);
        todo::register_series_routes(router, tasks_, p_.app_token);
        todo::register_task_status_routes(router, tasks_, p_.app_token);
        todo::register_web_routes(router);
        // AI assistants: the same routes as tools, dispatched through this router (all of the process's services).
        mcp_ = std::make_unique<mcp::Server>(todo::task_tools(router), "todoai", TODOAI_VERSION);
        todo::register_mcp_route(router, *mcp_, p_.jwt);
    }

    std::vector<ops::ReadinessProbe> probes() override {
        return {{"todo-store", [this] { return db_->ping(); }}};
    }

    void start() override {
        // What a crash left in the outbox goes out from the relay's thread, in order, while the server already
        // answers: draining it first kept a restart with a large backlog from serving for as long as that took.
        // Consumers that act on it meanwhile stay right (the reminder sweep asks todo whether a task is still open).
        relay_.start();
    }

    void stop(std::chrono::milliseconds drain) override { relay_.stop(drain); }

  private:
    Platform& p_;
    std::unique_ptr<store::Database> db_;
    pubsub::OutboxRelay relay_;
    auth::PasswordHasher hasher_;
    todo::AuthService accounts_;
    todo::TaskService tasks_;
    std::unique_ptr<mcp::Server> mcp_;
};

}  // namespace

std::unique_ptr<ServiceModule> make_todo_module(Platform& platform) { return std::make_unique<TodoModule>(platform); }

}  // namespace todoai::app

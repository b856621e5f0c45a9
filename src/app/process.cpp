#include "app/process.hpp"

#include <algorithm>
#include <atomic>

#include "app/platform.hpp"
#include "app/request_limits.hpp"
#include "app/service_module.hpp"
#include "app/store_problems.hpp"
#include "runtime/http/json_case.hpp"
#include "runtime/http/problem.hpp"
#include "runtime/http/server.hpp"
#include "runtime/pubsub/dapr/subscriber_routes.hpp"

namespace todoai::app {

std::uint16_t listen_port(const Config& config, const std::vector<Service>& services) {
    if (config.port) return *config.port;
    return services.size() == 1 ? info(services.front()).port : kAllInOnePort;
}

std::size_t http_workers(const Config& config) {
    if (config.http_workers != 0) return config.http_workers;
    // Handlers block on their store. On SQLite a write is a few microseconds in the page cache, so the server's
    // default (a few per core) keeps the cores busy. On PostgreSQL a commit waits ~0.5 ms for the WAL fsync: with two
    // in flight ~1 000 creates/s were measured (bench/cluster_bench.sh), while with one worker per pooled connection
    // the server's group commit flushes many commits per fsync (~2 500/s with 16).
    if (is_postgres_url(config.database_url)) return config.database_pool_size;
    return 0;
}

// Members are declared in dependency order: each is built from the ones above it and destroyed before them.
struct Process::Impl {
    Platform platform;
    std::vector<std::unique_ptr<ServiceModule>> modules;
    std::unique_ptr<http::Server> server;  // last: it and its open connections go first on destruction
    const std::vector<Service> services;

    Impl(const Config& config, std::vector<Service> s, const std::string& secret)
        : platform(config, s, secret), services(std::move(s)) {
        for (auto service : services) modules.push_back(make_module(service, platform));

        platform.router.set_error_mapper(store_problem);
        install_request_limits(platform.router, config, platform.jwt);
        std::vector<ops::ReadinessProbe> probes;
        for (auto& m : modules) {
            m->register_routes(platform.router);
            for (auto& probe : m->probes()) probes.push_back(std::move(probe));
        }
        probes.push_back({"bus", [this] { return platform.bus().ready(); }});
        ops::register_routes(platform.router, std::move(probes), platform.metrics);
        if (platform.dapr())
            pubsub::register_dapr_subscriber_routes(platform.router, platform.dapr_bus(), config.app_api_token);
        for (std::size_t i = 0; i < modules.size(); ++i) modules[i]->subscribe(platform.bus_for(services[i]));

        http::ServerOptions options{
            .host = config.host,
            .port = listen_port(config, services),
            .threads = config.http_threads,
            .worker_threads = http_workers(config),
            .read_timeout = std::chrono::seconds(config.request_timeout_seconds),
            .idle_timeout = std::chrono::seconds(config.idle_timeout_seconds),
            .drain_timeout = std::chrono::seconds(config.drain_seconds),
            .max_connections = config.max_connections,
            .access_log = config.access_log,
            .cors_origins = config.cors_origins,
        };
        const auto json_case = http::parse_json_case(config.json_case).value_or(http::JsonCase::snake);
        server = std::make_unique<http::Server>(
            options,
            [this, json_case](http::Request& req) {
                auto response = platform.router.dispatch(req);
                http::apply_json_case(json_case, req.path, response);
                return response;
            },
            platform.metrics);
        for (auto& m : modules) m->attach(*server);
    }

    void run() {
        platform.bus().start();
        for (auto& m : modules) m->start();
        server->run();
        // Requests are drained; now the events they committed, then the consumers, all within the one drain bound
        // counted from the stop request (what the outbox still holds then goes out after the restart).
        const auto requested = stop_requested.load();
        const auto deadline =
            (requested ? std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(requested))
                       : std::chrono::steady_clock::now()) +
            std::chrono::seconds(platform.config.drain_seconds);
        for (auto& m : modules) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            m->stop(std::max(left, std::chrono::milliseconds(0)));
        }
        platform.bus().stop();
    }

    void stop() {
        std::int64_t unset = 0;
        stop_requested.compare_exchange_strong(unset, std::chrono::steady_clock::now().time_since_epoch().count());
        server->stop();
    }

    std::atomic<std::int64_t> stop_requested{0};  // steady_clock ticks of the first stop(); 0 = not yet
};

Process::Process(const Config& config, std::vector<Service> services, const std::string& jwt_secret)
    : impl_(std::make_unique<Impl>(config, std::move(services), jwt_secret)) {}

Process::~Process() = default;

const http::Router& Process::router() const { return impl_->platform.router; }

std::uint16_t Process::listen() { return impl_->server->listen(); }

void Process::run() { impl_->run(); }

void Process::stop() { impl_->stop(); }

}  // namespace todoai::app

#pragma once
// The distributed deployment beside real daprd sidecars: a fresh PostgreSQL database on ctest's test server, a real
// Apache Kafka broker (KafkaBroker below), and per service a todoai process in Dapr mode (`--pubsub dapr`) with its
// own daprd (tests/support/dapr_sidecar.hpp), all on 127.0.0.1. DATABASE_URL is not given to todoai: it reads it from
// the secret store (`kubernetes-secrets`, a secretstores.local.file here) through its sidecar. Sidecars share one
// sqlite name-resolution file, so recurring and notification reach todo by app id through daprd. Their components
// are the Helm chart's, rendered once per test (support/dapr_resources.hpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "integration/cluster_fixture.hpp"
#include "integration/kcat_support.hpp"
#include "support/dapr_resources.hpp"
#include "support/dapr_sidecar.hpp"

namespace todoai::testing {

/// A one-node Apache Kafka broker (tests/support/kafka_server.sh) with todoai's topics created: sarama, daprd's
/// Kafka client, does not read librdkafka's mock cluster correctly (it re-fetches the first batch of a partition).
class KafkaBroker {
  public:
    explicit KafkaBroker(std::filesystem::path dir) : dir_(std::move(dir)) {
        const std::string src = TODOAI_SOURCE_DIR;
        run({"bash", src + "/tests/support/kafka_server.sh", "start", dir_.string()}, std::chrono::seconds(180));
        std::ifstream in(dir_ / "bootstrap");
        std::getline(in, bootstrap_);
        if (bootstrap_.empty()) throw std::runtime_error("kafka_server.sh wrote no bootstrap into " + dir_.string());
        std::vector<std::string> argv{"java",     "-cp", kafka_lib() + "/*", src + "/tests/support/CreateTopics.java",
                                      bootstrap_, "3"};
        for (const char* t : {"task-events", "reminders", "task-created", "task-updated", "task-completed",
                              "task-deleted", "reminder-due", "reminder-scheduled"}) {
            argv.emplace_back(t);
            argv.emplace_back(std::string(t) + "-dlq");
        }
        run(argv, std::chrono::seconds(120));
    }
    ~KafkaBroker() {
        try {
            run({"bash", std::string(TODOAI_SOURCE_DIR) + "/tests/support/kafka_server.sh", "stop", dir_.string()},
                std::chrono::seconds(60));
        } catch (...) {
        }
    }
    const std::string& bootstrap() const { return bootstrap_; }

  private:
    static std::string kafka_lib() {
        std::filesystem::path cache;
        if (const char* c = std::getenv("TODOAI_CACHE"); c != nullptr && *c != '\0')
            cache = c;
        else
            cache = std::filesystem::path(std::getenv("HOME")) / ".cache" / "todoai";
        for (const auto& e : std::filesystem::directory_iterator(cache))
            if (e.path().filename().string().starts_with("kafka-") && std::filesystem::exists(e.path() / "lib"))
                return (e.path() / "lib").string();
        throw std::runtime_error("no Kafka broker in " + cache.string() + ": run scripts/install/kafka.sh");
    }
    static void run(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
        const auto result = run_command(argv, timeout);
        if (result.exit_code != 0)
            throw std::runtime_error(argv[0] + " " + argv[1] + " failed (exit " + std::to_string(result.exit_code) +
                                     ")");
    }
    std::filesystem::path dir_;
    std::string bootstrap_;
};

inline constexpr const char* kDaprAppToken = "dapr-test-app-token-0123456789";
inline constexpr const char* kDaprApiToken = "dapr-test-api-token-0123456789";

class DaprClusterTest : public ::testing::Test {
  protected:
    struct Member {
        std::unique_ptr<TodoaiProcess> app;
        std::unique_ptr<DaprSidecar> sidecar;
    };

    /// Flags every service gets besides the shared ones.
    virtual std::vector<std::string> extra_args() const { return {}; }
    virtual std::string cron_schedule() const { return "@every 1s"; }

    void SetUp() override {
        kafka_ = std::make_unique<KafkaBroker>(dir_.path() / "kafka");
        secrets_file_ = dir_.path() / "secrets.json";
        {
            std::ofstream out(secrets_file_);
            // The seed's secret (what todoai reads) and the chart's (what its statestore component refers to).
            out << boost::json::serialize(
                boost::json::object{{"db-credentials", boost::json::object{{"connectionString", database_.url()}}},
                                    {"todoai-secrets", boost::json::object{{"DATABASE_URL", database_.url()}}}});
        }
        // One rendering of the chart's Dapr resources for every sidecar: consumer groups are {appID} (and {podName}
        // for websocket), scopes pick each app's components.
        std::tie(resources_, config_) =
            write_dapr_resources(dir_.path() / "dapr", {.kafka_brokers = kafka_->bootstrap(),
                                                        .secrets_file = secrets_file_,
                                                        .name_resolution = dir_.path() / "names.db",
                                                        .cron_schedule = cron_schedule()});
        for (std::string service : {"todo", "audit", "websocket", "notification", "recurring"}) start(service);
        todo_ = std::make_unique<HttpClient>(port("todo"));
    }

    void TearDown() override {
        todo_.reset();
        for (auto& [name, member] : members_) {
            if (member.app->running()) {
                EXPECT_EQ(member.app->stop(), 0) << name << " did not stop cleanly; log: " << member.app->log_file();
            }
            member.sidecar.reset();
        }
        // A failed test keeps its logs (todoai's and daprd's) beside the binary, since the temp dir goes.
        if (HasFailure()) {
            const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
            const auto keep = todoai_binary().parent_path() / "dapr-test-logs" / info->name();
            std::error_code ec;
            std::filesystem::remove_all(keep, ec);
            std::filesystem::create_directories(keep, ec);
            std::filesystem::copy(dir_.path(), keep, std::filesystem::copy_options::recursive, ec);
            std::cerr << "logs kept in " << keep << "\n";
        }
    }

    /// Starts (another replica of) `service` and its daprd; `name` keys it (default: the service's name).
    void start(const std::string& service, std::string name = "") {
        if (name.empty()) name = service;
        const auto dir = dir_.path() / name;
        const std::string app_id = service + "-service";
        // Each websocket replica consumes every event: the chart's kafka-pubsub-broadcast, consumer group {podName}.
        std::vector<std::string> sidecar_env;
        if (service == "websocket") sidecar_env.push_back("POD_NAME=" + app_id + "." + name);
        const auto app_port = free_loopback_port();
        const auto dapr_port = free_loopback_port();
        std::vector<std::string> args{"serve",
                                      service,
                                      "--pubsub",
                                      "dapr",
                                      "--dapr-http-port",
                                      std::to_string(dapr_port),
                                      "--dapr-api-token",
                                      kDaprApiToken,
                                      "--secret-store",
                                      "kubernetes-secrets",
                                      "--app-api-token",
                                      kDaprAppToken,
                                      "--replica-id",
                                      name,
                                      "--access-log",
                                      "true"};
        // As the chart's Deployment: websocket subscribes through the component its sidecar has.
        if (service == "websocket") {
            args.emplace_back("--dapr-pubsub-name");
            args.emplace_back("kafka-pubsub-broadcast");
        }
        for (auto& a : extra_args()) args.push_back(a);
        Member m;
        m.app = std::make_unique<TodoaiProcess>(dir / "app", std::move(args));
        // daprd first without waiting (it waits for the app's port), then the app (it reads DATABASE_URL through
        // daprd before it listens), then daprd's health (its app channel and subscriptions).
        m.sidecar = std::make_unique<DaprSidecar>(DaprSidecarOptions{.app_id = app_id,
                                                                     .app_port = app_port,
                                                                     .resources = resources_,
                                                                     .config = config_,
                                                                     .dir = dir / "daprd",
                                                                     .app_token = kDaprAppToken,
                                                                     .api_token = kDaprApiToken,
                                                                     .http_port = dapr_port,
                                                                     .extra_env = sidecar_env,
                                                                     .wait = false});
        m.app->start(app_port);
        if (!m.sidecar->wait_healthy(std::chrono::seconds(60)))
            throw std::runtime_error("daprd of " + name + " is not healthy; log: " + m.sidecar->log_file().string());
        members_.emplace(name, std::move(m));
    }

    std::uint16_t port(const std::string& name) const { return members_.at(name).app->port(); }
    TodoaiProcess& app(const std::string& name) { return *members_.at(name).app; }
    DaprSidecar& sidecar(const std::string& name) { return *members_.at(name).sidecar; }

    TempDir dir_;
    FreshDatabase database_;
    std::unique_ptr<KafkaBroker> kafka_;
    std::filesystem::path secrets_file_;
    std::filesystem::path resources_, config_;  // the chart's Dapr resources (scripts/dapr-resources.sh)
    std::map<std::string, Member> members_;
    std::unique_ptr<HttpClient> todo_;
};

}  // namespace todoai::testing

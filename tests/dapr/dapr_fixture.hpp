#pragma once
// The distributed deployment beside real daprd sidecars: a fresh PostgreSQL database on ctest's test server, the
// Kafka protocol peer (todoai-kafka-mock), and per service a todoai process in Dapr mode (`--pubsub dapr`) with its
// own daprd (tests/support/dapr_sidecar.hpp), all on 127.0.0.1. DATABASE_URL is not given to todoai: it reads it from
// the secret store (`kubernetes-secrets`, a secretstores.local.file here) through its sidecar. Sidecars share one
// sqlite name-resolution file, so recurring and notification reach todo by app id through daprd.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "integration/cluster_fixture.hpp"
#include "support/kafka_mock_process.hpp"
#include "support/dapr_resources.hpp"
#include "support/dapr_sidecar.hpp"

namespace todoai::testing {

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
        kafka_ = std::make_unique<KafkaMockProcess>();
        secrets_file_ = dir_.path() / "secrets.json";
        {
            std::ofstream out(secrets_file_);
            out << boost::json::serialize(
                boost::json::object{{"db-credentials", boost::json::object{{"connectionString", database_.url()}}}});
        }
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
        // One consumer group per app id, except websocket: one per replica (each replica pushes every event).
        const std::string group = service == "websocket" ? app_id + "." + name : app_id;
        const auto [resources, config] = write_dapr_resources(dir, {.kafka_brokers = kafka_->bootstrap(),
                                                                    .consumer_group = group,
                                                                    .postgres_url = database_.url(),
                                                                    .secrets_file = secrets_file_,
                                                                    .name_resolution = dir_.path() / "names.db",
                                                                    .cron_schedule = cron_schedule()});
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
        for (auto& a : extra_args()) args.push_back(a);
        Member m;
        m.app = std::make_unique<TodoaiProcess>(dir / "app", std::move(args));
        // daprd first without waiting (it waits for the app's port), then the app (it reads DATABASE_URL through
        // daprd before it listens), then daprd's health (its app channel and subscriptions).
        m.sidecar = std::make_unique<DaprSidecar>(DaprSidecarOptions{.app_id = app_id,
                                                                     .app_port = app_port,
                                                                     .resources = resources,
                                                                     .config = config,
                                                                     .dir = dir / "daprd",
                                                                     .app_token = kDaprAppToken,
                                                                     .api_token = kDaprApiToken,
                                                                     .http_port = dapr_port,
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
    std::unique_ptr<KafkaMockProcess> kafka_;
    std::filesystem::path secrets_file_;
    std::map<std::string, Member> members_;
    std::unique_ptr<HttpClient> todo_;
};

}  // namespace todoai::testing

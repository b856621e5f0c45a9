// How a process is put together from the command line's choices: which services `serve <name>` runs and the port
// each listens on by default.
#include "app/process.hpp"

#include <gtest/gtest.h>

#include "app/consumer_groups.hpp"

namespace todoai::app {
namespace {

TEST(ServeServices, NamesParseToOneServiceOrAll) {
    EXPECT_EQ(parse_services("todo"), std::vector<Service>{Service::todo});
    EXPECT_EQ(parse_services("recurring"), std::vector<Service>{Service::recurring});
    EXPECT_EQ(parse_services("all")->size(), 5u);
    EXPECT_FALSE(parse_services("teapot"));
    EXPECT_FALSE(parse_services(""));
    EXPECT_FALSE(parse_services("todo-service"));
}

TEST(ServeServices, OneServiceListensOnItsSeedPortAllOn8000UnlessAPortIsGiven) {
    Config config;
    const std::pair<const char*, std::uint16_t> expected[] = {{"todo", 8001},      {"audit", 8002},
                                                              {"websocket", 8003}, {"notification", 8004},
                                                              {"recurring", 8005}, {"all", 8000}};
    for (const auto& [name, port] : expected) EXPECT_EQ(listen_port(config, *parse_services(name)), port) << name;
    config.port = 0;
    EXPECT_EQ(listen_port(config, *parse_services("audit")), 0);
    config.port = 9000;
    EXPECT_EQ(listen_port(config, *parse_services("all")), 9000);
}

TEST(ServeServices, HttpWorkersFollowThePoolOnPostgresUnlessGiven) {
    Config config;
    EXPECT_EQ(http_workers(config), 0u);  // SQLite: the server's default
    config.database_url = "postgresql://todoai@127.0.0.1:5432/todoai";
    config.database_pool_size = 12;
    EXPECT_EQ(http_workers(config), 12u);
    config.http_workers = 3;
    EXPECT_EQ(http_workers(config), 3u);
}

TEST(ConsumerGroups, PrefixAndReplicaSuffix) {
    struct NullBus final : pubsub::Bus {
        void subscribe(std::string_view, std::string_view group, pubsub::Handler) override {
            groups.emplace_back(group);
        }
        void subscribe_batch(std::string_view, std::string_view group, pubsub::BatchHandler) override {
            groups.emplace_back(group);
        }
        void publish(std::span<const pubsub::Message>) override {}
        void start() override {}
        void stop() override {}
        bool ready() override { return true; }
        std::vector<std::string> groups;
    } bus;
    GroupNamingBus plain(bus, "", ""), prefixed(bus, "todo-services", ""), replica(bus, "todo-services", "pod-7");
    plain.subscribe("task-events", "audit-service", {});
    prefixed.subscribe_batch("task-events", "audit-service", {});
    replica.subscribe_batch("reminders", "websocket-service", {});
    EXPECT_EQ(bus.groups, (std::vector<std::string>{"audit-service", "todo-services.audit-service",
                                                    "todo-services.websocket-service.pod-7"}));
    EXPECT_NE(default_replica_id(), default_replica_id() + "x");
    EXPECT_NE(default_replica_id().find('-'), std::string::npos);
}

}  // namespace
}  // namespace todoai::app

// `todoai serve <service>` as an operator meets it before anything runs: names, help, and the one-line refusals
// when a service alone lacks what it needs to reach the others.
#include <gtest/gtest.h>

#include <algorithm>

#include "support/temp_dir.hpp"
#include "support/todoai_process.hpp"

namespace todoai::testing {
namespace {

std::size_t lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Serve, UnknownServiceExits2NamingTheKnownOnes) {
    TempDir dir;
    auto [code, out] = TodoaiProcess::run({"serve", "teapot", "--port", "0", "--data-dir", dir.path().string()});
    EXPECT_EQ(code, 2);
    EXPECT_NE(out.find("'teapot'"), std::string::npos) << out;
    EXPECT_NE(out.find("notification"), std::string::npos) << out;
    EXPECT_EQ(lines(out), 1u) << out;
}

TEST(Serve, OneServiceWithoutKafkaOrSharedSecretsRefusesInOneLine) {
    TempDir dir;
    for (std::string service : {"todo", "audit", "websocket", "notification", "recurring"}) {
        auto [code, out] = TodoaiProcess::run(
            {"serve", service, "--port", "0", "--data-dir", dir.path().string(), "--jwt-secret", kTestJwtSecret});
        EXPECT_EQ(code, 1) << service;
        EXPECT_EQ(lines(out), 1u) << out;
        EXPECT_NE(out.find("serve " + service), std::string::npos) << out;
        EXPECT_NE(out.find("TODOAI_KAFKA_BROKERS"), std::string::npos) << out;
        EXPECT_NE(out.find("APP_API_TOKEN"), std::string::npos) << out;
        EXPECT_EQ(out.find("JWT_SECRET"), std::string::npos) << "it was given: " << out;
    }
    // With Kafka and the app token but no JWT secret (a generated one would differ per process): refused too.
    auto [code, out] = TodoaiProcess::run({"serve", "audit", "--port", "0", "--data-dir", dir.path().string()},
                                          {"TODOAI_KAFKA_BROKERS=127.0.0.1:9", "APP_API_TOKEN=shared-app-token"});
    EXPECT_EQ(code, 1);
    EXPECT_EQ(lines(out), 1u) << out;
    EXPECT_NE(out.find("JWT_SECRET"), std::string::npos) << out;
    EXPECT_EQ(out.find("TODOAI_KAFKA_BROKERS"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "audit.db")) << "refused before opening anything";
}

TEST(Serve, ServiceHelpNamesTheServicesTheirPortsAndTheDistributedSettings) {
    auto [code, out] = TodoaiProcess::run({"serve", "todo", "--help"});
    EXPECT_EQ(code, 0) << out;
    for (std::string s :
         {"notification", "8001", "8005", "TODOAI_KAFKA_BROKERS", "TODOAI_KAFKA_AUTH_TYPE", "TODOAI_KAFKA_DISABLE_TLS",
          "TODOAI_KAFKA_SASL_USERNAME", "TODOAI_KAFKA_CONSUMER_GROUP", "TODOAI_REPLICA_ID", "TODOAI_TODO_URL",
          "APP_API_TOKEN", "JWT_SECRET", "DATABASE_URL", "TODOAI_TOPIC_LAYOUT"})
        EXPECT_NE(out.find(s), std::string::npos) << s << " missing from serve --help:\n" << out;
}

TEST(Serve, UnreachableDatabaseIsOneLineNamingHostAndPort) {
    TempDir dir;
    auto [code, out] = TodoaiProcess::run({"serve", "all", "--port", "0", "--data-dir", dir.path().string(),
                                           "--database-url", "postgresql://todoai:secret-pw@127.0.0.1:9/todoai"});
    EXPECT_EQ(code, 1) << out;
    EXPECT_EQ(lines(out), 1u) << out;
    EXPECT_NE(out.find("127.0.0.1:9"), std::string::npos) << out;
    EXPECT_EQ(out.find("secret-pw"), std::string::npos) << "the password leaked: " << out;
}

TEST(Serve, UnreachableKafkaIsOneLineNamingTheBrokers) {
    TempDir dir;
    auto [code, out] = TodoaiProcess::run(
        {"serve", "audit", "--port", "0", "--data-dir", dir.path().string(), "--kafka-connect-timeout", "1"},
        {"TODOAI_KAFKA_BROKERS=127.0.0.1:9", "APP_API_TOKEN=shared-app-token",
         std::string("JWT_SECRET=") + kTestJwtSecret});
    EXPECT_EQ(code, 1) << out;
    EXPECT_EQ(lines(out), 1u) << "librdkafka's own lines stay at debug while start-up waits: " << out;
    EXPECT_NE(out.find("127.0.0.1:9"), std::string::npos) << out;
    EXPECT_EQ(out.rfind("todoai: Kafka brokers 127.0.0.1:9 did not answer", 0), 0u) << out;
}

}  // namespace
}  // namespace todoai::testing

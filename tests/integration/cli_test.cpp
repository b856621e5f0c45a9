// The command line as a user meets it: --help, --version, migrate, and one-line start-up errors.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/temp_dir.hpp"
#include "support/todoai_process.hpp"

namespace todoai::testing {
namespace {

TEST(Cli, HelpListsEveryFlagWithItsEnvVar) {
    auto [code, out] = TodoaiProcess::run({"--help"});
    EXPECT_EQ(code, 0);
    for (std::string env : {"API_HOST", "API_PORT", "TODOAI_DATA_DIR", "DATABASE_URL", "JWT_SECRET", "ENVIRONMENT",
                            "CORS_ORIGINS", "TODOAI_LOG_LEVEL", "TODOAI_ACCESS_LOG", "TODOAI_HTTP_THREADS"})
        EXPECT_NE(out.find(env), std::string::npos) << env << " missing from --help:\n" << out;
    EXPECT_NE(out.find("serve"), std::string::npos);
    EXPECT_NE(out.find("migrate"), std::string::npos);
}

TEST(Cli, VersionPrintsIt) {
    auto [code, out] = TodoaiProcess::run({"--version"});
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out.rfind("todoai ", 0), 0u) << out;
}

TEST(Cli, MigrateIsIdempotent) {
    TempDir dir;
    auto args = std::vector<std::string>{"migrate", "--data-dir", dir.path().string()};
    auto first = TodoaiProcess::run(args);
    EXPECT_EQ(first.first, 0) << first.second;
    auto second = TodoaiProcess::run(args);
    EXPECT_EQ(second.first, 0) << second.second;
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "todo.db"));
}

TEST(Cli, BadFlagsAndStartUpFailuresExitNonZeroWithOneLine) {
    TempDir dir;
    auto unknown = TodoaiProcess::run({"--no-such-flag"});
    EXPECT_NE(unknown.first, 0);
    auto bad_service = TodoaiProcess::run({"serve", "teapot", "--data-dir", dir.path().string()});
    EXPECT_NE(bad_service.first, 0);
    auto short_secret = TodoaiProcess::run({"--jwt-secret", "short", "--port", "0", "--data-dir", dir.path().string()});
    EXPECT_EQ(short_secret.first, 1);
    EXPECT_NE(short_secret.second.find("JWT_SECRET"), std::string::npos) << short_secret.second;
    auto prod = TodoaiProcess::run({"--port", "0", "--data-dir", dir.path().string()}, {"ENVIRONMENT=production"});
    EXPECT_EQ(prod.first, 1);
    EXPECT_NE(prod.second.find("production"), std::string::npos) << prod.second;
    auto bad_layout = TodoaiProcess::run({"--port", "0", "--data-dir", dir.path().string()},
                                         {"TODOAI_TOPIC_LAYOUT=per_type"});
    EXPECT_NE(bad_layout.first, 0);
    EXPECT_NE(bad_layout.second.find("topic-layout"), std::string::npos) << bad_layout.second;
    auto bad_url = TodoaiProcess::run({"--port", "0", "--database-url", "mysql://x"});
    EXPECT_EQ(bad_url.first, 1);
    EXPECT_NE(bad_url.second.find("DATABASE_URL"), std::string::npos) << bad_url.second;

    // Port taken: bind one, then ask todoai for it.
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(fd, 1), 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    auto port = std::to_string(ntohs(addr.sin_port));
    auto taken = TodoaiProcess::run({"--host", "127.0.0.1", "--port", port, "--data-dir", dir.path().string()});
    close(fd);
    EXPECT_EQ(taken.first, 1);
    EXPECT_NE(taken.second.find(port), std::string::npos) << taken.second;
    EXPECT_EQ(std::count(taken.second.begin(), taken.second.end(), '\n'), 1) << taken.second;
}

}  // namespace
}  // namespace todoai::testing

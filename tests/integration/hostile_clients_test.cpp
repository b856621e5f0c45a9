// What one hostile or careless client could do to every other user, against the real binary: smuggle a request past
// a framing error, guess passwords without end, or hold every connection with a trickle of bytes.
#include <memory>
#include <thread>
#include <vector>

#include "integration/todoai_fixture.hpp"
#include "support/raw_http_client.hpp"

namespace todoai::testing {
namespace {

using namespace std::chrono_literals;

class HostileClients : public TodoaiTest {};

// Issue 11's reproducer: on main before the fix, the task in the second request was created (201).
TEST_F(HostileClients, NothingAfterAFramingErrorIsExecuted) {
    const std::string task = R"({"title":"smuggled-task"})";
    const std::string smuggled =
        "POST " + tasks_path() + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token_ +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(task.size()) + "\r\n\r\n" + task;
    for (const std::string first :
         {"POST /api/auth/sign-in HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n",
          "POST /api/auth/sign-in HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
          "GET /health HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"}) {
        RawClient raw(process_->port());
        raw.send(first + smuggled);
        const auto res = raw.read_response();
        ASSERT_TRUE(res) << first;
        EXPECT_EQ(res->status, 400) << first;
        EXPECT_TRUE(raw.closed_by_peer()) << first;
    }
    const auto list = call("GET", tasks_path());
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(list.body.find("smuggled-task"), std::string::npos) << list.body;
}

// A guessing loop is refused within a few dozen tries, with Retry-After; the account's own correct password too
// (until the window refills), while another account from the same address still signs in.
TEST_F(HostileClients, WrongPasswordsEndIn429WithRetryAfter) {
    sign_up(*client_, "other@example.com");
    const std::string wrong = R"({"email":"user@example.com","password":"not the password"})";
    int first_429 = 0;
    HttpResponse refused;
    for (int attempt = 1; attempt <= 40 && first_429 == 0; ++attempt) {
        auto res = client_->request("POST", "/api/auth/sign-in", wrong, {{"Content-Type", "application/json"}});
        if (res.status == 429) {
            first_429 = attempt;
            refused = res;
        } else {
            EXPECT_EQ(res.status, 401) << res.body;
        }
    }
    ASSERT_GT(first_429, 0) << "40 wrong passwords in a row and never a 429";
    EXPECT_LE(first_429, 12);
    EXPECT_EQ(refused.header("content-type"), "application/problem+json");
    EXPECT_GE(std::stoi(refused.header("retry-after")), 1);

    const std::string right = R"({"email":"user@example.com","password":"correct horse battery"})";
    EXPECT_EQ(client_->request("POST", "/api/auth/sign-in", right, {{"Content-Type", "application/json"}}).status, 429);
    const std::string other = R"({"email":"other@example.com","password":"correct horse battery"})";
    EXPECT_EQ(client_->request("POST", "/api/auth/sign-in", other, {{"Content-Type", "application/json"}}).status, 200);
}

class SlowClients : public ::testing::Test {
  protected:
    TempDir dir_;
};

// More trickling connections than the cap: each new one sheds the oldest trickler, and a real request is served at
// once. Every trickler is cut off by the request deadline whatever it does.
TEST_F(SlowClients, TricklersNeitherStarveOthersNorOutliveTheDeadline) {
    TodoaiProcess process(dir_.path() / "data", {"serve", "all", "--max-connections", "40", "--request-timeout", "2"});
    process.start();
    std::vector<std::unique_ptr<RawClient>> tricklers;
    for (int i = 0; i < 80; ++i) {
        tricklers.push_back(std::make_unique<RawClient>(process.port()));
        tricklers.back()->send("GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: ");
    }
    HttpClient client(process.port());
    const auto began = std::chrono::steady_clock::now();
    const auto health = client.request("GET", "/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - began, 1s);
    // The newest tricklers were not shed; the deadline ends them (the raw client waits up to 5 s for the close).
    EXPECT_TRUE(tricklers.back()->closed_by_peer());
}

}  // namespace
}  // namespace todoai::testing

// The HTTP invoker against a real http::Server on 127.0.0.1, port 0: the request as sent, retries only where they
// are allowed, and InvokeError when it gives up (slow target, nothing listening).
#include "runtime/invoke/http_invoker.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <mutex>

#include "runtime/http/metrics.hpp"
#include "runtime/http/server.hpp"

namespace todoai::invoke {
namespace {

using namespace std::chrono_literals;

class HttpInvokerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        http::ServerOptions options{.host = "127.0.0.1", .port = 0, .threads = 2, .access_log = false};
        server_ = std::make_unique<http::Server>(
            options,
            [this](http::Request& req) {
                std::lock_guard lock(mutex_);
                seen_.push_back(req);
                return answer_(req, static_cast<int>(seen_.size()));
            },
            metrics_);
        port_ = server_->listen();
        ran_ = std::async(std::launch::async, [this] { server_->run(); });
    }

    void TearDown() override {
        if (!released_) release_.set_value();
        server_->stop();
        EXPECT_EQ(ran_.wait_for(10s), std::future_status::ready);
    }

    HttpInvokerOptions options(std::string prefix = "") const {
        return {.targets = {{"todo-service", "http://127.0.0.1:" + std::to_string(port_) + prefix}},
                .connect_timeout = 1000ms,
                .request_timeout = 2000ms,
                .max_attempts = 3,
                .initial_backoff = 10ms,
                .max_backoff = 40ms};
    }

    std::size_t calls() {
        std::lock_guard lock(mutex_);
        return seen_.size();
    }

    static InvokeRequest next_instance() {
        return {.app_id = "todo-service",
                .method = http::Method::post,
                .path = "/internal/series/s-1/next",
                .body = R"({"id":"t-2"})",
                .headers = {{"dapr-api-token", "app-secret"}, {"X-Request-Id", "req-42"}}};
    }

    // Answers the n-th request (1-based); runs on a server thread.
    std::function<http::Response(http::Request&, int)> answer_ = [](http::Request&, int) {
        return http::Response{.status = 201, .body = R"({"id":"t-2"})"};
    };
    std::mutex mutex_;
    std::vector<http::Request> seen_;
    std::promise<void> release_;  // a handler told to hang waits for it
    bool released_ = false;
    http::Metrics metrics_;
    std::unique_ptr<http::Server> server_;
    std::uint16_t port_ = 0;
    std::future<void> ran_;
};

TEST_F(HttpInvokerTest, SendsTheRequestAndReturnsTheAnswer) {
    HttpInvoker invoker(options("/prefix/"));
    const auto res = invoker.invoke(next_instance());
    EXPECT_EQ(res.status, 201);
    EXPECT_EQ(res.body, R"({"id":"t-2"})");
    ASSERT_EQ(calls(), 1u);
    const auto& req = seen_[0];
    EXPECT_EQ(req.method, http::Method::post);
    EXPECT_EQ(req.path, "/prefix/internal/series/s-1/next");
    EXPECT_EQ(req.body, R"({"id":"t-2"})");
    EXPECT_EQ(req.header("dapr-api-token"), "app-secret");
    EXPECT_EQ(req.header("content-type"), "application/json");
    EXPECT_EQ(req.request_id, "req-42");
}

TEST_F(HttpInvokerTest, RetriesAfterA503AndReturnsTheSuccess) {
    answer_ = [](http::Request&, int n) {
        if (n == 1) return http::Response{.status = 503, .body = R"({"detail":"starting"})"};
        return http::Response{.status = 200, .body = R"({"open":[]})"};
    };
    HttpInvoker invoker(options());
    const auto res = invoker.invoke(next_instance());
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.body, R"({"open":[]})");
    EXPECT_EQ(calls(), 2u);
}

TEST_F(HttpInvokerTest, RetriesAreBoundedAndTheLastGatewayErrorIsReturned) {
    answer_ = [](http::Request&, int) { return http::Response{.status = 504, .body = "{}"}; };
    HttpInvoker invoker(options());
    EXPECT_EQ(invoker.invoke(next_instance()).status, 504);
    EXPECT_EQ(calls(), 3u);  // max_attempts
}

TEST_F(HttpInvokerTest, OtherStatusesAreAnswersNotRetried) {
    for (int status : {400, 401, 404, 409, 422, 500}) {
        answer_ = [status](http::Request&, int) { return http::Response{.status = status, .body = "{}"}; };
        const auto before = calls();
        HttpInvoker invoker(options());
        EXPECT_EQ(invoker.invoke(next_instance()).status, status);
        EXPECT_EQ(calls(), before + 1) << status;
    }
}

TEST_F(HttpInvokerTest, ASlowTargetIsAnInvokeErrorAfterTheTimeoutNotRetried) {
    auto hang = release_.get_future().share();
    answer_ = [hang](http::Request&, int) {
        hang.wait();
        return http::Response{.status = 200, .body = "{}"};
    };
    auto o = options();
    o.request_timeout = 200ms;
    HttpInvoker invoker(o);
    const auto start = std::chrono::steady_clock::now();
    try {
        invoker.invoke(next_instance());
        ADD_FAILURE() << "no InvokeError";
    } catch (const InvokeError& e) {
        EXPECT_NE(std::string(e.what()).find("within 200 ms"), std::string::npos) << e.what();
    }
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 1500ms);
    released_ = true;
    release_.set_value();
    EXPECT_EQ(calls(), 1u);
}

// A port nothing listens on: bind one, learn it, close it.
std::uint16_t closed_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

TEST_F(HttpInvokerTest, NothingListeningIsAnInvokeErrorFast) {
    auto o = options();
    const auto port = std::to_string(closed_port());
    o.targets["todo-service"] = "http://127.0.0.1:" + port;
    HttpInvoker invoker(o);
    const auto start = std::chrono::steady_clock::now();
    try {
        invoker.invoke(next_instance());
        ADD_FAILURE() << "no InvokeError";
    } catch (const InvokeError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("127.0.0.1:" + port), std::string::npos) << what;
        EXPECT_NE(what.find("after 3 attempts"), std::string::npos) << what;
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);  // three refusals and 10 + 20 ms of backoff
}

TEST_F(HttpInvokerTest, UnknownAppIdIsAnInvokeErrorNamingTheKnownOnes) {
    HttpInvoker invoker(options());
    auto request = next_instance();
    request.app_id = "billing-service";
    try {
        invoker.invoke(request);
        ADD_FAILURE() << "no InvokeError";
    } catch (const InvokeError& e) {
        EXPECT_NE(std::string(e.what()).find("'todo-service'"), std::string::npos) << e.what();
    }
    EXPECT_EQ(calls(), 0u);
}

TEST(HttpInvokerConfig, RejectsAUrlItCannotCall) {
    for (std::string url : {"127.0.0.1:8001", "https://todo:8001", "http://", "http://todo:8001/?x=1", "todo"})
        EXPECT_THROW(HttpInvoker({.targets = {{"todo-service", url}}}), std::invalid_argument) << url;
    EXPECT_NO_THROW(HttpInvoker({.targets = {{"todo-service", "http://todo-service:8001"}}}));
}

}  // namespace
}  // namespace todoai::invoke

// The Dapr invoker against a stand-in sidecar: the call goes to the caller's own daprd under
// /v1.0/invoke/<app-id>/method/<path> with the query and body, DAPR_API_TOKEN replaces the app token meant for the
// target (the target's daprd sends its own), and daprd's answer comes back as it is.
#include "runtime/invoke/dapr_invoker.hpp"

#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "runtime/http/metrics.hpp"
#include "runtime/http/server.hpp"

namespace todoai::invoke {
namespace {

using namespace std::chrono_literals;

class DaprInvokerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        http::ServerOptions options{.host = "127.0.0.1", .port = 0, .threads = 2, .access_log = false};
        server_ = std::make_unique<http::Server>(
            options,
            [this](http::Request& req) {
                std::lock_guard lock(mutex_);
                seen_.push_back(req);
                return http::Response{.status = status_, .body = R"({"id":"t-2"})"};
            },
            metrics_);
        port_ = server_->listen();
        ran_ = std::async(std::launch::async, [this] { server_->run(); });
    }
    void TearDown() override {
        server_->stop();
        EXPECT_EQ(ran_.wait_for(10s), std::future_status::ready);
    }

    std::mutex mutex_;
    int status_ = 201;
    std::vector<http::Request> seen_;
    http::Metrics metrics_;
    std::unique_ptr<http::Server> server_;
    std::uint16_t port_ = 0;
    std::future<void> ran_;
};

TEST_F(DaprInvokerTest, CallsTheMethodThroughTheSidecarWithTheSidecarsToken) {
    DaprInvoker invoker({.host = "127.0.0.1", .http_port = port_, .api_token = "dapr-secret"});
    const auto res = invoker.invoke({.app_id = "todo-service",
                                     .method = http::Method::post,
                                     .path = "/internal/series/s-1/next?due=2026",
                                     .body = R"({"x":1})",
                                     .headers = {{"dapr-api-token", "app-secret"}, {"x-request-id", "r-1"}}});
    EXPECT_EQ(res.status, 201);
    EXPECT_EQ(res.body, R"({"id":"t-2"})");
    std::lock_guard lock(mutex_);
    ASSERT_EQ(seen_.size(), 1u);
    EXPECT_EQ(seen_[0].path, "/v1.0/invoke/todo-service/method/internal/series/s-1/next");
    EXPECT_EQ(seen_[0].query_param("due").value_or(""), "2026");
    EXPECT_EQ(seen_[0].body, R"({"x":1})");
    EXPECT_EQ(seen_[0].header("dapr-api-token").value_or(""), "dapr-secret");
    EXPECT_EQ(seen_[0].header("x-request-id").value_or(""), "r-1");
}

TEST_F(DaprInvokerTest, WithoutADaprTokenTheAppTokenDoesNotLeaveTheProcess) {
    DaprInvoker invoker({.host = "127.0.0.1", .http_port = port_});
    status_ = 500;  // daprd: the target is unreachable; an answer, not an InvokeError
    const auto res = invoker.invoke(
        {.app_id = "todo-service", .path = "/internal/tasks/open", .headers = {{"Dapr-Api-Token", "app-secret"}}});
    EXPECT_EQ(res.status, 500);
    std::lock_guard lock(mutex_);
    ASSERT_FALSE(seen_.empty());
    EXPECT_FALSE(seen_[0].header("dapr-api-token").has_value());
}

TEST_F(DaprInvokerTest, AnUnknownAppIdIsAnInvokeError) {
    DaprInvoker invoker({.host = "127.0.0.1", .http_port = port_});
    EXPECT_THROW(invoker.invoke({.app_id = "billing", .path = "/x"}), InvokeError);
}

}  // namespace
}  // namespace todoai::invoke

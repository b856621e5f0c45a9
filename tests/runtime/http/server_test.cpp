// Drives a real Server on 127.0.0.1, port 0, through raw sockets, so framing is checked byte for byte.
#include "runtime/http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "runtime/http/problem.hpp"
#include "runtime/http/router.hpp"
#include "support/raw_http_client.hpp"

namespace todoai::http {
namespace {

using namespace std::chrono_literals;
constexpr auto kDeadline = 5s;

using testing::RawClient;
using testing::RawResponse;
using Client = RawClient;

std::string get(std::string_view target, std::string_view extra = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

class ServerTest : public ::testing::Test {
  protected:
    ServerTest() {
        router_.add(Method::get, "/hello", [](Request&) { return Response::json(200, {{"hello", "world"}}); });
        router_.add(Method::post, "/echo", [](Request& r) {
            Response res;
            res.content_type = "text/plain";
            res.body = r.body;
            return res;
        });
        router_.add(Method::get, "/items/{name}", [](Request& r) {
            boost::json::object q;
            for (const auto& [k, v] : r.query) q[k] = v;
            return Response::json(200, {{"name", r.param("name")}, {"path", r.path}, {"query", q}});
        });
        router_.add(Method::get, "/slow", [this](Request&) {
            entered_.set_value();
            release_.wait();
            return Response::json(200, {{"slow", true}});
        });
        router_.add(Method::get, "/throw", [](Request&) -> Response { throw std::runtime_error("secret detail"); });
        router_.add(Method::get, "/empty", [](Request&) { return Response::empty(204).with_header("ETag", "\"1\""); });
    }

    void start(ServerOptions options = {}) {
        options.host = "127.0.0.1";
        options.port = 0;
        if (options.threads == 0) options.threads = 2;
        options.access_log = false;
        server_ = std::make_unique<Server>(
            options, [this](Request& r) { return router_.dispatch(r); }, metrics_);
        port_ = server_->listen();
        ran_ = std::async(std::launch::async, [this] { server_->run(); });
    }

    void TearDown() override {
        release();
        if (!server_) return;
        server_->stop();
        EXPECT_EQ(ran_.wait_for(kDeadline), std::future_status::ready);
    }

    // Shedding ranks connections by when they last changed phase, recorded when the server accepts one: wait until it
    // has, so the order of two connects is the order the server saw.
    void wait_for_connections(std::size_t n) {
        const auto deadline = std::chrono::steady_clock::now() + kDeadline;
        while (server_->open_connections() != n && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        ASSERT_EQ(server_->open_connections(), n);
    }

    void release() {
        if (!released_) release_promise_.set_value();
        released_ = true;
    }

    Router router_;
    Metrics metrics_;
    std::unique_ptr<Server> server_;
    std::uint16_t port_ = 0;
    std::future<void> ran_;
    std::promise<void> entered_;
    std::promise<void> release_promise_;
    std::shared_future<void> release_ = release_promise_.get_future().share();
    bool released_ = false;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
    start();
    Client c(port_);
    for (int i = 0; i < 3; ++i) {
        c.send(get("/hello"));
        const auto res = c.read_response();
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 200);
        EXPECT_EQ(res->body, R"({"hello":"world"})");
        EXPECT_EQ(res->header("content-type"), "application/json");
        EXPECT_EQ(res->header("server"), "todoai");
        EXPECT_EQ(res->header("connection"), "<none>");
    }
}

TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
    start();
    Client c(port_);
    c.send(get("/hello") + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nabcde" + get("/items/z"));
    const auto a = c.read_response();
    const auto b = c.read_response();
    const auto d = c.read_response();
    ASSERT_TRUE(a && b && d);
    EXPECT_EQ(a->body, R"({"hello":"world"})");
    EXPECT_EQ(b->body, "abcde");
    EXPECT_EQ(b->header("content-type"), "text/plain");
    EXPECT_EQ(boost::json::parse(d->body).at("name").as_string(), "z");
}

TEST_F(ServerTest, PathAndQueryDecoded) {
    start();
    Client c(port_);
    c.send(get("/items/a%2Fb%20c?q=x+y&z=%26&flag"));
    const auto res = c.read_response();
    ASSERT_TRUE(res);
    const auto body = boost::json::parse(res->body).as_object();
    EXPECT_EQ(body.at("name").as_string(), "a/b c");
    EXPECT_EQ(body.at("path").as_string(), "/items/a/b c");
    EXPECT_EQ(body.at("query").at("q").as_string(), "x y");
    EXPECT_EQ(body.at("query").at("z").as_string(), "&");
    EXPECT_EQ(body.at("query").at("flag").as_string(), "");
}

TEST_F(ServerTest, TooLargeContentLengthRejectedBeforeBody) {
    start();
    Client c(port_);
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n");  // no body sent
    const auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
    EXPECT_EQ(res->header("content-type"), "application/problem+json");
    EXPECT_EQ(res->header("connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());
    EXPECT_NE(metrics_.render().find(R"(method="POST",route="unmatched",status="413"} 1)"), std::string::npos);
}

TEST_F(ServerTest, TooLargeChunkedBodyRejected) {
    ServerOptions options;
    options.body_limit = 100;
    start(options);
    Client c(port_);
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.send("40\r\n" + std::string(64, 'a') + "\r\n");
    c.send("40\r\n" + std::string(64, 'b') + "\r\n0\r\n\r\n");
    const auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 413);
}

TEST_F(ServerTest, ChunkedBodyWithinLimitAndContinue) {
    start();
    Client c(port_);
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "abcde");
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    c.send("xyz");
    res = c.read_response();  // skips the interim 100
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "xyz");
}

TEST_F(ServerTest, OversizedHeaderGets431) {
    ServerOptions options;
    options.header_limit = 1024;
    start(options);
    Client c(port_);
    c.send(get("/hello", "X-Big: " + std::string(2000, 'x') + "\r\n"));
    const auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 431);
    EXPECT_EQ(res->header("connection"), "close");
}

TEST_F(ServerTest, MalformedRequestGets400AndClose) {
    start();
    for (const std::string bad :
         {"GARBAGE\r\n\r\n", "GET /hello HTTP/1.1\r\nBad Header\r\n\r\n",
          "GET /hello HTTP/1.1\r\nContent-Length: x\r\n\r\n", "GET http://x/ HTTP/1.1\r\n\r\n"}) {
        Client c(port_);
        c.send(bad);
        const auto res = c.read_response();
        ASSERT_TRUE(res) << bad;
        EXPECT_EQ(res->status, 400) << bad;
        EXPECT_EQ(res->header("content-type"), "application/problem+json");
        if (bad.rfind("GET http", 0) != 0) {
            EXPECT_TRUE(c.closed_by_peer()) << bad;
        }
    }
}

TEST_F(ServerTest, UnknownMethodGets405) {
    start();
    Client c(port_);
    c.send("BREW /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    const auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405);
    EXPECT_EQ(res->header("allow"), "GET, HEAD");
}

TEST_F(ServerTest, HeadKeepsContentLengthDropsBody) {
    start();
    Client c(port_);
    c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" + get("/hello"));
    const auto head = c.read_response(true);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("content-length"), "17");
    const auto next = c.read_response();  // would be garbled if HEAD had sent a body
    ASSERT_TRUE(next);
    EXPECT_EQ(next->status, 200);
    EXPECT_EQ(next->body, R"({"hello":"world"})");
}

TEST_F(ServerTest, NoContentHasNoBodyOrLength) {
    start();
    Client c(port_);
    c.send(get("/empty") + get("/hello"));
    const auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 204);
    EXPECT_EQ(res->header("content-length"), "<none>");
    EXPECT_EQ(res->header("etag"), "\"1\"");
    ASSERT_TRUE(c.read_response());
}

TEST_F(ServerTest, RequestIdEchoedOrGenerated) {
    start();
    Client c(port_);
    c.send(get("/hello", "X-Request-Id: abc.DEF_1-2\r\n"));
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->header("x-request-id"), "abc.DEF_1-2");

    c.send(get("/hello", "X-Request-Id: bad id!\r\n"));
    res = c.read_response();
    ASSERT_TRUE(res);
    const auto generated = res->header("x-request-id");
    EXPECT_NE(generated, "bad id!");
    EXPECT_NE(generated, "<none>");

    c.send(get("/hello", "X-Request-Id: " + std::string(65, 'a') + "\r\n"));
    res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_NE(res->header("x-request-id"), std::string(65, 'a'));
    EXPECT_NE(res->header("x-request-id"), generated);
}

TEST_F(ServerTest, HandlerExceptionGives500WithoutDetail) {
    start();
    Client c(port_);
    c.send(get("/throw"));
    const auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 500);
    EXPECT_EQ(res->body.find("secret"), std::string::npos);
    c.send(get("/hello"));  // the connection survives
    ASSERT_TRUE(c.read_response());
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAlive) {
    start();
    {
        Client c(port_);
        c.send("GET /hello HTTP/1.0\r\n\r\n");
        const auto res = c.read_response();
        ASSERT_TRUE(res);
        EXPECT_EQ(res->header("connection"), "close");
        EXPECT_TRUE(c.closed_by_peer());
    }
    Client c(port_);
    c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->header("connection"), "keep-alive");
    c.send(get("/hello", "Connection: close\r\n"));
    ASSERT_TRUE(c.read_response());
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ServerTest, Cors) {
    ServerOptions options;
    options.cors_origins = "https://app.example, https://other.example";
    start(options);
    Client c(port_);
    c.send(
        "OPTIONS /hello HTTP/1.1\r\nHost: t\r\nOrigin: https://app.example\r\n"
        "Access-Control-Request-Method: POST\r\n\r\n");
    auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 204);
    EXPECT_EQ(res->header("access-control-allow-origin"), "https://app.example");
    EXPECT_EQ(res->header("access-control-allow-methods"), "GET, POST, PUT, PATCH, DELETE");
    EXPECT_EQ(res->header("access-control-allow-headers"),
              "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id");

    c.send(get("/hello", "Origin: https://other.example\r\n"));
    res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->header("access-control-allow-origin"), "https://other.example");
    EXPECT_EQ(res->header("vary"), "Origin");

    c.send(get("/hello", "Origin: https://evil.example\r\n"));
    res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->header("access-control-allow-origin"), "<none>");
}

TEST_F(ServerTest, MetricsObservedPerRoute) {
    start();
    Client c(port_);
    c.send(get("/items/a") + get("/items/b") + get("/missing") + get("/hello"));
    // A request is recorded after its response is written; the fourth answer proves the first three are.
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.read_response());
    const auto text = metrics_.render();
    EXPECT_NE(text.find(R"(todoai_http_requests_total{method="GET",route="/items/{name}",status="200"} 2)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(R"(todoai_http_requests_total{method="GET",route="unmatched",status="404"} 1)"),
              std::string::npos);
}

TEST_F(ServerTest, IdleConnectionTimesOut) {
    ServerOptions options;
    options.idle_timeout = 100ms;
    start(options);
    Client c(port_);
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ServerTest, ListenFailureNamesHostAndPort) {
    start();
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = port_;
    Server second(
        options, [](Request&) { return Response::empty(204); }, metrics_);
    try {
        second.listen();
        FAIL() << "listen on a used port succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("cannot listen on 127.0.0.1:" + std::to_string(port_) + ": ", 0), 0u)
            << e.what();
    }
}

TEST_F(ServerTest, GracefulStopFinishesInFlightAndClosesIdle) {
    start();
    Client idle(port_);
    idle.send(get("/hello"));
    ASSERT_TRUE(idle.read_response());

    auto busy = std::make_unique<Client>(port_);
    busy->send(get("/slow"));
    ASSERT_EQ(entered_.get_future().wait_for(kDeadline), std::future_status::ready);

    server_->stop();
    EXPECT_TRUE(idle.closed_by_peer());
    EXPECT_EQ(ran_.wait_for(0s), std::future_status::timeout);  // the slow request still holds it open

    release();
    const auto res = busy->read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->header("connection"), "close");
    EXPECT_TRUE(busy->closed_by_peer());
    busy.reset();  // a client closes its end after Connection: close
    EXPECT_EQ(ran_.wait_for(kDeadline), std::future_status::ready);
    EXPECT_THROW(Client late(port_), std::runtime_error);
}

TEST_F(ServerTest, StopForceClosesAfterDrainTimeout) {
    ServerOptions options;
    options.drain_timeout = 100ms;
    start(options);
    Client partial(port_);
    partial.send("GET /hello HTTP/1.1\r\nHost: t\r\n");  // never finished
    // The request has started once the server has read its bytes; a pipelined complete request proves that.
    Client probe(port_);
    probe.send(get("/hello"));
    ASSERT_TRUE(probe.read_response());
    const auto t0 = std::chrono::steady_clock::now();
    server_->stop();
    EXPECT_TRUE(partial.closed_by_peer());
    EXPECT_EQ(ran_.wait_for(kDeadline), std::future_status::ready);
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(elapsed, 90ms);  // held open for the drain timeout, not closed as idle
    EXPECT_LT(elapsed, 3s);
}

TEST_F(ServerTest, SurvivesGarbage) {
    start();
    std::mt19937 rng(42);
    const std::string pieces[] = {"GET ",
                                  "/",
                                  "HTTP/1.1",
                                  "\r\n",
                                  ":",
                                  "Content-Length: ",
                                  "99999999999999999999",
                                  "Transfer-Encoding: chunked",
                                  "\r\n\r\n",
                                  "ffffffffffffffff\r\n",
                                  "%",
                                  "\0",
                                  "\xff"};
    for (int round = 0; round < 100; ++round) {
        std::string junk;
        for (int i = 0; i < 12; ++i) {
            if (rng() % 3 == 0)
                junk += static_cast<char>(rng() % 256);
            else
                junk += pieces[rng() % std::size(pieces)];
        }
        Client c(port_);
        c.send(junk);
    }
    Client c(port_);
    c.send(get("/hello"));
    const auto res = c.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
}

// RFC 9112 §6.1-6.3: framing a proxy could read differently is a 400, the connection closes, and nothing after it is
// parsed as a request (on main before the fix, the second request of the first three ran: request smuggling).
TEST_F(ServerTest, AmbiguousFramingRejectedAndNothingAfterItRuns) {
    std::atomic<int> smuggled{0};
    router_.add(Method::post, "/smuggled", [&](Request&) {
        ++smuggled;
        return Response::empty(204);
    });
    start();
    const std::string inner = "POST /smuggled HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n";
    const std::string variants[] = {
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "GET /hello HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n",
        "POST /echo HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    };
    for (const auto& first : variants) {
        Client c(port_);
        c.send(first + inner);
        const auto res = c.read_response();
        ASSERT_TRUE(res) << first;
        EXPECT_EQ(res->status, 400) << first;
        EXPECT_EQ(res->header("connection"), "close") << first;
        EXPECT_TRUE(c.closed_by_peer()) << first;
    }
    EXPECT_EQ(smuggled.load(), 0);

    // Framing that is not ambiguous still works, and a following request on the connection runs.
    Client c(port_);
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" + inner);
    const auto echoed = c.read_response();
    ASSERT_TRUE(echoed);
    EXPECT_EQ(echoed->body, "hi");
    const auto second = c.read_response();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 204);
    EXPECT_EQ(smuggled.load(), 1);
}

// The read timeout bounds the whole request, not each read: a client trickling its header is cut off at the deadline.
TEST_F(ServerTest, TricklingClientClosedAtTheRequestDeadline) {
    ServerOptions options;
    options.read_timeout = 400ms;
    start(options);
    Client c(port_);
    const std::string request = get("/hello", "X-Pad: " + std::string(200, 'a') + "\r\n");
    const auto began = std::chrono::steady_clock::now();
    bool cut = false;
    for (std::size_t i = 0; i < request.size() && !cut; ++i) {
        try {
            c.send(std::string_view(request).substr(i, 1));
        } catch (const std::runtime_error&) {
            cut = true;
        }
        if (!cut && c.readable_within(50ms)) cut = c.closed_by_peer();
    }
    const auto held = std::chrono::steady_clock::now() - began;
    EXPECT_TRUE(cut) << "the server read the whole trickled request";
    EXPECT_LT(held, 3s);
}

// At the connection cap a new client is served: the longest-idle connection goes first, then the slowest sender.
TEST_F(ServerTest, ConnectionCapShedsIdleThenSlowestForANewClient) {
    ServerOptions options;
    options.max_connections = 3;
    start(options);
    Client trickler(port_);
    trickler.send("GET /hello HTTP/1.1\r\n");  // started a request, never finishes it
    wait_for_connections(1);
    Client idle_old(port_);
    wait_for_connections(2);
    Client idle_new(port_);
    wait_for_connections(3);

    Client fresh(port_);
    fresh.send(get("/hello"));
    auto res = fresh.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_TRUE(idle_old.closed_by_peer());

    Client fresh2(port_);
    fresh2.send(get("/hello"));
    res = fresh2.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    // idle_new and the idle `fresh` are both idle now: the older of them (idle_new) goes before the trickler.
    EXPECT_TRUE(idle_new.closed_by_peer());
}

// A request being handled is never cut to make room: with nothing to shed, the new client gets a 503 and a close.
TEST_F(ServerTest, ConnectionCapRefusesWhenEveryConnectionIsBusy) {
    ServerOptions options;
    options.max_connections = 1;
    start(options);
    Client busy(port_);
    busy.send(get("/slow"));
    entered_.get_future().wait();
    Client refused(port_);
    const auto res = refused.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 503);
    EXPECT_EQ(res->header("retry-after"), "1");
    EXPECT_TRUE(refused.closed_by_peer());
    release();
    const auto slow = busy.read_response();
    ASSERT_TRUE(slow);
    EXPECT_EQ(slow->status, 200);
}

TEST_F(ServerTest, StopBeforeRunReturns) {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    Server s(
        options, [](Request&) { return Response::empty(204); }, metrics_);
    s.listen();
    s.stop();
    auto done = std::async(std::launch::async, [&] { s.run(); });
    EXPECT_EQ(done.wait_for(kDeadline), std::future_status::ready);
}

}  // namespace
}  // namespace todoai::http

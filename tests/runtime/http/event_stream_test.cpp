// Event streams on a real Server: the frame format, the head, what the session sends arriving in order, the
// heartbeat comment, a slow reader's stream ended at its byte budget, the client going away seen by the session, and
// HEAD or an error answered as an ordinary response.
#include "runtime/http/event_stream.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/http/router.hpp"
#include "runtime/http/server.hpp"
#include "support/event_stream_client.hpp"

namespace todoai::http {
namespace {

using namespace std::chrono_literals;
using testing::EventStreamClient;
using testing::RawClient;

TEST(EventStreamFrame, CarriesIdTypeAndEachLineOfTheData) {
    EXPECT_EQ(event_stream_frame("e1", "", R"({"a":1})"), "id: e1\ndata: {\"a\":1}\n\n");
    EXPECT_EQ(event_stream_frame("", "resync", "x"), "event: resync\ndata: x\n\n");
    EXPECT_EQ(event_stream_frame("", "", "one\ntwo\r\nthree\rfour"),
              "data: one\ndata: two\ndata: three\ndata: four\n\n");
    EXPECT_EQ(event_stream_frame("", "", ""), "data: \n\n");
    EXPECT_EQ(event_stream_frame("", "", "ends\n"), "data: ends\ndata: \n\n") << "the trailing line break survives";
}

TEST(EventStreamFrame, AnIdOrTypeTheFormatCannotCarryIsLeftOut) {
    EXPECT_EQ(event_stream_frame("a\nid: forged", "", "x"), "data: x\n\n");
    EXPECT_EQ(event_stream_frame(std::string("a\0b", 3), "", "x"), "data: x\n\n");
    EXPECT_EQ(event_stream_frame("", "t\r", "x"), "data: x\n\n");
}

// A session that records what happens to it and lets the test send.
class Recorder final : public WebSocketSession {
    std::promise<void> opened_;  // before the futures made from them
    std::promise<void> closed_;

  public:
    void on_open(std::shared_ptr<WebSocketConnection> c) override {
        std::lock_guard lock(mutex_);
        connection_ = std::move(c);
        opened_.set_value();
    }
    void on_message(std::string_view) override {}
    void on_close() override {
        std::lock_guard lock(mutex_);
        connection_.reset();
        closed_.set_value();
    }
    std::shared_ptr<WebSocketConnection> connection() {
        std::lock_guard lock(mutex_);
        return connection_;
    }
    std::future<void> opened = opened_.get_future();
    std::future<void> closed = closed_.get_future();

  private:
    std::mutex mutex_;
    std::shared_ptr<WebSocketConnection> connection_;
};

class EventStreamServer : public ::testing::Test {
  protected:
    void start(EventStreamOptions stream_options = {}) {
        router_.add(Method::get, "/stream", [this, stream_options](Request& req) {
            if (req.query_param("fail")) throw HttpError(401, "no");
            return event_stream_response(session_, stream_options);
        });
        ServerOptions options;
        options.host = "127.0.0.1";
        options.port = 0;
        options.threads = 2;
        options.access_log = false;
        server_ = std::make_unique<Server>(
            options, [this](Request& r) { return router_.dispatch(r); }, metrics_);
        port_ = server_->listen();
        ran_ = std::async(std::launch::async, [this] { server_->run(); });
    }
    void TearDown() override {
        if (!server_) return;
        server_->stop();
        EXPECT_EQ(ran_.wait_for(5s), std::future_status::ready);
    }
    void await_open() { ASSERT_EQ(session_->opened.wait_for(5s), std::future_status::ready); }

    std::shared_ptr<Recorder> session_ = std::make_shared<Recorder>();
    Router router_;
    Metrics metrics_;
    std::unique_ptr<Server> server_;
    std::uint16_t port_ = 0;
    std::future<void> ran_;
};

TEST_F(EventStreamServer, FramesArriveInOrderAfterTheHeadAndCloseEndsTheResponse) {
    start();
    EventStreamClient client(port_, "/stream");
    auto head = client.head();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("content-type"), "text/event-stream");
    EXPECT_EQ(head->header("connection"), "close");
    EXPECT_EQ(head->header("x-accel-buffering"), "no");
    await_open();
    auto connection = session_->connection();
    ASSERT_TRUE(connection);
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(connection->send(event_stream_frame(std::to_string(i), "", "payload " + std::to_string(i))));
    connection->close(1000, "done");
    for (int i = 0; i < 3; ++i) {
        auto event = client.next();
        ASSERT_TRUE(event) << i;
        EXPECT_EQ(event->id, std::to_string(i));
        EXPECT_EQ(event->data, "payload " + std::to_string(i));
    }
    EXPECT_TRUE(client.ended()) << "what was queued is written, then the response ends";
    EXPECT_EQ(session_->closed.wait_for(5s), std::future_status::ready);
    EXPECT_FALSE(connection->send(std::string("late"))) << "nothing is queued after close";
}

TEST_F(EventStreamServer, AQuietStreamGetsHeartbeatComments) {
    start({.heartbeat = 50ms});
    EventStreamClient client(port_, "/stream");
    ASSERT_TRUE(client.head());
    auto opening = client.next(true);
    ASSERT_TRUE(opening);
    auto beat = client.next(true);
    ASSERT_TRUE(beat) << "a comment within the deadline";
    ASSERT_EQ(beat->comments.size(), 1u);
    EXPECT_EQ(beat->comments[0], "keep-alive");
    EXPECT_TRUE(beat->data.empty());
}

TEST_F(EventStreamServer, AClientGoingAwayEndsTheSession) {
    start();
    {
        EventStreamClient client(port_, "/stream");
        ASSERT_TRUE(client.head());
        await_open();
    }
    ASSERT_EQ(session_->closed.wait_for(5s), std::future_status::ready);
    const auto deadline = std::chrono::steady_clock::now() + 5s;  // the server forgets it right after on_close
    while (server_->open_connections() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    EXPECT_EQ(server_->open_connections(), 0u);
}

TEST_F(EventStreamServer, AReaderThatDoesNotReadIsCutAtItsByteBudget) {
    start({.send_queue_bytes = 256 * 1024});
    RawClient client(port_);  // sends the request and never reads
    client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    await_open();
    auto connection = session_->connection();
    ASSERT_TRUE(connection);
    const std::string frame = event_stream_frame("", "", std::string(64 * 1024, 'x'));
    int sent = 0;
    // The socket buffers take some megabytes at most; then the queue fills and the stream is ended, not grown.
    while (connection->send(frame) && sent < 100'000) ++sent;
    EXPECT_LT(sent, 100'000) << "the queue never filled";
    EXPECT_EQ(session_->closed.wait_for(10s), std::future_status::ready);
}

TEST_F(EventStreamServer, HeadOrAnErrorIsAnOrdinaryResponse) {
    start();
    RawClient head(port_);
    head.send("HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    auto res = head.read_response(true);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(session_->opened.wait_for(0s), std::future_status::timeout) << "no stream for HEAD";

    RawClient refused(port_);
    refused.send("GET /stream?fail=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    res = refused.read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
    EXPECT_EQ(res->header("content-type"), "application/problem+json");
}

TEST_F(EventStreamServer, StopEndsOpenStreams) {
    start();
    EventStreamClient client(port_, "/stream");
    ASSERT_TRUE(client.head());
    await_open();
    server_->stop();
    EXPECT_TRUE(client.ended());
    EXPECT_EQ(ran_.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(session_->closed.wait_for(5s), std::future_status::ready);
}

}  // namespace
}  // namespace todoai::http

// WebSocket endpoints of the real Server on 127.0.0.1, port 0, driven by a Beast client (websocket_test_client.hpp).
#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/http/problem.hpp"
#include "runtime/http/server.hpp"
#include "runtime/http/websocket_test_client.hpp"

namespace todoai::http {
namespace {

using namespace std::chrono_literals;
using todoai::testing::WsClient;
namespace websocket = boost::beast::websocket;

// Records what the server tells the session; the test waits on it with deadlines.
struct Recorder {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::shared_ptr<WebSocketConnection>> opened;
    std::vector<std::string> messages;
    int closed = 0;
    int accepted = 0;

    template <class Pred>
    bool wait(Pred pred, std::chrono::milliseconds deadline = 5s) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, deadline, [&] { return pred(); });
    }
    std::shared_ptr<WebSocketConnection> connection(std::size_t i = 0) {
        if (!wait([&] { return opened.size() > i; })) return nullptr;
        std::lock_guard lock(mutex);
        return opened[i];
    }
};

class RecordingSession final : public WebSocketSession {
  public:
    RecordingSession(Recorder& r, bool echo) : r_(r), echo_(echo) {}
    void on_open(std::shared_ptr<WebSocketConnection> connection) override {
        if (echo_) connection_ = connection;
        std::lock_guard lock(r_.mutex);
        r_.opened.push_back(std::move(connection));
        r_.changed.notify_all();
    }
    void on_message(std::string_view text) override {
        if (echo_) connection_->send("echo:" + std::string(text));
        std::lock_guard lock(r_.mutex);
        r_.messages.emplace_back(text);
        r_.changed.notify_all();
    }
    void on_close() override {
        connection_.reset();
        std::lock_guard lock(r_.mutex);
        ++r_.closed;
        r_.changed.notify_all();
    }

  private:
    Recorder& r_;
    bool echo_;
    std::shared_ptr<WebSocketConnection> connection_;
};

class WebSocketServerTest : public ::testing::Test {
  protected:
    void start(WebSocketOptions ws_options = {}, bool echo = true) {
        ServerOptions options;
        options.host = "127.0.0.1";
        options.port = 0;
        options.threads = 2;
        options.access_log = false;
        options.drain_timeout = 2s;
        server_ = std::make_unique<Server>(
            options,
            [](Request&) {
                return Response::json(404, {{"detail", "no route"}});
            },
            metrics_);
        server_->add_websocket(
            "/ws",
            [this, echo](Request& req) {
                if (req.query_param("refuse")) throw HttpError(401, "missing token");
                {
                    std::lock_guard lock(recorder_.mutex);
                    ++recorder_.accepted;
                }
                WebSocketAccept accept{std::make_shared<RecordingSession>(recorder_, echo), ""};
                if (auto offered = req.header("sec-websocket-protocol");
                    offered && offered->find("bearer.abc") != std::string_view::npos)
                    accept.subprotocol = "bearer.abc";
                return accept;
            },
            ws_options);
        port_ = server_->listen();
        thread_ = std::thread([this] { server_->run(); });
    }

    void TearDown() override {
        if (server_) server_->stop();
        if (thread_.joinable()) thread_.join();
    }

    Metrics metrics_;
    std::unique_ptr<Server> server_;
    Recorder recorder_;  // destroyed first: connections must not outlive the server
    std::thread thread_;
    std::uint16_t port_ = 0;
};

TEST_F(WebSocketServerTest, UpgradeEchoesTheChosenSubprotocol) {
    start();
    WsClient client(port_);
    ASSERT_FALSE(client.handshake("/ws", "chat, bearer.abc"));
    EXPECT_EQ(client.response.result_int(), 101);
    EXPECT_EQ(client.response[boost::beast::http::field::sec_websocket_protocol], "bearer.abc");
    EXPECT_TRUE(recorder_.connection());
}

TEST_F(WebSocketServerTest, NoSubprotocolHeaderWhenNoneChosen) {
    start();
    WsClient client(port_);
    ASSERT_FALSE(client.handshake("/ws"));
    EXPECT_EQ(client.response.count(boost::beast::http::field::sec_websocket_protocol), 0u);
}

TEST_F(WebSocketServerTest, AcceptorRefusalIsAProblemAndNoUpgrade) {
    start();
    WsClient client(port_);
    const auto ec = client.handshake("/ws?refuse=1");
    EXPECT_EQ(ec, websocket::error::upgrade_declined);
    EXPECT_EQ(client.response.result_int(), 401);
    EXPECT_EQ(client.response[boost::beast::http::field::content_type], "application/problem+json");
    EXPECT_NE(client.response.body().find("missing token"), std::string::npos) << client.response.body();
    std::lock_guard lock(recorder_.mutex);
    EXPECT_TRUE(recorder_.opened.empty());
    EXPECT_EQ(recorder_.accepted, 0);
}

TEST_F(WebSocketServerTest, PlainGetOnTheWebSocketPathIs426AndOtherPathsReachTheHandler) {
    start();
    auto res = todoai::testing::http_get(port_, "/ws");
    EXPECT_EQ(res.result_int(), 426);
    EXPECT_EQ(res[boost::beast::http::field::upgrade], "websocket");
    EXPECT_EQ(todoai::testing::http_get(port_, "/other").result_int(), 404);
}

TEST_F(WebSocketServerTest, UpgradeOnAnotherPathIsNotAccepted) {
    start();
    WsClient client(port_);
    EXPECT_EQ(client.handshake("/elsewhere"), websocket::error::upgrade_declined);
    EXPECT_EQ(client.response.result_int(), 404);
}

TEST_F(WebSocketServerTest, SendsAndReceivesTextAndReportsTheClose) {
    start();
    WsClient client(port_);
    ASSERT_FALSE(client.handshake("/ws"));
    ASSERT_FALSE(client.write("hello"));
    auto r = client.read();
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.text, "echo:hello");

    // send() from a thread that is not an io thread, several in a row: they arrive in order.
    auto connection = recorder_.connection();
    ASSERT_TRUE(connection);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(connection->send("n" + std::to_string(i)));
    for (int i = 0; i < 50; ++i) {
        auto m = client.read();
        ASSERT_FALSE(m.ec) << m.ec.message();
        EXPECT_EQ(m.text, "n" + std::to_string(i));
    }

    EXPECT_FALSE(client.close());
    EXPECT_TRUE(recorder_.wait([&] { return recorder_.closed == 1; }));
    EXPECT_FALSE(connection->send("late")) << "send after the close";
}

TEST_F(WebSocketServerTest, ServerCloseDeliversQueuedMessagesFirst) {
    start();
    WsClient client(port_);
    ASSERT_FALSE(client.handshake("/ws"));
    auto connection = recorder_.connection();
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send("last words"));
    connection->close(4000, "bye");
    auto r = client.read();
    EXPECT_EQ(r.text, "last words");
    EXPECT_EQ(client.read_until_closed(), 4000);
    EXPECT_EQ(client.stream().reason().reason, "bye");
    EXPECT_TRUE(recorder_.wait([&] { return recorder_.closed == 1; }));
}

TEST_F(WebSocketServerTest, MessageOverTheLimitClosesWith1009) {
    start();
    WsClient client(port_);
    ASSERT_FALSE(client.handshake("/ws"));
    ASSERT_FALSE(client.write(std::string(64 * 1024, 'a')));  // exactly the limit is fine
    EXPECT_EQ(client.read().text.size(), 64 * 1024 + 5);
    client.write(std::string(64 * 1024 + 1, 'a'));
    EXPECT_EQ(client.read_until_closed(), 1009);
    EXPECT_TRUE(recorder_.wait([&] { return recorder_.closed == 1; }));
}

TEST_F(WebSocketServerTest, BinaryMessageClosesWith1003) {
    start();
    WsClient client(port_);
    ASSERT_FALSE(client.handshake("/ws"));
    client.write("\x01\x02", /*binary=*/true);
    EXPECT_EQ(client.read_until_closed(), 1003);
}

// Found by tests/fuzz/runtime/http/websocket_frame_fuzz: a protocol error read while the server's own close (here for
// the binary message) waited for Beast's read lock deadlocked the read and the close, so the connection never ended
// (no on_close, its slot in the server kept) even after the close deadline closed the socket.
TEST_F(WebSocketServerTest, AProtocolErrorDuringTheServersCloseStillEndsTheConnection) {
    start();
    WsClient client(port_);
    ASSERT_FALSE(client.handshake("/ws"));
    // Masked client frames: a binary message, the first fragment of a text message, then an unmasked frame with a
    // reserved control opcode (0xF), which fails the connection.
    const std::string frames = std::string("\x82\x82\x01\x02\x03\x04\x83\x81", 8) +
                               std::string("\x01\x81\x01\x02\x03\x04\x0f", 7) + std::string("\x8f\x01>", 3);
    boost::asio::write(client.stream().next_layer(), boost::asio::buffer(frames));
    // The client's end of the stream, so the server's teardown after its close frame need not wait for a TCP close
    // (it would, until the close deadline): what is left to measure is the deadlock, which the EOF did not end.
    client.stream().next_layer().shutdown(boost::asio::socket_base::shutdown_send);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(recorder_.wait([&] { return recorder_.closed == 1; }, 8s)) << "the connection never ended";
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "it ended only at the close deadline";
}

TEST_F(WebSocketServerTest, FloodClosesWith1008AndOtherConnectionsCarryOn) {
    WebSocketOptions options;
    options.max_client_messages_per_second = 5;
    start(options);
    WsClient flooder(port_);
    WsClient bystander(port_);
    ASSERT_FALSE(flooder.handshake("/ws"));
    ASSERT_FALSE(bystander.handshake("/ws"));
    for (int i = 0; i < 20; ++i)
        if (flooder.write("{\"type\":\"ping\"}")) break;
    EXPECT_EQ(flooder.read_until_closed(), 1008);
    EXPECT_LE(flooder.messages_before_close, 5) << "at most the allowed messages were answered";

    ASSERT_FALSE(bystander.write("still here"));
    EXPECT_EQ(bystander.read().text, "echo:still here");
}

TEST_F(WebSocketServerTest, SlowClientIsClosedWith1008AndItsQueueStaysBounded) {
    WebSocketOptions options;
    options.send_queue_limit = 8;
    start(options, /*echo=*/false);
    WsClient slow(port_, /*receive_buffer=*/4096);
    ASSERT_FALSE(slow.handshake("/ws"));
    auto connection = recorder_.connection();
    ASSERT_TRUE(connection);

    // The client reads nothing. The kernel's buffers take some frames, the queue 8 more, then send() refuses.
    const std::string frame(64 * 1024, 'x');
    int accepted = 0;
    while (accepted < 10'000 && connection->send(frame)) ++accepted;
    EXPECT_LT(accepted, 10'000) << "send() never refused: the queue is unbounded";
    EXPECT_LT(accepted, 400) << "more than the queue limit plus the socket buffers";
    EXPECT_FALSE(connection->send("more")) << "refuses after the close started";

    // Draining now, the client gets what the kernel held and then the close frame.
    EXPECT_EQ(slow.read_until_closed(), 1008);
    EXPECT_EQ(slow.stream().reason().reason, "send queue full");
    EXPECT_LE(slow.messages_before_close, accepted);
    EXPECT_TRUE(recorder_.wait([&] { return recorder_.closed == 1; }));
}

TEST_F(WebSocketServerTest, HeartbeatPingsAnIdleClient) {
    WebSocketOptions options;
    options.heartbeat = 100ms;
    start(options);
    WsClient client(port_);
    ASSERT_FALSE(client.handshake("/ws"));
    // A pending read answers pings with pongs (Beast does) and sees them through the control callback.
    bool done = false;
    boost::beast::flat_buffer buffer;
    client.stream().async_read(buffer, [&](boost::beast::error_code, std::size_t) { done = true; });
    EXPECT_TRUE(client.run_until([&] { return client.pings >= 3 || done; }, 3s));
    EXPECT_GE(client.pings, 3);
    EXPECT_FALSE(done) << "a client answering pings stays connected";
}

TEST_F(WebSocketServerTest, HeartbeatClosesAClientThatNeverAnswers) {
    WebSocketOptions options;
    options.heartbeat = 100ms;
    start(options);
    // A raw socket: it completes the handshake, then never reads a frame nor answers a ping.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket socket(ioc);
    socket.connect({boost::asio::ip::make_address_v4("127.0.0.1"), port_});
    const std::string upgrade =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(upgrade));
    const auto started = std::chrono::steady_clock::now();
    std::string received;
    bool ended = false;
    std::array<char, 1024> chunk;
    std::function<void()> read_more = [&] {
        socket.async_read_some(boost::asio::buffer(chunk), [&](boost::beast::error_code ec, std::size_t n) {
            if (ec) {
                ended = true;
                return;
            }
            received.append(chunk.data(), n);
            read_more();
        });
    };
    read_more();
    ioc.run_for(3s);
    EXPECT_TRUE(ended) << "the server kept a silent client";
    EXPECT_NE(received.find("101 Switching Protocols"), std::string::npos);
    EXPECT_NE(received.find('\x89'), std::string::npos) << "no ping was sent";
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    EXPECT_TRUE(recorder_.wait([&] { return recorder_.closed == 1; }));
}

TEST_F(WebSocketServerTest, StopClosesWebSocketsWithGoingAway) {
    start();
    WsClient client(port_);
    ASSERT_FALSE(client.handshake("/ws"));
    ASSERT_TRUE(recorder_.connection());
    server_->stop();
    EXPECT_EQ(client.read_until_closed(), 1001);
    thread_.join();  // run() returns: nothing is left on the io threads
    EXPECT_EQ(recorder_.closed, 1);
}

TEST_F(WebSocketServerTest, ManyConnectionsEachGetTheirOwnMessages) {
    start();
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < 20; ++i) {
        clients.push_back(std::make_unique<WsClient>(port_));
        ASSERT_FALSE(clients.back()->handshake("/ws"));
    }
    for (int i = 0; i < 20; ++i) ASSERT_FALSE(clients[i]->write("c" + std::to_string(i)));
    for (int i = 0; i < 20; ++i) EXPECT_EQ(clients[i]->read().text, "echo:c" + std::to_string(i));
}

}  // namespace
}  // namespace todoai::http

// One event stream on the server, after server.cpp got a stream response from a handler. The same shape as a
// WebSocket connection (websocket_connection.cpp): a queue of shared frames behind a mutex with one write in flight,
// capped in frames and bytes (full -> the response ends; the client reconnects with Last-Event-ID), plus a reader
// that only notices the client going away (a client sends nothing on an event stream), and a heartbeat comment that
// keeps proxies from timing the response out and finds a client that stopped reading.
#include "runtime/http/event_stream_connection.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <mutex>
#include <vector>

#include "runtime/http/push_connection.hpp"
#include "runtime/log/log.hpp"

namespace todoai::http::detail {
namespace {

namespace net = boost::asio;

constexpr auto kAwait = net::as_tuple(net::use_awaitable);
constexpr std::chrono::seconds kHeadTimeout{5};  // to write the head and the first comment
// After the response ends (a half-close), the client's own close is awaited this long, as after Connection: close.
constexpr std::chrono::milliseconds kLinger{500};
constexpr std::size_t kMaxClientBytes = 64 * 1024;  // a client that keeps sending on a stream is not a stream client

class StreamConnection final : public ServerWebSocket, public std::enable_shared_from_this<StreamConnection> {
  public:
    StreamConnection(WebSocketSocket socket, std::string head, const EventStream& stream, WebSocketEnded on_end)
        : socket_(std::move(socket)),
          head_(std::move(head)),
          session_(stream.session),
          options_(stream.options),
          on_end_(std::move(on_end)),
          heartbeat_(socket_.get_executor()),
          linger_(socket_.get_executor()) {}

    void start() { net::co_spawn(socket_.get_executor(), run(shared_from_this()), net::detached); }

    using WebSocketConnection::send;
    bool send(std::shared_ptr<const std::string> frame) override {
        if (!frame) return false;
        std::unique_lock lock(mutex_);
        if (closing_) return false;
        if (queued_ >= options_.send_queue_limit || bytes_.would_exceed(frame->size())) {
            log::warn("event stream closed: the client does not keep up (send queue full)");
            closing_ = true;
            drop_pending();
            const bool end_now = !writing_;
            lock.unlock();
            if (end_now) post_end();
            return false;
        }
        bytes_.add(frame->size());
        pending_.push_back(std::move(frame));
        ++queued_;
        if (writing_) return true;
        writing_ = true;
        lock.unlock();
        net::co_spawn(socket_.get_executor(), write_loop(shared_from_this()), net::detached);
        return true;
    }

    // The code and reason have no place in an event stream: what is queued is written, then the response ends.
    void close(int, std::string) override {
        std::unique_lock lock(mutex_);
        if (closing_) return;
        closing_ = true;
        const bool end_now = !writing_;
        lock.unlock();
        if (end_now) post_end();
    }

    void abort() override {
        net::post(socket_.get_executor(), [self = shared_from_this()] { self->shut(); });
    }

  private:
    net::awaitable<void> run(std::shared_ptr<StreamConnection> self);
    net::awaitable<void> write_loop(std::shared_ptr<StreamConnection> self);
    net::awaitable<void> heartbeat_loop(std::shared_ptr<StreamConnection> self);
    void post_end() {
        net::post(socket_.get_executor(), [self = shared_from_this()] { self->end_response(); });
    }
    void end_response();
    void shut() {
        boost::system::error_code ignored;
        socket_.close(ignored);
    }
    void ended();

    void drop_pending() {
        std::size_t bytes = 0;
        for (const auto& frame : pending_) bytes += frame->size();
        pending_.clear();
        queued_ = in_flight_;
        bytes_.release(bytes);
    }

    WebSocketSocket socket_;
    std::string head_;                           // the response head and the stream's first lines; freed once written
    std::shared_ptr<WebSocketSession> session_;  // reset when the stream ends (the session may hold us)
    EventStreamOptions options_;
    WebSocketEnded on_end_;

    std::mutex mutex_;  // guards the send side below; never held across a callback or an await
    std::vector<std::shared_ptr<const std::string>> pending_;
    std::size_t queued_ = 0;     // pending_ plus the batch being written
    std::size_t in_flight_ = 0;  // frames of the batch being written
    QueuedBytes bytes_{options_.send_queue_bytes, WebSocketOptions{}.send_queue_total_bytes};  // one budget for both
    bool writing_ = false;
    bool closing_ = false;
    std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();  // a write completed

    // On the strand only.
    net::steady_timer heartbeat_;
    net::steady_timer linger_;  // its own timer: the heartbeat loop may (re)arm heartbeat_ after the response ended
    bool open_ = false;
    bool done_ = false;
};

net::awaitable<void> StreamConnection::run(std::shared_ptr<StreamConnection> self) {
    try {
        // The head, then a comment and the reconnection delay: the client sees the stream open at once.
        head_ += ": todoai event stream\nretry: " + std::to_string(options_.retry.count()) + "\n\n";
        net::steady_timer deadline(socket_.get_executor(), kHeadTimeout);
        deadline.async_wait([this](boost::system::error_code ec) {
            if (!ec && !open_) shut();
        });
        auto [ec, n] = co_await net::async_write(socket_, net::buffer(head_), kAwait);
        deadline.cancel();
        head_ = std::string();
        if (!ec && socket_.is_open()) {
            open_ = true;
            {
                std::lock_guard lock(mutex_);
                last_write_ = std::chrono::steady_clock::now();
            }
            session_->on_open(self);
            if (options_.heartbeat.count() > 0)
                net::co_spawn(socket_.get_executor(), heartbeat_loop(self), net::detached);
            std::array<char, 512> sink;
            std::size_t received = 0;
            for (;;) {
                auto [read_ec, got] = co_await socket_.async_read_some(net::buffer(sink), kAwait);
                if (read_ec) break;  // the client went away, or we ended the response
                received += got;
                if (received > kMaxClientBytes) break;
            }
        }
    } catch (const std::exception& e) {
        log::error(std::string("event stream failed: ") + e.what());
    }
    ended();
}

net::awaitable<void> StreamConnection::write_loop(std::shared_ptr<StreamConnection> self) {
    std::vector<std::shared_ptr<const std::string>> batch;
    std::vector<net::const_buffer> buffers;
    for (;;) {
        bool end_now = false;
        {
            std::lock_guard lock(mutex_);
            if (pending_.empty() || done_) {
                writing_ = false;
                end_now = closing_;
            } else {
                batch.swap(pending_);
                in_flight_ = batch.size();
            }
        }
        if (batch.empty()) {
            if (end_now) end_response();
            co_return;
        }
        buffers.clear();
        std::size_t bytes = 0;
        for (const auto& frame : batch) {
            buffers.emplace_back(net::buffer(*frame));
            bytes += frame->size();
        }
        auto [ec, n] = co_await net::async_write(socket_, buffers, kAwait);
        batch.clear();
        std::lock_guard lock(mutex_);
        queued_ -= in_flight_;
        in_flight_ = 0;
        bytes_.release(bytes);
        last_write_ = std::chrono::steady_clock::now();
        if (ec) {
            closing_ = true;
            drop_pending();
        }
        (void)self;
    }
}

// A comment after a quiet `heartbeat`; a write stuck for two heartbeats is a client that stopped reading.
net::awaitable<void> StreamConnection::heartbeat_loop(std::shared_ptr<StreamConnection> self) {
    static const auto comment = std::make_shared<const std::string>(": keep-alive\n\n");
    for (;;) {
        heartbeat_.expires_after(options_.heartbeat);
        auto [ec] = co_await heartbeat_.async_wait(kAwait);
        if (ec || done_) co_return;
        bool quiet = false;
        bool stuck = false;
        {
            std::lock_guard lock(mutex_);
            const auto since = std::chrono::steady_clock::now() - last_write_;
            stuck = writing_ && since >= 2 * options_.heartbeat;
            quiet = !writing_ && since >= options_.heartbeat;
        }
        if (stuck) {
            log::warn("event stream closed: the client stopped reading");
            shut();
            co_return;
        }
        if (quiet) send(comment);
    }
    (void)self;
}

// After the last queued frame: a half-close ends the response; the reader then sees the client close.
void StreamConnection::end_response() {
    if (done_) return;
    boost::system::error_code ignored;
    socket_.shutdown(net::socket_base::shutdown_send, ignored);
    linger_.expires_after(kLinger);  // a client that does not close its side in time is cut off
    linger_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->shut();
    });
}

void StreamConnection::ended() {
    done_ = true;
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        drop_pending();
        queued_ = 0;
        bytes_.release_all_and_trim();
    }
    shut();
    heartbeat_.cancel();
    linger_.cancel();
    end_session(session_, open_, on_end_, this, "event stream");
}

}  // namespace

std::shared_ptr<ServerWebSocket> start_event_stream(WebSocketSocket socket,
                                                    std::string head,
                                                    const EventStream& stream,
                                                    WebSocketEnded on_end) {
    auto connection = std::make_shared<StreamConnection>(std::move(socket), std::move(head), stream, std::move(on_end));
    connection->start();
    return connection;
}

}  // namespace todoai::http::detail

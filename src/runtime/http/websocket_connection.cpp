// One WebSocket connection on the server (Beast), after server.cpp saw an accepted upgrade request.
// Reading: one coroutine per connection, on the socket's strand; Beast enforces read_message_max (close 1009) and
// the protocol (1002, 1007); we close binary messages (1003) and floods (1008). Heartbeat: Beast's idle timeout with
// keep-alive pings (a ping after `heartbeat` without incoming data, the socket closed after another `heartbeat`).
// Writing: chat-multi's queue with one write in flight, plus a cap: send() may come from any thread, so the queue
// sits behind a mutex, and a write coroutine runs only while there is something to write (an idle connection
// holds no write state). A full queue drops what is queued and closes with 1008.
#include "runtime/http/websocket_connection.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/http/push_connection.hpp"
#include "runtime/log/log.hpp"

namespace todoai::http::detail {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;

constexpr auto kAwait = net::as_tuple(net::use_awaitable);
// The opening and closing handshakes get this long; a closing peer that never answers (or never reads, so our close
// frame cannot be written) is cut off after it.
constexpr std::chrono::seconds kHandshakeTimeout{5};
// A message buffer grown by a big message is given back afterwards, so idle connections stay small.
constexpr std::size_t kKeepBufferBytes = 4096;
constexpr std::size_t kMaxReasonBytes = 123;  // RFC 6455 §5.5: control frame payload ≤ 125 bytes, 2 for the code
class Connection final : public ServerWebSocket, public std::enable_shared_from_this<Connection> {
  public:
    Connection(WebSocketSocket socket, WebSocketAccept accept, const WebSocketOptions& options, WebSocketEnded on_end)
        : ws_(std::move(socket)),
          session_(std::move(accept.session)),
          subprotocol_(std::move(accept.subprotocol)),
          options_(options),
          on_end_(std::move(on_end)),
          bytes_(options.send_queue_bytes, options.send_queue_total_bytes) {}

    void start(const Request& request) {
        bhttp::request<bhttp::empty_body> upgrade{bhttp::verb::get, request.target, 11};
        for (const auto& [name, value] : request.headers) upgrade.insert(name, value);
        net::co_spawn(ws_.get_executor(), run(shared_from_this(), std::move(upgrade)), net::detached);
    }

    using WebSocketConnection::send;
    bool send(std::shared_ptr<const std::string> frame) override {
        if (!frame) return false;
        std::unique_lock lock(mutex_);
        if (closing_) return false;
        if (queued_ >= options_.send_queue_limit || bytes_.would_exceed(frame->size())) {
            // The client does not keep up: what is queued is dropped and the close frame goes next.
            closing_ = true;
            close_code_ = static_cast<int>(websocket::close_code::policy_error);
            close_text_ = "send queue full";
            pending_.clear();
            bytes_.release(bytes_.held());
            const bool start_close_now = !writing_;
            lock.unlock();
            if (start_close_now) post_close();
            return false;
        }
        bytes_.add(frame->size());
        pending_.push_back(std::move(frame));
        ++queued_;
        if (writing_) return true;
        writing_ = true;
        lock.unlock();
        net::co_spawn(ws_.get_executor(), write_loop(shared_from_this()), net::detached);
        return true;
    }

    // What is already queued is written first, then the close frame.
    void close(int code, std::string reason) override {
        std::unique_lock lock(mutex_);
        if (closing_) return;
        closing_ = true;
        close_code_ = code;
        close_text_ = std::move(reason);
        const bool start_close_now = !writing_;
        lock.unlock();
        if (start_close_now) post_close();
    }

    void abort() override {
        net::post(ws_.get_executor(), [self = shared_from_this()] { self->force_close(); });
    }

  private:
    net::awaitable<void> run(std::shared_ptr<Connection> self, bhttp::request<bhttp::empty_body> upgrade);
    net::awaitable<void> write_loop(std::shared_ptr<Connection> self);
    net::awaitable<void> await_close();
    bool flooding();
    bool closing_requested() {
        std::lock_guard lock(mutex_);
        return closing_;
    }
    void post_close() {
        net::post(ws_.get_executor(), [self = shared_from_this()] { self->start_close(); });
    }
    void start_close();
    void force_close();
    void ended();

    websocket::stream<WebSocketSocket> ws_;
    std::shared_ptr<WebSocketSession> session_;  // reset when the connection ends (the session may hold us)
    std::string subprotocol_;
    WebSocketOptions options_;
    WebSocketEnded on_end_;

    std::mutex mutex_;  // guards the send side below; never held across a callback or an await
    std::vector<std::shared_ptr<const std::string>> pending_;  // not yet handed to Beast
    std::size_t queued_ = 0;                                   // pending_ plus the batch being written
    QueuedBytes bytes_;                                        // of pending_ plus the batch being written
    bool writing_ = false;                                     // a write_loop is running
    bool closing_ = false;  // close requested: send() refuses, the close frame follows the queue
    int close_code_ = 0;
    std::string close_text_;

    // On the strand only.
    bool open_ = false;           // the opening handshake succeeded
    bool close_started_ = false;  // async_close issued
    bool done_ = false;           // the read loop ended
    std::shared_ptr<net::steady_timer> close_deadline_;
    // Beast 1.81 deadlocks a read that fails the connection (a protocol error, a message too big, bad UTF-8) while our
    // async_close waits for the read lock: each waits for the other's lock and neither touches the socket, so
    // closing the socket does not end them (found by tests/fuzz/runtime/http/websocket_frame_fuzz). Both waits
    // accept terminal cancellation, which force_close() sends through these.
    net::cancellation_signal read_cancel_;
    net::cancellation_signal close_cancel_;
    std::shared_ptr<net::steady_timer> close_wait_;  // the read loop waits on it for async_close (await_close)
    std::chrono::steady_clock::time_point window_start_{};
    int window_messages_ = 0;
};

net::awaitable<void> Connection::run(std::shared_ptr<Connection> self, bhttp::request<bhttp::empty_body> upgrade) {
    websocket::stream_base::timeout timeouts;
    timeouts.handshake_timeout = kHandshakeTimeout;
    if (options_.heartbeat.count() > 0) {
        timeouts.idle_timeout = 2 * options_.heartbeat;
        timeouts.keep_alive_pings = true;
    } else {
        timeouts.idle_timeout = websocket::stream_base::none();
        timeouts.keep_alive_pings = false;
    }
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([this](websocket::response_type& res) {
        res.set(bhttp::field::server, "todoai");
        if (!subprotocol_.empty()) res.set(bhttp::field::sec_websocket_protocol, subprotocol_);
    }));
    ws_.read_message_max(options_.max_message_bytes);
    ws_.auto_fragment(false);
    ws_.text(true);

    try {
        auto [accept_ec] = co_await ws_.async_accept(upgrade, kAwait);
        upgrade = {};
        subprotocol_ = std::string();  // the decorator ran; give the bytes back
        if (!accept_ec) {
            open_ = true;
            session_->on_open(self);
            // A close() requested during on_open (or a refusal to serve) is honoured now that the stream is open.
            bool close_now = false;
            {
                std::lock_guard lock(mutex_);
                close_now = closing_ && !writing_;
            }
            if (close_now) start_close();

            beast::flat_buffer buffer;
            for (;;) {
                auto [ec, n] =
                    co_await ws_.async_read(buffer, net::bind_cancellation_slot(read_cancel_.slot(), kAwait));
                if (ec) break;  // closed by either side, 1009/1002/1007 sent by Beast, timeout, reset, abort
                if (!close_started_ && !closing_requested()) {
                    if (!ws_.got_text()) {
                        close(static_cast<int>(websocket::close_code::unknown_data), "only text messages are accepted");
                        co_await await_close();
                        break;
                    } else if (flooding()) {
                        close(static_cast<int>(websocket::close_code::policy_error), "too many messages");
                        co_await await_close();
                        break;
                    } else {
                        const auto data = buffer.cdata();
                        session_->on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
                    }
                }
                buffer.clear();
                if (buffer.capacity() > kKeepBufferBytes) buffer.shrink_to_fit();
            }
        }
    } catch (const std::exception& e) {
        log::error(std::string("websocket connection failed: ") + e.what());
    }
    ended();
}

// The read loop closes the connection itself (a binary message, a flood): it reads no more and waits for the closing
// handshake, which reads the peer's answer on its own, so no read of ours is pending to deadlock with it
// (read_cancel_). Bounded by twice the handshake timeout, for a close frame that cannot even start (a write stuck
// behind a peer that does not read).
net::awaitable<void> Connection::await_close() {
    close_wait_ = std::make_shared<net::steady_timer>(ws_.get_executor(), 2 * kHandshakeTimeout);
    auto [ec] = co_await close_wait_->async_wait(kAwait);
    if (!ec) force_close();
}

bool Connection::flooding() {
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::seconds(1)) {
        window_start_ = now;
        window_messages_ = 0;
    }
    return ++window_messages_ > options_.max_client_messages_per_second;
}

net::awaitable<void> Connection::write_loop(std::shared_ptr<Connection> self) {
    std::vector<std::shared_ptr<const std::string>> batch;
    for (;;) {
        bool close_now = false;
        {
            std::lock_guard lock(mutex_);
            if (pending_.empty() || done_) {
                writing_ = false;
                close_now = closing_;
            } else {
                batch.swap(pending_);
            }
        }
        if (batch.empty()) {
            if (close_now) start_close();
            co_return;
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (close_started_ || done_) break;  // Beast allows no write after the close frame
            auto [ec, n] = co_await ws_.async_write(net::buffer(*batch[i]), kAwait);
            std::lock_guard lock(mutex_);
            --queued_;
            bytes_.release(batch[i]->size());
            batch[i].reset();  // the last connection to write a shared frame frees it now, not after the batch
            if (ec) {
                closing_ = true;
                pending_.clear();
                break;
            }
        }
        {
            std::lock_guard lock(mutex_);
            queued_ = pending_.size();
            std::size_t still = 0;
            for (const auto& frame : pending_) still += frame->size();
            bytes_.release(bytes_.held() - still);  // frames of the batch that were never written
        }
        batch.clear();
        (void)self;
    }
}

void Connection::start_close() {
    if (close_started_ || done_ || !open_) return;
    close_started_ = true;
    websocket::close_reason reason;
    {
        std::lock_guard lock(mutex_);
        reason.code = static_cast<websocket::close_code>(close_code_);
        const auto length = std::min(close_text_.size(), kMaxReasonBytes);
        reason.reason.assign(close_text_.data(), length);
    }
    ws_.async_close(reason,
                    net::bind_cancellation_slot(close_cancel_.slot(), [self = shared_from_this()](beast::error_code) {
                        if (self->close_wait_) self->close_wait_->cancel();
                    }));
    // Beast's closing timeout only starts once the close frame is written; a peer that stopped reading keeps the
    // frame behind a stuck write forever. This deadline covers both.
    close_deadline_ = std::make_shared<net::steady_timer>(ws_.get_executor(), kHandshakeTimeout);
    close_deadline_->async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec || self->done_) return;
        self->force_close();
    });
}

// On the strand. The socket's close ends every operation waiting on the socket; the cancellations end those Beast
// keeps waiting on each other (see read_cancel_), so the read loop always finishes and ended() runs.
void Connection::force_close() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
    read_cancel_.emit(net::cancellation_type::terminal);
    close_cancel_.emit(net::cancellation_type::terminal);
}

void Connection::ended() {
    done_ = true;
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        pending_.clear();
        queued_ = 0;
        bytes_.release_all_and_trim();
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).close(ignored);
    // Beast's idle/closing timer would otherwise stay armed (keeping run() busy) while a session still holds us.
    ws_.set_option(
        websocket::stream_base::timeout{websocket::stream_base::none(), websocket::stream_base::none(), false});
    if (close_deadline_) close_deadline_->cancel();
    end_session(session_, open_, on_end_, this, "websocket");
}

}  // namespace

std::shared_ptr<ServerWebSocket> start_websocket(WebSocketSocket socket,
                                                 const Request& request,
                                                 WebSocketAccept accept,
                                                 const WebSocketOptions& options,
                                                 WebSocketEnded on_end) {
    auto connection = std::make_shared<Connection>(std::move(socket), std::move(accept), options, std::move(on_end));
    connection->start(request);
    return connection;
}

}  // namespace todoai::http::detail

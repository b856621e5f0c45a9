#pragma once
// Internal to runtime/http: what every push connection (WebSocket, event stream) shares. Queued bytes, counted in one
// process-wide total so many slow readers together cannot pin the process's memory, with a way to hand freed memory
// back after a slow reader that held a lot is gone; and how a connection that ended tells its session and the server.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string_view>

#include "runtime/http/websocket_connection.hpp"

namespace todoai::http::detail {

/// Bytes queued by all push connections together.
std::atomic<std::size_t>& queued_bytes_total();

/// Gives freed heap back to the system (malloc_trim), at most once a second, on a thread of its own so no io thread
/// waits for it.
void request_trim();

/// One connection's queued bytes, counted in the process-wide total as well. Not thread-safe: the connection's send
/// mutex guards it.
class QueuedBytes {
  public:
    QueuedBytes(std::size_t limit, std::size_t total_limit) : limit_(limit), total_limit_(total_limit) {}
    ~QueuedBytes() { release(held_); }
    QueuedBytes(const QueuedBytes&) = delete;
    QueuedBytes& operator=(const QueuedBytes&) = delete;

    /// Adding `n` would pass this connection's limit, or the total's while this connection lags (only lagging
    /// connections are refused when the total is spent: one slow reader does not cost the others).
    bool would_exceed(std::size_t n) const {
        if (held_ + n > limit_) return true;
        return held_ > kLaggingBytes && queued_bytes_total().load(std::memory_order_relaxed) + n > total_limit_;
    }
    void add(std::size_t n) {
        held_ += n;
        peak_ = std::max(peak_, held_);
        queued_bytes_total().fetch_add(n, std::memory_order_relaxed);
    }
    void release(std::size_t n) {
        n = std::min(n, held_);
        held_ -= n;
        queued_bytes_total().fetch_sub(n, std::memory_order_relaxed);
    }
    std::size_t held() const { return held_; }

    /// When the connection ends: frames queued for one slow reader are freed in small pieces that glibc keeps in its
    /// arenas (RSS stayed at 0.5-1.7 GiB after 200 slow readers were closed), so one that held much asks for them back.
    void release_all_and_trim() {
        release(held_);
        if (peak_ > kTrimAfterBytes) request_trim();
    }

  private:
    static constexpr std::size_t kLaggingBytes = 64 * 1024;
    static constexpr std::size_t kTrimAfterBytes = 1 << 20;

    std::size_t limit_;
    std::size_t total_limit_;
    std::size_t held_ = 0;
    std::size_t peak_ = 0;
};

/// The last step of a connection that ended (on its strand, once): the session hears on_close() if it was opened
/// (an exception is logged as `kind`'s, never thrown into the io loop), the connection lets go of it (the session
/// may hold the connection), and the server forgets the connection.
void end_session(std::shared_ptr<WebSocketSession>& session,
                 bool opened,
                 WebSocketEnded& on_end,
                 ServerWebSocket* connection,
                 std::string_view kind);

}  // namespace todoai::http::detail

#include "runtime/http/push_connection.hpp"

#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <thread>

#include "runtime/log/log.hpp"

namespace todoai::http::detail {

std::atomic<std::size_t>& queued_bytes_total() {
    static std::atomic<std::size_t> total{0};
    return total;
}

// malloc_trim walks every arena, hence the rate limit and the thread.
void request_trim() {
    static std::atomic<std::int64_t> last{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto previous = last.load(std::memory_order_relaxed);
    if (now - previous < std::chrono::steady_clock::duration(std::chrono::seconds(1)).count()) return;
    if (!last.compare_exchange_strong(previous, now)) return;
    std::thread([] { ::malloc_trim(0); }).detach();
}

void end_session(std::shared_ptr<WebSocketSession>& session,
                 bool opened,
                 WebSocketEnded& on_end,
                 ServerWebSocket* connection,
                 std::string_view kind) {
    if (opened && session) {
        try {
            session->on_close();
        } catch (const std::exception& e) {
            log::error(std::string(kind) + " session on_close failed: " + e.what());
        }
    }
    session.reset();
    if (on_end) on_end(connection);
    on_end = nullptr;
}

}  // namespace todoai::http::detail

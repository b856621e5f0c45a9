#include "runtime/http/send_budget.hpp"

#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <thread>

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

}  // namespace todoai::http::detail

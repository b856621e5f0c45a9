#pragma once
// Helpers for the event-driven end-to-end tests: bounded polling of an HTTP endpoint, whole-list paging, timestamps.
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/time.hpp"
#include "support/http_client.hpp"

namespace todoai::testing {

/// Calls `done` every `interval` until it returns true or `deadline` passes; returns the last answer. Cross-process
/// effects (an event reaching the audit trail, a reminder firing) are awaited this way, never by a bare sleep.
inline bool poll_until(std::chrono::milliseconds deadline,
                       const std::function<bool()>& done,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(10)) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        if (done()) return true;
        if (std::chrono::steady_clock::now() >= end) return false;
        std::this_thread::sleep_for(interval);
    }
}

inline Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

inline Timestamp ts(const boost::json::value& v) {
    auto parsed = parse_rfc3339(std::string_view(v.as_string()));
    if (!parsed) throw std::runtime_error("not an RFC 3339 timestamp: " + boost::json::serialize(v));
    return *parsed;
}

/// GETs `path` (which may already carry a query) page by page (limit=200, following X-Next-Cursor) and returns every
/// item. Throws on a non-200 answer so a broken endpoint cannot look like an empty list.
inline std::vector<boost::json::object> fetch_all(HttpClient& client, const std::string& token, const std::string& path) {
    std::vector<boost::json::object> out;
    std::string cursor;
    const char sep = path.find('?') == std::string::npos ? '?' : '&';
    for (int page = 0; page < 10000; ++page) {
        std::string target = path + sep + "limit=200";
        if (!cursor.empty()) target += "&cursor=" + cursor;
        auto res = client.authed("GET", target, token);
        if (res.status != 200) throw std::runtime_error("GET " + target + " -> " + std::to_string(res.status) + " " + res.body);
        const auto json = res.json();
        for (const auto& item : json.as_array()) out.push_back(item.as_object());
        cursor = res.header("x-next-cursor");
        if (cursor.empty()) return out;
    }
    throw std::runtime_error("GET " + path + ": cursor never ended");
}

}  // namespace todoai::testing

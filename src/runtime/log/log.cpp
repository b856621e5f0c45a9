#include "runtime/log/log.hpp"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>

#include "runtime/log/buffered_fd_sink.hpp"

namespace todoai::log {
namespace {

constexpr std::chrono::seconds kFlushInterval{1};  // spdlog's periodic flusher counts whole seconds

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::debug:
            return spdlog::level::debug;
        case Level::info:
            return spdlog::level::info;
        case Level::warn:
            return spdlog::level::warn;
        case Level::error:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::warn:
            return "warn";
        case spdlog::level::err:
            return "error";
        default:
            return "info";
    }
}

// Created on first use so logging before init() works (at info); init() only changes the level.
const std::shared_ptr<spdlog::logger>& shared_logger() {
    static const std::shared_ptr<spdlog::logger> instance = [] {
        auto sink = std::make_shared<BufferedFdSink>(STDERR_FILENO);
        auto l = std::make_shared<spdlog::logger>("todoai", std::move(sink));
        l->set_pattern("%v");
        l->set_level(spdlog::level::info);
        // Problems reach the terminal at once; info lines (the access log) within kFlushInterval.
        l->flush_on(spdlog::level::warn);
        return l;
    }();
    return instance;
}

spdlog::logger& logger() { return *shared_logger(); }

using Buffer = fmt::memory_buffer;

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    std::uint32_t cp = c & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

// A JSON string literal; invalid UTF-8 (possible in decoded request paths) becomes U+FFFD.
void append_string(Buffer& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            if (const auto len = utf8_length(s, i)) {
                out.append(s.data() + i, s.data() + i + len);
                i += len;
            } else {
                out.append(std::string_view("\\ufffd"));
                ++i;
            }
            continue;
        }
        switch (c) {
            case '"':
                out.append(std::string_view("\\\""));
                break;
            case '\\':
                out.append(std::string_view("\\\\"));
                break;
            case '\n':
                out.append(std::string_view("\\n"));
                break;
            case '\r':
                out.append(std::string_view("\\r"));
                break;
            case '\t':
                out.append(std::string_view("\\t"));
                break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
                    out.append(esc, esc + sizeof esc);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
        ++i;
    }
    out.push_back('"');
}

// "2024-05-01T12:00:00.123Z"; the part up to the seconds is cached per thread.
void append_timestamp(Buffer& out) {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const auto secs = time_point_cast<seconds>(now);
    const auto ms = duration_cast<milliseconds>(now - secs).count();
    thread_local std::int64_t cached_secs = -1;
    thread_local char cached[24];
    const auto s = secs.time_since_epoch().count();
    if (s != cached_secs) {
        const std::time_t t = static_cast<std::time_t>(s);
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
        cached_secs = s;
    }
    out.push_back('"');
    out.append(std::string_view(cached));
    fmt::format_to(std::back_inserter(out), ".{:03}Z\"", ms);
}

void begin(Buffer& out, spdlog::level::level_enum level, std::string_view message) {
    out.append(std::string_view("{\"ts\":"));
    append_timestamp(out);
    out.append(std::string_view(",\"level\":\""));
    out.append(level_name(level));
    out.append(std::string_view("\",\"msg\":"));
    append_string(out, message);
}

void emit(spdlog::logger& l, spdlog::level::level_enum level, Buffer& out) {
    out.push_back('}');
    l.log(level, spdlog::string_view_t(out.data(), out.size()));
}

void write(spdlog::level::level_enum level, std::string_view message) {
    auto& l = logger();
    if (!l.should_log(level)) return;
    Buffer out;
    begin(out, level, message);
    emit(l, level, out);
}

}  // namespace

void init(Level level) {
    logger().set_level(to_spdlog(level));
    static std::once_flag flusher;
    std::call_once(flusher, [] {
        spdlog::register_logger(shared_logger());  // the periodic flusher walks the registry
        spdlog::flush_every(kFlushInterval);
    });
}

void flush() { logger().flush(); }

bool parse_level(std::string_view text, Level& out) {
    if (text == "debug") {
        out = Level::debug;
    } else if (text == "info") {
        out = Level::info;
    } else if (text == "warn" || text == "warning") {
        out = Level::warn;
    } else if (text == "error") {
        out = Level::error;
    } else {
        return false;
    }
    return true;
}

void debug(std::string_view message) { write(spdlog::level::debug, message); }
void info(std::string_view message) { write(spdlog::level::info, message); }
void warn(std::string_view message) { write(spdlog::level::warn, message); }
void error(std::string_view message) { write(spdlog::level::err, message); }

void request(std::string_view method,
             std::string_view path,
             std::string_view route,
             int status,
             std::chrono::nanoseconds duration,
             std::string_view request_id) {
    auto& l = logger();
    if (!l.should_log(spdlog::level::info)) return;
    Buffer out;
    begin(out, spdlog::level::info, "request");
    out.append(std::string_view(",\"method\":"));
    append_string(out, method);
    out.append(std::string_view(",\"path\":"));
    append_string(out, path);
    out.append(std::string_view(",\"route\":"));
    append_string(out, route);
    fmt::format_to(std::back_inserter(out), ",\"status\":{},\"duration_ms\":{:.3f},\"request_id\":", status,
                   static_cast<double>(duration.count()) / 1e6);
    append_string(out, request_id);
    emit(l, spdlog::level::info, out);
}

}  // namespace todoai::log

#pragma once
// JSON-lines logging on spdlog: one object per line on stderr {"ts","level","msg",...fields}.
#include <chrono>
#include <string_view>

namespace todoai::log {

enum class Level { debug, info, warn, error };

/// Sets up the process logger and its periodic flusher (a thread: call it after the signal mask is set). Lines are
/// buffered: warnings and errors are written at once, the rest within a second, and on flush().
void init(Level level);
/// Writes out buffered lines (before exit, and in tests).
void flush();
bool parse_level(std::string_view text, Level& out);

void debug(std::string_view message);
void info(std::string_view message);
void warn(std::string_view message);
void error(std::string_view message);

/// The access log line:
/// {"ts","level":"info","msg":"request","method","path","route","status","duration_ms","request_id"}.
void request(std::string_view method,
             std::string_view path,
             std::string_view route,
             int status,
             std::chrono::nanoseconds duration,
             std::string_view request_id);

}  // namespace todoai::log

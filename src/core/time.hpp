#pragma once
// RFC 3339 timestamps and ISO 8601 durations, as the API and the events carry them.
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace todoai {

/// Parses an RFC 3339 date-time ("2026-02-08T10:00:00Z", "2026-02-08T12:00:00.5+02:00"); the offset is applied
/// so the result is UTC. Requires a time zone designator; rejects impossible dates (Feb 30, hour 24, ...).
/// Fractions beyond milliseconds are truncated. Accepts 'T'/'t' as separator and 'Z'/'z' or ±hh:mm as offset;
/// years 0001..9999 (also after applying the offset); a leap second (":60") is rejected.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

/// Formats as "2026-02-08T10:00:00.000Z" (always UTC, always milliseconds), so strings sort like instants.
/// Instants outside years 0000..9999 are clamped to that range, so the result is always 24 characters.
std::string format_rfc3339(Timestamp t);

inline constexpr std::size_t kRfc3339Length = 24;

/// format_rfc3339 into a caller's buffer, for hot paths that build JSON without a temporary string.
void format_rfc3339(Timestamp t, std::span<char, kRfc3339Length> out);

/// Parses an ISO 8601 duration of days and time ("PT15M", "P1D", "P1DT2H30M", "PT90S"). Years, months and
/// weeks are rejected (their length depends on the calendar); negative durations are rejected.
std::optional<std::chrono::milliseconds> parse_iso8601_duration(std::string_view text);

/// Largest duration parse_iso8601_duration accepts (366 days), so sums with timestamps cannot overflow.
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::days{366};

/// Formats a non-negative duration in the form parse_iso8601_duration reads back ("PT15M", "P1DT2H", "PT0.5S",
/// "PT0S"). Negative durations are formatted as "PT0S".
std::string format_iso8601_duration(std::chrono::milliseconds d);

}  // namespace todoai

#pragma once
// RFC 3339 timestamps and ISO 8601 durations, as the API and the events carry them.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace todoai {

/// Parses an RFC 3339 date-time ("2026-02-08T10:00:00Z", "2026-02-08T12:00:00.5+02:00"); the offset is applied
/// so the result is UTC. Requires a time zone designator; rejects impossible dates (Feb 30, hour 24, ...).
/// Fractions beyond milliseconds are truncated.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

/// Formats as "2026-02-08T10:00:00.000Z" (always UTC, always milliseconds), so strings sort like instants.
std::string format_rfc3339(Timestamp t);

/// Parses an ISO 8601 duration of days and time ("PT15M", "P1D", "P1DT2H30M", "PT90S"). Years, months and
/// weeks are rejected (their length depends on the calendar); negative durations are rejected.
std::optional<std::chrono::milliseconds> parse_iso8601_duration(std::string_view text);

}  // namespace todoai

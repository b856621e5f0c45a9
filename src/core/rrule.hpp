#pragma once
// Syntactic check of RFC 5545 RRULE values as clients send them; the recurrence engine does the calendar math.
#include <optional>
#include <string>
#include <string_view>

namespace todoai {

/// Drops an optional leading "RRULE:" (any case), the form some clients copy from iCalendar files.
std::string_view strip_rrule_prefix(std::string_view text);

/// nullopt when `value` (without the "RRULE:" prefix) is a syntactically valid RRULE: ';'-separated NAME=VALUE
/// parts, names among RFC 5545's rule parts (case-insensitive) and each at most once, FREQ present and one of
/// SECONDLY..YEARLY, COUNT and INTERVAL positive integers, not both COUNT and UNTIL, and every value within
/// RFC 5545's range (UNTIL a real date or UTC time, BYHOUR 0..23, BYDAY weekdays, ...): a value libical cannot
/// read would otherwise be stored and silently end the series. Otherwise what is wrong, naming the part.
std::optional<std::string> rrule_syntax_error(std::string_view value);

}  // namespace todoai

#include "core/rrule.hpp"

#include <array>
#include <cstdint>

namespace todoai {

namespace {

constexpr std::array<std::string_view, 14> kParts{"FREQ",     "UNTIL",   "COUNT",    "INTERVAL",   "BYSECOND",
                                                  "BYMINUTE", "BYHOUR",  "BYDAY",    "BYMONTHDAY", "BYYEARDAY",
                                                  "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST"};
constexpr std::array<std::string_view, 7> kFreqs{"SECONDLY", "MINUTELY", "HOURLY", "DAILY",
                                                 "WEEKLY",   "MONTHLY",  "YEARLY"};

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (upper(a[i]) != upper(b[i])) return false;
    }
    return true;
}

bool is_positive_integer(std::string_view v) {
    if (v.empty() || v.size() > 9 || v[0] == '0') return false;
    for (char c : v) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

}  // namespace

std::string_view strip_rrule_prefix(std::string_view text) {
    constexpr std::string_view kPrefix = "RRULE:";
    if (text.size() >= kPrefix.size() && iequals(text.substr(0, kPrefix.size()), kPrefix))
        text.remove_prefix(kPrefix.size());
    return text;
}

std::optional<std::string> rrule_syntax_error(std::string_view value) {
    if (value.empty()) return "must not be empty";
    std::uint32_t seen = 0;  // bit i set when kParts[i] appeared
    std::string_view freq;
    std::string_view rest = value;
    while (true) {
        const auto semi = rest.find(';');
        const std::string_view part = rest.substr(0, semi);
        const auto eq = part.find('=');
        if (eq == std::string_view::npos || eq == 0 || eq + 1 == part.size())
            return "each part must be NAME=VALUE, got '" + std::string(part) + "'";
        const std::string_view name = part.substr(0, eq);
        const std::string_view val = part.substr(eq + 1);
        std::size_t index = kParts.size();
        for (std::size_t i = 0; i < kParts.size(); ++i) {
            if (iequals(name, kParts[i])) index = i;
        }
        if (index == kParts.size()) return "unknown rule part '" + std::string(name) + "'";
        if (seen & (1u << index)) return "rule part '" + std::string(kParts[index]) + "' appears twice";
        seen |= 1u << index;
        if (kParts[index] == "FREQ") freq = val;
        if ((kParts[index] == "COUNT" || kParts[index] == "INTERVAL") && !is_positive_integer(val))
            return std::string(kParts[index]) + " must be a positive integer";
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
        if (rest.empty()) break;  // a trailing ';' is tolerated
    }
    if (!(seen & 1u)) return "FREQ is required";
    bool freq_ok = false;
    for (auto f : kFreqs) freq_ok = freq_ok || iequals(freq, f);
    if (!freq_ok) return "FREQ must be one of SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY";
    if ((seen & (1u << 1)) && (seen & (1u << 2))) return "COUNT and UNTIL must not both be set";
    return std::nullopt;
}

}  // namespace todoai

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

bool is_weekday(std::string_view v) {
    static constexpr std::array<std::string_view, 7> kDays{"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    for (auto d : kDays)
        if (iequals(v, d)) return true;
    return false;
}

// An integer in [lo, hi], optionally signed; with `nonzero_signed`, -hi..-lo too (RFC 5545's "+/-" ordinals).
bool in_range(std::string_view v, int lo, int hi, bool nonzero_signed) {
    bool negative = false;
    if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
        if (!nonzero_signed) return false;
        negative = v[0] == '-';
        v.remove_prefix(1);
    }
    if (v.empty() || v.size() > 3) return false;
    int n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + (c - '0');
    }
    if (negative) return n >= 1 && n <= hi;
    return n >= lo && n <= hi;
}

// BYDAY: [+/-][1..53]weekday, comma-separated.
bool valid_byday(std::string_view item) {
    if (item.size() < 2) return false;
    const auto day = item.substr(item.size() - 2);
    const auto ordinal = item.substr(0, item.size() - 2);
    return is_weekday(day) && (ordinal.empty() || in_range(ordinal, 1, 53, true));
}

// UNTIL: a DATE (YYYYMMDD) or a DATE-TIME (YYYYMMDDTHHMMSS, optionally Z), with real month, day and time values.
bool valid_until(std::string_view v) {
    if (v.size() != 8 && v.size() != 15 && v.size() != 16) return false;
    auto digits = [&](std::size_t at, std::size_t n, int lo, int hi) {
        int x = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (v[i] < '0' || v[i] > '9') return false;
            x = x * 10 + (v[i] - '0');
        }
        return x >= lo && x <= hi;
    };
    if (!digits(0, 4, 1, 9999) || !digits(4, 2, 1, 12) || !digits(6, 2, 1, 31)) return false;
    if (v.size() == 8) return true;
    if (upper(v[8]) != 'T' || !digits(9, 2, 0, 23) || !digits(11, 2, 0, 59) || !digits(13, 2, 0, 60)) return false;
    return v.size() == 15 || upper(v[15]) == 'Z';
}

// The value of one rule part, beyond its name: nullopt when it is one RFC 5545 allows (and libical expands).
std::optional<std::string> value_error(std::string_view name, std::string_view value) {
    auto each = [&](auto&& ok) {
        std::string_view list = value;
        while (true) {
            const auto comma = list.find(',');
            if (!ok(list.substr(0, comma))) return false;
            if (comma == std::string_view::npos) return true;
            list.remove_prefix(comma + 1);
        }
    };
    const auto range = [&](int lo, int hi, bool signed_ordinal) {
        return each([&](std::string_view item) { return in_range(item, lo, hi, signed_ordinal); });
    };
    if (name == "UNTIL" && !valid_until(value)) return "UNTIL must be a date YYYYMMDD or a UTC time YYYYMMDDTHHMMSSZ";
    if (name == "BYSECOND" && !range(0, 60, false)) return "BYSECOND must list seconds 0 to 60";
    if (name == "BYMINUTE" && !range(0, 59, false)) return "BYMINUTE must list minutes 0 to 59";
    if (name == "BYHOUR" && !range(0, 23, false)) return "BYHOUR must list hours 0 to 23";
    if (name == "BYDAY" && !each(valid_byday))
        return "BYDAY must list weekdays MO..SU, each optionally numbered (1MO, -1FR)";
    if (name == "BYMONTHDAY" && !range(1, 31, true)) return "BYMONTHDAY must list days 1 to 31 or -31 to -1";
    if (name == "BYYEARDAY" && !range(1, 366, true)) return "BYYEARDAY must list days 1 to 366 or -366 to -1";
    if (name == "BYWEEKNO" && !range(1, 53, true)) return "BYWEEKNO must list weeks 1 to 53 or -53 to -1";
    if (name == "BYMONTH" && !range(1, 12, false)) return "BYMONTH must list months 1 to 12";
    if (name == "BYSETPOS" && !range(1, 366, true)) return "BYSETPOS must list positions 1 to 366 or -366 to -1";
    if (name == "WKST" && !is_weekday(value)) return "WKST must be a weekday MO..SU";
    return std::nullopt;
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
        if (auto why = value_error(kParts[index], val)) return why;
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

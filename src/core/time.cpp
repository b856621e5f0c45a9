#include "core/time.hpp"

#include <array>
#include <cstdint>

namespace todoai {

namespace {

using std::chrono::days;
using std::chrono::milliseconds;

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly n digits at text[pos..pos+n); returns -1 if any is not a digit or the text is short.
int read_digits(std::string_view text, std::size_t pos, std::size_t n) {
    if (pos + n > text.size()) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (!is_digit(text[i])) return -1;
        v = v * 10 + (text[i] - '0');
    }
    return v;
}

constexpr Timestamp kMinTimestamp{std::chrono::sys_days{std::chrono::year{0} / 1 / 1}.time_since_epoch()};
constexpr Timestamp kMaxTimestamp{std::chrono::sys_days{std::chrono::year{9999} / 12 / 31}.time_since_epoch() +
                                  days{1} - milliseconds{1}};
constexpr Timestamp kMinParsed{std::chrono::sys_days{std::chrono::year{1} / 1 / 1}.time_since_epoch()};

void put2(char* out, unsigned v) {
    out[0] = static_cast<char>('0' + v / 10);
    out[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.f+](Z|±hh:mm)
    if (text.size() < 20) return std::nullopt;
    const int year = read_digits(text, 0, 4);
    const int month = read_digits(text, 5, 2);
    const int day = read_digits(text, 8, 2);
    const int hour = read_digits(text, 11, 2);
    const int minute = read_digits(text, 14, 2);
    const int second = read_digits(text, 17, 2);
    if (year < 1 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return std::nullopt;
    if (text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                          std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;

    std::size_t pos = 19;
    int millis = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        while (pos < text.size() && is_digit(text[pos])) {
            if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
            ++pos;
        }
        const std::size_t n = pos - start;
        if (n == 0) return std::nullopt;
        for (std::size_t i = n; i < 3; ++i) millis *= 10;
    }
    if (pos >= text.size()) return std::nullopt;

    int offset_minutes = 0;
    const char tz = text[pos];
    if (tz == 'Z' || tz == 'z') {
        ++pos;
    } else if (tz == '+' || tz == '-') {
        const int oh = read_digits(text, pos + 1, 2);
        const int om = read_digits(text, pos + 4, 2);
        if (oh < 0 || om < 0 || text[pos + 3] != ':' || oh > 23 || om > 59) return std::nullopt;
        offset_minutes = (oh * 60 + om) * (tz == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;

    const Timestamp t = std::chrono::sys_days{ymd} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
                        std::chrono::seconds{second} + milliseconds{millis} - std::chrono::minutes{offset_minutes};
    if (t < kMinParsed || t > kMaxTimestamp) return std::nullopt;
    return t;
}

std::string format_rfc3339(Timestamp t) {
    std::string out(kRfc3339Length, '\0');
    format_rfc3339(t, std::span<char, kRfc3339Length>{out.data(), kRfc3339Length});
    return out;
}

void format_rfc3339(Timestamp t, std::span<char, kRfc3339Length> out) {
    if (t < kMinTimestamp) t = kMinTimestamp;
    if (t > kMaxTimestamp) t = kMaxTimestamp;
    const auto day_start = std::chrono::floor<days>(t);
    const std::chrono::year_month_day ymd{day_start};
    const auto ms_of_day = static_cast<unsigned>((t - day_start).count());
    const unsigned year = static_cast<unsigned>(static_cast<int>(ymd.year()));
    const unsigned ms = ms_of_day % 1000;
    const unsigned sec = ms_of_day / 1000;

    char* p = out.data();
    put2(p, year / 100);
    put2(p + 2, year % 100);
    p[4] = '-';
    put2(p + 5, static_cast<unsigned>(ymd.month()));
    p[7] = '-';
    put2(p + 8, static_cast<unsigned>(ymd.day()));
    p[10] = 'T';
    put2(p + 11, sec / 3600);
    p[13] = ':';
    put2(p + 14, sec / 60 % 60);
    p[16] = ':';
    put2(p + 17, sec % 60);
    p[19] = '.';
    p[20] = static_cast<char>('0' + ms / 100);
    put2(p + 21, ms % 100);
    p[23] = 'Z';
}

std::optional<milliseconds> parse_iso8601_duration(std::string_view text) {
    // P[nD][T[nH][nM][n[.f]S]]; each number at most 9 digits so the arithmetic below cannot overflow.
    constexpr std::size_t kMaxDigits = 9;
    if (text.size() < 3 || text[0] != 'P') return std::nullopt;
    std::size_t pos = 1;
    std::int64_t total_ms = 0;
    bool any = false;
    bool in_time = false;
    int last_rank = -1;  // D=0, H=1, M=2, S=3: designators must appear in this order, each at most once
    while (pos < text.size()) {
        if (text[pos] == 'T') {
            if (in_time) return std::nullopt;
            in_time = true;
            ++pos;
            if (pos == text.size()) return std::nullopt;  // "P1DT" has an empty time part
            continue;
        }
        const std::size_t start = pos;
        std::int64_t value = 0;
        // The length is checked while reading: a longer number would overflow `value` before the check after it.
        while (pos < text.size() && is_digit(text[pos])) {
            if (pos - start == kMaxDigits) return std::nullopt;
            value = value * 10 + (text[pos++] - '0');
        }
        if (pos == start || pos == text.size()) return std::nullopt;
        std::int64_t fraction_ms = 0;
        bool has_fraction = false;
        if (text[pos] == '.') {
            has_fraction = true;
            ++pos;
            const std::size_t fstart = pos;
            while (pos < text.size() && is_digit(text[pos])) {
                if (pos - fstart < 3) fraction_ms = fraction_ms * 10 + (text[pos] - '0');
                ++pos;
            }
            const std::size_t n = pos - fstart;
            if (n == 0 || pos == text.size()) return std::nullopt;
            for (std::size_t i = n; i < 3; ++i) fraction_ms *= 10;
        }
        const char unit = text[pos++];
        int rank = 0;
        std::int64_t unit_ms = 0;
        if (!in_time && unit == 'D') {
            rank = 0;
            unit_ms = 86'400'000;
        } else if (in_time && unit == 'H') {
            rank = 1;
            unit_ms = 3'600'000;
        } else if (in_time && unit == 'M') {
            rank = 2;
            unit_ms = 60'000;
        } else if (in_time && unit == 'S') {
            rank = 3;
            unit_ms = 1'000;
        } else {
            return std::nullopt;
        }
        if (rank <= last_rank || (has_fraction && unit != 'S')) return std::nullopt;
        last_rank = rank;
        total_ms += value * unit_ms + fraction_ms;
        if (total_ms > kMaxDuration.count()) return std::nullopt;
        any = true;
    }
    if (!any) return std::nullopt;
    return milliseconds{total_ms};
}

std::string format_iso8601_duration(milliseconds d) {
    std::int64_t ms = d.count() < 0 ? 0 : d.count();
    const std::int64_t day_count = ms / 86'400'000;
    ms %= 86'400'000;
    const std::int64_t h = ms / 3'600'000;
    ms %= 3'600'000;
    const std::int64_t m = ms / 60'000;
    ms %= 60'000;
    const std::int64_t s = ms / 1000;
    ms %= 1000;

    std::string out = "P";
    if (day_count > 0) out += std::to_string(day_count) + "D";
    if (h > 0 || m > 0 || s > 0 || ms > 0 || day_count == 0) {
        out += 'T';
        if (h > 0) out += std::to_string(h) + "H";
        if (m > 0) out += std::to_string(m) + "M";
        if (s > 0 || ms > 0 || (h == 0 && m == 0)) {
            out += std::to_string(s);
            if (ms > 0) {
                std::array<char, 4> frac{static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                                         static_cast<char>('0' + ms % 10), '\0'};
                std::string f(frac.data());
                while (!f.empty() && f.back() == '0') f.pop_back();
                out += '.' + f;
            }
            out += 'S';
        }
    }
    return out;
}

}  // namespace todoai

#include "core/recurrence.hpp"

#include <libical/ical.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <memory>
#include <string_view>

#include "core/rrule.hpp"
#include "core/time.hpp"
#include "core/uuid.hpp"

namespace todoai {
namespace {

using namespace std::chrono;

// Names instance ids; fixed forever (changing it would let a redelivered completion create a second instance).
constexpr std::string_view kSeriesNamespace = "5b0f3c6e-2d4a-4e8b-9a71-3f6c2e8d9b14";

// The last instant format_rfc3339 can represent; a next date beyond it ends the series.
constexpr sys_days kLastDay = sys_days{year{9999} / December / 31};

// How far past the base libical may search for a rule that does not restrict the days (or is daily or coarser).
// libical evaluates sub-daily rules one step at a time inside icalrecur_iterator_next, so a sub-daily rule with
// nothing to find would spin for hours without an UNTIL; these horizons keep one call in the tens of milliseconds.
// Such a rule recurs every day (or every few), well inside them.
seconds search_horizon(icalrecurrencetype_frequency freq) {
    switch (freq) {
        case ICAL_SECONDLY_RECURRENCE:
            return days{1};
        case ICAL_MINUTELY_RECURRENCE:
            return days{60};
        case ICAL_HOURLY_RECURRENCE:
            return days{5 * 366};
        default:
            return days{100 * 366};
    }
}

// How far the days of a sub-daily rule are searched for. A pattern of months and days of the month or year comes
// round within 8 years if it ever does (Feb 29 and day 366 skip 2100); one with weekdays too within 40 (Feb 29 on a
// Monday: 2016, 2044; longer across a century that is no leap year). A pattern libical cannot rule out (BYMONTH=2;
// BYMONTHDAY=30) is searched to the end, a step per day: ~10 ms a year on this machine.
days day_pattern_horizon(const icalrecurrencetype& r) {
    const bool weekdays = r.by_day[0] != ICAL_RECURRENCE_ARRAY_MAX || r.by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX;
    return days{366 * (weekdays ? 60 : 9)};
}

bool sub_daily(icalrecurrencetype_frequency freq) {
    return freq == ICAL_HOURLY_RECURRENCE || freq == ICAL_MINUTELY_RECURRENCE || freq == ICAL_SECONDLY_RECURRENCE;
}

seconds step_unit(icalrecurrencetype_frequency freq) {
    return freq == ICAL_HOURLY_RECURRENCE ? seconds{3600} : freq == ICAL_MINUTELY_RECURRENCE ? seconds{60} : seconds{1};
}

bool restricts_days(const icalrecurrencetype& r) {
    for (const short* part : {r.by_month, r.by_month_day, r.by_year_day, r.by_week_no, r.by_day})
        if (part[0] != ICAL_RECURRENCE_ARRAY_MAX) return true;
    return false;
}

// The days tried before a sub-daily rule on restricted days gives up: each costs libical one step per hour, minute
// or second of the day (86 400 for SECONDLY, some tens of milliseconds), so a rule whose INTERVAL misses the days it
// names ends after about a second rather than spinning.
int max_days_tried(icalrecurrencetype_frequency freq) {
    switch (freq) {
        case ICAL_SECONDLY_RECURRENCE:
            return 8;
        case ICAL_MINUTELY_RECURRENCE:
            return 256;
        default:
            return 4096;
    }
}

constexpr int kMaxSteps = 1000;

Timestamp add_months_clamped(Timestamp t, int months) {
    const auto day = floor<days>(t);
    const auto time_of_day = t - day;
    const year_month_day ymd{day};
    const year_month target = year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
    const auto last_day = (target / std::chrono::last).day();
    const auto d = ymd.day() > last_day ? last_day : ymd.day();
    return sys_days{target / d} + time_of_day;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// The rule with its COUNT part set to `count`, every other part kept as written.
std::string with_count(std::string_view rule, int count) {
    std::string out;
    while (true) {
        const auto semi = rule.find(';');
        const auto part = rule.substr(0, semi);
        if (!out.empty()) out += ';';
        const auto eq = part.find('=');
        if (eq != std::string_view::npos && iequals(part.substr(0, eq), "COUNT")) {
            out += part.substr(0, eq + 1);
            out += std::to_string(count);
        } else {
            out += part;
        }
        if (semi == std::string_view::npos) break;
        rule.remove_prefix(semi + 1);
    }
    return out;
}

icaltimetype to_ical(sys_seconds t) {
    return icaltime_from_timet_with_zone(static_cast<time_t>(t.time_since_epoch().count()), 0,
                                         icaltimezone_get_utc_timezone());
}

sys_seconds from_ical(const icaltimetype& t) {
    return sys_seconds{seconds{icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone())}};
}

struct IteratorDeleter {
    void operator()(icalrecur_iterator* it) const { icalrecur_iterator_free(it); }
};

// The first occurrence after `base` of a sub-daily rule restricted to some days (Feb 29 with FREQ=HOURLY, MINUTELY
// or SECONDLY): a fixed horizon ended such a series early, and one long enough would make libical step through every
// second until the day. The days come first, from the same day parts at FREQ=DAILY (a step per day, over the years in
// which such a pattern recurs); then the rule itself runs over each of those days alone, starting from the point of
// its INTERVAL grid (base + k * INTERVAL units) at or before the day, so the series keeps its own phase.
std::optional<sys_seconds> next_on_rule_days(const icalrecurrencetype& rule, sys_seconds base) {
    sys_seconds last = base + day_pattern_horizon(rule);
    if (!icaltime_is_null_time(rule.until)) last = std::min(last, from_ical(rule.until));
    last = std::min(last, sys_seconds{kLastDay + days{1}} - seconds{1});

    // The candidate days may be more than the rule's (the rule itself is run on each): DAILY takes BYMONTH,
    // BYMONTHDAY and BYDAY; BYYEARDAY is for YEARLY alone (RFC 5545), so a rule with it finds its days that way.
    icalrecurrencetype day_rule = rule;
    day_rule.freq = rule.by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ? ICAL_YEARLY_RECURRENCE : ICAL_DAILY_RECURRENCE;
    day_rule.interval = 1;
    day_rule.count = 0;
    for (short* part :
         {day_rule.by_hour, day_rule.by_minute, day_rule.by_second, day_rule.by_set_pos, day_rule.by_week_no})
        part[0] = ICAL_RECURRENCE_ARRAY_MAX;
    if (day_rule.freq == ICAL_YEARLY_RECURRENCE) {
        for (short* part : {day_rule.by_month, day_rule.by_month_day, day_rule.by_day})
            part[0] = ICAL_RECURRENCE_ARRAY_MAX;
    }
    day_rule.until = to_ical(last);
    std::unique_ptr<icalrecur_iterator, IteratorDeleter> day_it(
        icalrecur_iterator_new(day_rule, to_ical(floor<days>(base))));
    if (!day_it) {
        icalerror_clear_errno();
        return std::nullopt;
    }
    // libical loses the rest of the first day when the start does not match BYHOUR/BYMINUTE/BYSECOND (FREQ=MINUTELY;
    // BYHOUR=12;BYMINUTE=30 from 00:00 gives the next day's 12:30), so with those each day's run starts a day early;
    // what it gives before the day is at or before the base (that day was searched already) or not the rule's.
    bool time_parts = false;
    for (const short* part : {rule.by_hour, rule.by_minute, rule.by_second})
        time_parts = time_parts || part[0] != ICAL_RECURRENCE_ARRAY_MAX;
    const seconds step = step_unit(rule.freq) * std::max<short>(rule.interval, 1);
    auto on_grid = [&](sys_seconds t) {  // the last point base + k * step at or before t (k may be negative)
        auto k = (t - base) / step;
        if (base + k * step > t) --k;
        return base + k * step;
    };
    for (int tried = 0; tried < max_days_tried(rule.freq); ++tried) {
        const icaltimetype day = icalrecur_iterator_next(day_it.get());
        if (icaltime_is_null_time(day)) return std::nullopt;
        const sys_seconds day_start = from_ical(day);  // a midnight: the days start at the base day's
        const sys_seconds from = time_parts ? day_start - days{1} : std::max(day_start, base);
        icalrecurrencetype within = rule;
        within.until = to_ical(std::min(day_start + days{1} - seconds{1}, last));
        std::unique_ptr<icalrecur_iterator, IteratorDeleter> it(icalrecur_iterator_new(within, to_ical(on_grid(from))));
        if (!it) {
            icalerror_clear_errno();
            continue;
        }
        // Bounded by the end of the day (UNTIL): at most two days of the rule's steps.
        for (;;) {
            const icaltimetype occurrence = icalrecur_iterator_next(it.get());
            if (icaltime_is_null_time(occurrence)) break;
            if (const auto at = from_ical(occurrence); at > base) return at;
        }
    }
    return std::nullopt;
}

std::optional<NextInstance> next_by_rrule(const std::string& text, Timestamp base) {
    const auto rule_text = strip_rrule_prefix(text);
    icalrecurrencetype rule = icalrecurrencetype_from_string(upper(rule_text).c_str());
    if (rule.freq == ICAL_NO_RECURRENCE) {
        icalerror_clear_errno();
        return std::nullopt;
    }
    const int count = rule.count;
    if (count == 1) return std::nullopt;  // the instance just completed was the last one
    // libical counts COUNT from DTSTART; the remaining count is ours to track, so iterate without it.
    rule.count = 0;

    const auto base_s = floor<seconds>(base);
    const auto fraction = base - base_s;  // libical works in whole seconds; keep the base's milliseconds
    auto next_at = [&](sys_seconds at) {
        NextInstance next{.due = at + fraction, .rrule = text};
        if (count > 1) next.rrule = with_count(text, count - 1);
        return next;
    };
    if (sub_daily(rule.freq) && restricts_days(rule)) {
        const auto at = next_on_rule_days(rule, base_s);
        if (!at || *at >= kLastDay + days{1}) return std::nullopt;
        return next_at(*at);
    }
    const auto horizon = base_s + search_horizon(rule.freq);
    if (icaltime_is_null_time(rule.until) || from_ical(rule.until) > horizon) rule.until = to_ical(horizon);

    std::unique_ptr<icalrecur_iterator, IteratorDeleter> it(icalrecur_iterator_new(rule, to_ical(base_s)));
    if (!it) {  // libical proved the rule has no occurrence at all (e.g. BYMONTH=2;BYMONTHDAY=30)
        icalerror_clear_errno();
        return std::nullopt;
    }
    for (int step = 0; step < kMaxSteps; ++step) {
        const icaltimetype occurrence = icalrecur_iterator_next(it.get());
        if (icaltime_is_null_time(occurrence)) return std::nullopt;  // UNTIL passed or nothing within the horizon
        const auto at = from_ical(occurrence);
        if (at <= base_s) continue;
        if (at >= kLastDay + days{1}) return std::nullopt;
        return next_at(at);
    }
    return std::nullopt;
}

}  // namespace

std::optional<NextInstance> next_instance(const TaskFields& task, Timestamp completed_at) {
    if (!task.is_recurring) return std::nullopt;
    const Timestamp base =
        task.recurrence_from == RecurrenceFrom::completion || !task.due_date ? completed_at : *task.due_date;
    if (task.rrule) return next_by_rrule(*task.rrule, base);
    if (!task.recurrence_schedule) return std::nullopt;
    if (base >= kLastDay - days{31}) return std::nullopt;  // no room for another instance before year 10000
    switch (*task.recurrence_schedule) {
        case RecurrenceSchedule::daily:
            return NextInstance{.due = base + days{1}};
        case RecurrenceSchedule::weekly:
            return NextInstance{.due = base + days{7}};
        case RecurrenceSchedule::monthly:
            return NextInstance{.due = add_months_clamped(base, 1)};
    }
    return std::nullopt;
}

std::string instance_id(std::string_view series_id, Timestamp due) {
    std::string name(series_id);
    name += '|';
    name += format_rfc3339(due);
    return uuid_v5(kSeriesNamespace, name);
}

}  // namespace todoai

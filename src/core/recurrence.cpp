#include "core/recurrence.hpp"

#include <libical/ical.h>

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

// How far past the base libical may search. libical evaluates sub-daily rules one step at a time inside
// icalrecur_iterator_next, so an impossible rule ("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30") would spin for hours
// without an UNTIL; these horizons keep one call in the tens of milliseconds.
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
        NextInstance next{.due = at + fraction, .rrule = text};
        if (count > 1) next.rrule = with_count(text, count - 1);
        return next;
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

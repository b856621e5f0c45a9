#include "core/task_input.hpp"

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include "core/time.hpp"

namespace todoai {

namespace json = boost::json;

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view view(const json::string& s) { return {s.data(), s.size()}; }

// The keys of `o` in snake_case; a camelCase key that collides with a key already in snake_case keeps its own
// spelling, so the conflict check below can name both.
void snake_case_keys(json::object& o) {
    bool any = false;
    for (const auto& kv : o) {
        for (char c : kv.key()) any = any || is_upper(c);
    }
    if (!any) return;
    json::object out(o.storage());
    out.reserve(o.size());
    for (auto& kv : o) {
        std::string key = snake_case(kv.key());
        if (key != kv.key() && (o.contains(key) || out.contains(key))) key = std::string(kv.key());
        out.emplace(key, std::move(kv.value()));
    }
    o = std::move(out);
}

// "2026-03-01": a calendar date with no time (the front ends' <input type="date">).
bool is_date_only(std::string_view s) {
    return s.size() == 10 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) && s[4] == '-' &&
           is_digit(s[5]) && is_digit(s[6]) && s[7] == '-' && is_digit(s[8]) && is_digit(s[9]);
}

// A date-only value becomes the end of that day in UTC; anything else is left for the validator.
void end_of_day(json::value& v) {
    if (const json::string* s = v.if_string(); s != nullptr && is_date_only(view(*s)))
        v = json::string(std::string(view(*s)) + "T23:59:59Z", v.storage());
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

class Normaliser {
  public:
    Normaliser(json::object& body, PendingInput& pending) : body_(body), pending_(pending) {}

    FieldErrors run() {
        snake_case_keys(body_);
        if (json::value* reminders = body_.if_contains("reminders")) {
            if (json::array* arr = reminders->if_array()) {
                for (auto& r : *arr)
                    if (json::object* o = r.if_object()) snake_case_keys(*o);
            }
        }
        rename("is_completed", "completed");
        status();
        if (json::value* due = body_.if_contains("due_date")) end_of_day(*due);
        for (std::string_view alias : {"recurrence_rule", "recurring_rule", "recurrence_pattern", "recurring_type"})
            recurrence(alias);
        for (std::string_view alias : {"reminder_time", "reminder_at"}) reminder(alias);
        for (std::string_view alias : {"recurring_end_date", "recurrence_end_date"}) until(alias);
        return std::move(errors_);
    }

  private:
    void fail(std::string field, std::string message) { errors_.push_back({std::move(field), std::move(message)}); }

    // Sets canonical field `key` from `alias`; two different values for one field are an error naming both.
    void put(std::string_view alias, std::string_view key, json::value v) {
        auto it = body_.find(key);
        if (it != body_.end() && !it->value().is_null() && it->value() != v) {
            fail(std::string(alias), "conflicts with \"" + std::string(key) + "\"; send one of the two");
            return;
        }
        body_[key] = std::move(v);
    }

    void rename(std::string_view alias, std::string_view key) {
        auto it = body_.find(alias);
        if (it == body_.end()) return;
        json::value v = std::move(it->value());
        body_.erase(it);
        if (!v.is_null()) put(alias, key, std::move(v));
    }

    void status() {
        json::value* v = body_.if_contains("status");
        const json::string* s = v ? v->if_string() : nullptr;
        if (s == nullptr) return;
        const std::string_view word = view(*s);
        if (word == "completed" || word == "done")
            *v = "complete";
        else if (word == "open")
            *v = "pending";
    }

    // Takes `alias` out of the body (null stays null); nullopt when absent.
    std::optional<json::value> take(std::string_view alias) {
        auto it = body_.find(alias);
        if (it == body_.end()) return std::nullopt;
        json::value v = std::move(it->value());
        body_.erase(it);
        return v;
    }

    // "No value" for `key` unless the client also sent it: null is "absent" in a full body and "remove" in a merge
    // patch, which is what an alias's null or "none" means in each.
    void clear(std::string_view key) {
        if (!body_.contains(key)) body_[key] = nullptr;
    }

    void recurrence(std::string_view alias) {
        auto v = take(alias);
        if (!v) return;
        const json::string* s = v->if_string();
        if (s == nullptr && !v->is_null()) {
            fail(std::string(alias), "must be a string: daily, weekly, monthly, yearly, none or an RRULE");
            return;
        }
        std::string_view rule = s ? view(*s) : std::string_view();
        if (rule.empty() || iequals(rule, "none")) {
            clear("recurrence_schedule");
            clear("rrule");
            return;
        }
        for (std::string_view schedule : {"daily", "weekly", "monthly"}) {
            if (iequals(rule, schedule)) {
                put(alias, "recurrence_schedule", json::string(schedule));
                return;
            }
        }
        if (iequals(rule, "yearly")) {
            put(alias, "rrule", json::string("FREQ=YEARLY"));
            return;
        }
        if (rule.size() > 6 && iequals(rule.substr(0, 6), "RRULE:")) rule.remove_prefix(6);
        if (rule.find("FREQ=") == std::string_view::npos) {
            fail(std::string(alias), "must be daily, weekly, monthly, yearly, none or an RRULE (FREQ=...)");
            return;
        }
        put(alias, "rrule", json::string(rule));
    }

    void reminder(std::string_view alias) {
        auto v = take(alias);
        if (!v) return;
        const json::string* s = v->if_string();
        if (v->is_null() || (s != nullptr && s->empty())) {
            clear("reminders");
            return;
        }
        if (s == nullptr || !parse_rfc3339(view(*s))) {
            fail(std::string(alias), "must be an RFC 3339 date-time with a time zone, e.g. 2026-02-08T10:00:00Z");
            return;
        }
        put(alias, "reminders", json::array{json::object{{"at", *v}}});
    }

    void until(std::string_view alias) {
        auto v = take(alias);
        if (!v || v->is_null()) return;
        end_of_day(*v);
        const json::string* s = v->if_string();
        if (s != nullptr && s->empty()) return;
        const std::optional<Timestamp> t = s != nullptr ? parse_rfc3339(view(*s)) : std::nullopt;
        if (!t) {
            fail(std::string(alias), "must be an RFC 3339 date-time or a date (YYYY-MM-DD)");
            return;
        }
        // 2026-12-31T23:59:59.000Z -> 20261231T235959Z
        const std::string text = format_rfc3339(*t);
        std::string out;
        for (std::size_t i = 0; i < 19; ++i)
            if (text[i] != '-' && text[i] != ':') out += text[i];
        out += 'Z';
        if (pending_.recurrence_until && *pending_.recurrence_until != out) {
            fail(std::string(alias), "conflicts with \"" + pending_.recurrence_until_field + "\"; send one of the two");
            return;
        }
        pending_.recurrence_until = std::move(out);
        pending_.recurrence_until_field = std::string(alias);
    }

    json::object& body_;
    PendingInput& pending_;
    FieldErrors errors_;
};

bool has_part(std::string_view rrule, std::string_view name) {
    std::size_t pos = 0;
    while (pos <= rrule.size()) {
        const auto semi = rrule.find(';', pos);
        const std::string_view part = rrule.substr(pos, semi == std::string_view::npos ? semi : semi - pos);
        if (part.size() > name.size() && iequals(part.substr(0, name.size()), name) && part[name.size()] == '=')
            return true;
        if (semi == std::string_view::npos) break;
        pos = semi + 1;
    }
    return false;
}

}  // namespace

FieldErrors normalise_task_input(json::object& body, PendingInput& pending) { return Normaliser(body, pending).run(); }

FieldErrors apply_pending_input(json::object& merged, const PendingInput& pending) {
    if (!pending.recurrence_until) return {};
    const std::string& field = pending.recurrence_until_field;
    std::string rule;
    if (const json::value* r = merged.if_contains("rrule"); r != nullptr && r->is_string()) {
        rule = std::string(view(r->get_string()));
    } else if (const json::value* s = merged.if_contains("recurrence_schedule"); s != nullptr && s->is_string()) {
        const std::string_view schedule = view(s->get_string());
        if (schedule == "daily") rule = "FREQ=DAILY";
        if (schedule == "weekly") rule = "FREQ=WEEKLY";
        if (schedule == "monthly") rule = "FREQ=MONTHLY";
        if (rule.empty()) return {};  // the validator reports the bad schedule
    } else {
        return {{field, "needs a recurrence rule to end"}};
    }
    if (has_part(rule, "UNTIL") || has_part(rule, "COUNT"))
        return {{field, "the recurrence rule already has UNTIL or COUNT"}};
    merged.erase("recurrence_schedule");
    merged["rrule"] = rule + ";UNTIL=" + *pending.recurrence_until;
    return {};
}

std::string snake_case(std::string_view key) {
    std::string out;
    out.reserve(key.size() + 4);
    for (char c : key) {
        if (is_upper(c)) {
            if (!out.empty()) out += '_';
            out += static_cast<char>(c - 'A' + 'a');
        } else {
            out += c;
        }
    }
    return out;
}

std::string camel_case(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    bool upper = false;
    for (char c : key) {
        if (c == '_' && !out.empty()) {
            upper = true;
            continue;
        }
        out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        upper = false;
    }
    return out;
}

void to_camel_case_output(json::value& value) {
    if (json::array* arr = value.if_array()) {
        for (auto& v : *arr) to_camel_case_output(v);
        return;
    }
    json::object* o = value.if_object();
    if (o == nullptr) return;
    json::object out(o->storage());
    out.reserve(o->size());
    for (auto& kv : *o) {
        to_camel_case_output(kv.value());
        out.emplace(camel_case(kv.key()), std::move(kv.value()));
    }
    // A task (it has a title and a status): the clients read `completed` where we say `complete`.
    if (json::value* status = out.if_contains("status"); status != nullptr && out.contains("title")) {
        if (status->is_string() && status->get_string() == "complete") *status = "completed";
    }
    *o = std::move(out);
}

}  // namespace todoai

#include "core/task_json.hpp"

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/rrule.hpp"
#include "core/task_input.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"

namespace todoai {

namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Output

// Everything is built in the storage of the object it goes into, so a caller's monotonic_resource serves all of it.

void put_time(json::object& o, std::string_view key, Timestamp t) {
    std::array<char, kRfc3339Length> buf;
    format_rfc3339(t, buf);
    o.emplace(key, json::string_view(buf.data(), buf.size()));
}

void put_optional_time(json::object& o, std::string_view key, const std::optional<Timestamp>& t) {
    if (t)
        put_time(o, key, *t);
    else
        o.emplace(key, nullptr);
}

json::array tags_json(const std::vector<std::string>& tags, const json::storage_ptr& sp) {
    json::array arr(sp);
    arr.reserve(tags.size());
    for (const auto& tag : tags) arr.emplace_back(json::string_view(tag));
    return arr;
}

json::array reminders_json(const std::vector<Reminder>& reminders, const json::storage_ptr& sp) {
    json::array arr(sp);
    arr.reserve(reminders.size());
    for (const auto& r : reminders) {
        json::object o(sp);
        if (r.at) {
            put_time(o, "at", *r.at);
        } else if (r.before_due) {
            if (r.before_due_text.empty())
                o.emplace("before_due", format_iso8601_duration(*r.before_due));
            else
                o.emplace("before_due", json::string_view(r.before_due_text));
        }
        arr.emplace_back(std::move(o));
    }
    return arr;
}

// The writable fields in API order; `completed` (derived) follows `status` when with_completed.
void put_fields(json::object& o, const TaskFields& f, bool with_completed) {
    o.emplace("title", json::string_view(f.title));
    o.emplace("description", json::string_view(f.description));
    o.emplace("status", to_string(f.status));
    if (with_completed) o.emplace("completed", f.status == TaskStatus::complete);
    o.emplace("priority", to_string(f.priority));
    if (f.category)
        o.emplace("category", json::string_view(*f.category));
    else
        o.emplace("category", nullptr);
    o.emplace("tags", tags_json(f.tags, o.storage()));
    put_optional_time(o, "due_date", f.due_date);
    o.emplace("reminders", reminders_json(f.reminders, o.storage()));
    o.emplace("is_recurring", f.is_recurring);
    if (f.recurrence_schedule)
        o.emplace("recurrence_schedule", to_string(*f.recurrence_schedule));
    else
        o.emplace("recurrence_schedule", nullptr);
    if (f.rrule)
        o.emplace("rrule", json::string_view(*f.rrule));
    else
        o.emplace("rrule", nullptr);
    o.emplace("recurrence_from", to_string(f.recurrence_from));
}

// ---------------------------------------------------------------------------------------------------------------
// Validation of client input

enum FieldId : std::size_t {
    kTitle,
    kDescription,
    kStatus,
    kCompleted,
    kPriority,
    kTags,
    kDueDate,
    kReminders,
    kIsRecurring,
    kSchedule,
    kRrule,
    kFrom,
    kCategory,
    kFieldCount
};
constexpr std::array<std::string_view, kFieldCount> kFieldNames{
    "title",    "description", "status",       "completed",           "priority", "tags",
    "due_date", "reminders",   "is_recurring", "recurrence_schedule", "rrule",    "recurrence_from", "category"};
constexpr std::array<std::string_view, 7> kReadOnly{"id",           "user_id", "created_at", "updated_at",
                                                    "completed_at", "version", "series_id"};

constexpr std::string_view kTimestampHint = "must be an RFC 3339 date-time with a time zone, e.g. 2026-02-08T10:00:00Z";
constexpr std::string_view kDurationHint =
    "must be an ISO 8601 duration of days, hours, minutes and seconds, e.g. PT15M or P1DT2H (at most 366 days)";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string indexed(std::string_view field, std::size_t i) {
    return std::string(field) + "[" + std::to_string(i) + "]";
}

class FieldParser {
  public:
    std::variant<TaskFields, FieldErrors> parse(const json::object& body) {
        std::array<const json::value*, kFieldCount> present{};
        for (const auto& kv : body) {
            const std::string_view key = kv.key();
            bool known = false;
            for (std::size_t i = 0; i < kFieldCount && !known; ++i) {
                if (key == kFieldNames[i]) {
                    // null means "absent, take the default", as after a merge patch that removed the field.
                    if (!kv.value().is_null()) present[i] = &kv.value();
                    known = true;
                }
            }
            for (std::size_t i = 0; i < kReadOnly.size() && !known; ++i) known = key == kReadOnly[i];
            if (!known) fail(std::string(key), "unknown field");
        }

        if (present[kTitle] == nullptr) {
            fail("title", body.contains("title") ? "must be a string" : "is required");
        } else if (auto s = text(*present[kTitle], "title", 1, limits::kTitleMax)) {
            f_.title = *s;
        }
        if (present[kDescription]) {
            if (auto s = text(*present[kDescription], "description", 0, limits::kDescriptionMax)) f_.description = *s;
        }
        const bool status_ok = present[kStatus] && parse_enum(*present[kStatus], "status", parse_task_status, f_.status,
                                                              "pending, in_progress, complete");
        if (present[kCompleted]) completed(*present[kCompleted], present[kStatus] != nullptr, status_ok);
        if (present[kPriority])
            parse_enum(*present[kPriority], "priority", parse_priority, f_.priority, "low, medium, high");
        if (present[kTags]) tags(*present[kTags]);
        bool due_date_bad = false;
        if (present[kDueDate]) {
            f_.due_date = timestamp(*present[kDueDate], "due_date");
            due_date_bad = !f_.due_date;
        }
        if (present[kReminders]) reminders(*present[kReminders], due_date_bad);
        if (present[kFrom])
            parse_enum(*present[kFrom], "recurrence_from", parse_recurrence_from, f_.recurrence_from,
                       "due, completion");
        if (present[kCategory]) {
            if (auto s = text(*present[kCategory], "category", 1, limits::kCategoryMax)) f_.category = std::string(*s);
        }
        recurrence(present);

        if (!errors_.empty()) return std::move(errors_);
        return std::move(f_);
    }

    void fail(std::string field, std::string_view message) {
        errors_.push_back({std::move(field), std::string(message)});
    }

  private:
    // A string of min..max code points; reports and returns nullopt otherwise.
    std::optional<std::string_view> text(const json::value& v,
                                         std::string_view field,
                                         std::size_t min,
                                         std::size_t max) {
        const json::string* s = v.if_string();
        if (s == nullptr) {
            fail(std::string(field), "must be a string");
            return std::nullopt;
        }
        const std::string_view sv(s->data(), s->size());
        if (!length_ok(sv, field, min, max)) return std::nullopt;
        return sv;
    }

    bool length_ok(std::string_view sv, std::string_view field, std::size_t min, std::size_t max) {
        const auto n = utf8_length(sv);
        if (!n) {
            fail(std::string(field), "must be valid UTF-8");
            return false;
        }
        if (*n < min || *n > max) {
            std::string msg = min > 0 ? "must be " + std::to_string(min) + " to " + std::to_string(max) + " characters"
                                      : "must be at most " + std::to_string(max) + " characters";
            fail(std::string(field), msg + ", got " + std::to_string(*n));
            return false;
        }
        return true;
    }

    template <typename E>
    bool parse_enum(const json::value& v,
                    std::string_view field,
                    std::optional<E> (*parse)(std::string_view),
                    E& out,
                    std::string_view allowed) {
        const json::string* s = v.if_string();
        std::optional<E> e;
        if (s != nullptr) e = parse(std::string_view(s->data(), s->size()));
        if (!e) {
            fail(std::string(field), "must be one of: " + std::string(allowed));
            return false;
        }
        out = *e;
        return true;
    }

    std::optional<Timestamp> timestamp(const json::value& v, std::string field) {
        const json::string* s = v.if_string();
        std::optional<Timestamp> t;
        if (s != nullptr) t = parse_rfc3339(std::string_view(s->data(), s->size()));
        if (!t) fail(std::move(field), kTimestampHint);
        return t;
    }

    void completed(const json::value& v, bool status_present, bool status_ok) {
        if (!v.is_bool()) {
            fail("completed", "must be a boolean");
            return;
        }
        const bool done = v.get_bool();
        if (!status_present) {
            f_.status = done ? TaskStatus::complete : TaskStatus::pending;
        } else if (status_ok && done != (f_.status == TaskStatus::complete)) {
            fail("completed", "contradicts status \"" + std::string(to_string(f_.status)) + "\"; send one of the two");
        }
    }

    // Adds a tag unless it is a duplicate; false once there are too many.
    bool add_tag(std::string_view tag) {
        for (const auto& t : f_.tags) {
            if (t == tag) return true;
        }
        if (f_.tags.size() == limits::kTagsMax) {
            fail("tags", "at most " + std::to_string(limits::kTagsMax) + " tags");
            return false;
        }
        f_.tags.emplace_back(tag);
        return true;
    }

    void tags(const json::value& v) {
        const std::size_t errors_before = errors_.size();
        // Bound the work and the error list a huge input could cause.
        const auto too_many_errors = [&] { return errors_.size() - errors_before > limits::kTagsMax; };
        if (const json::string* s = v.if_string()) {  // compatibility form: "work, home"
            std::string_view rest(s->data(), s->size());
            std::size_t index = 0;
            while (!too_many_errors()) {
                const auto comma = rest.find(',');
                const std::string_view piece = trim(rest.substr(0, comma));
                if (!piece.empty()) {
                    if (length_ok(piece, indexed("tags", index), 1, limits::kTagMax) && !add_tag(piece)) return;
                    ++index;
                }
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
            return;
        }
        const json::array* arr = v.if_array();
        if (arr == nullptr) {
            fail("tags", "must be an array of strings or a comma-separated string");
            return;
        }
        for (std::size_t i = 0; i < arr->size() && !too_many_errors(); ++i) {
            const json::string* s = (*arr)[i].if_string();
            if (s == nullptr) {
                fail(indexed("tags", i), "must be a string");
                continue;
            }
            const std::string_view tag(s->data(), s->size());
            if (length_ok(tag, indexed("tags", i), 1, limits::kTagMax) && !add_tag(tag)) return;
        }
    }

    void reminders(const json::value& v, bool due_date_bad) {
        const json::array* arr = v.if_array();
        if (arr == nullptr) {
            fail("reminders", "must be an array");
            return;
        }
        if (arr->size() > limits::kRemindersMax) {
            fail("reminders",
                 "at most " + std::to_string(limits::kRemindersMax) + " reminders, got " + std::to_string(arr->size()));
            return;
        }
        f_.reminders.reserve(arr->size());
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const std::string path = indexed("reminders", i);
            const json::object* o = (*arr)[i].if_object();
            if (o == nullptr) {
                fail(path, R"(must be an object: {"at": "<RFC 3339>"} or {"before_due": "PT15M"})");
                continue;
            }
            const json::value* at = nullptr;
            const json::value* before = nullptr;
            bool ok = true;
            for (const auto& kv : *o) {
                if (kv.key() == "at") {
                    if (!kv.value().is_null()) at = &kv.value();
                } else if (kv.key() == "before_due") {
                    if (!kv.value().is_null()) before = &kv.value();
                } else {
                    fail(path + "." + std::string(kv.key()), "unknown field");
                    ok = false;
                }
            }
            if ((at == nullptr) == (before == nullptr)) {
                fail(path, "needs exactly one of \"at\" or \"before_due\"");
                continue;
            }
            Reminder r;
            if (at != nullptr) {
                r.at = timestamp(*at, path + ".at");
                ok = ok && r.at;
            } else {
                const json::string* s = before->if_string();
                if (s != nullptr) r.before_due = parse_iso8601_duration(std::string_view(s->data(), s->size()));
                if (!r.before_due) {
                    fail(path + ".before_due", kDurationHint);
                    ok = false;
                } else {
                    r.before_due_text.assign(s->data(), s->size());
                    if (!f_.due_date && !due_date_bad) {
                        fail(path + ".before_due", "needs due_date to be set");
                        ok = false;
                    }
                }
            }
            if (ok) f_.reminders.push_back(std::move(r));
        }
    }

    void recurrence(const std::array<const json::value*, kFieldCount>& present) {
        bool ok = true;
        std::optional<bool> recurring;
        if (present[kIsRecurring]) {
            if (present[kIsRecurring]->is_bool()) {
                recurring = present[kIsRecurring]->get_bool();
            } else {
                fail("is_recurring", "must be a boolean");
                ok = false;
            }
        }
        if (present[kSchedule]) {
            RecurrenceSchedule s{};
            if (parse_enum(*present[kSchedule], "recurrence_schedule", parse_recurrence_schedule, s,
                           "daily, weekly, monthly (or null)"))
                f_.recurrence_schedule = s;
            else
                ok = false;
        }
        if (present[kRrule]) {
            if (const json::string* s = present[kRrule]->if_string()) {
                const std::string_view value = strip_rrule_prefix(std::string_view(s->data(), s->size()));
                if (value.size() > limits::kRruleMax) {
                    fail("rrule", "must be at most " + std::to_string(limits::kRruleMax) + " bytes");
                    ok = false;
                } else if (auto why = rrule_syntax_error(value)) {
                    fail("rrule", "is not a valid RFC 5545 RRULE: " + *why);
                    ok = false;
                } else {
                    f_.rrule = std::string(value);
                }
            } else {
                fail("rrule", "must be a string or null");
                ok = false;
            }
        }
        if (!ok) return;  // the rules below would only repeat the errors above
        const bool has_rule = f_.recurrence_schedule || f_.rrule;
        if (f_.recurrence_schedule && f_.rrule) {
            fail("rrule", "set either recurrence_schedule or rrule, not both");
        } else if (recurring == true && !has_rule) {
            fail("is_recurring", "is true but neither recurrence_schedule nor rrule is set");
        } else if (recurring == false && has_rule) {
            fail("is_recurring", "is false but recurrence_schedule or rrule is set");
        }
        f_.is_recurring = has_rule;
    }

    TaskFields f_;
    FieldErrors errors_;
};

// ---------------------------------------------------------------------------------------------------------------
// Reading our own JSON back (event payloads): types and enums are checked, limits are not.

[[noreturn]] void bad(std::string_view key, std::string_view what) {
    throw std::invalid_argument("task JSON: '" + std::string(key) + "' " + std::string(what));
}

const json::value* member(const json::object& o, std::string_view key, bool required) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr && required) bad(key, "is missing");
    return v;
}

std::string read_string(const json::object& o, std::string_view key, bool required) {
    const json::value* v = member(o, key, required);
    if (v == nullptr) return {};
    if (!v->is_string()) bad(key, "must be a string");
    return std::string(v->get_string());
}

std::optional<std::string> read_optional_string(const json::object& o, std::string_view key) {
    const json::value* v = member(o, key, false);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) bad(key, "must be a string or null");
    return std::string(v->get_string());
}

Timestamp to_timestamp(const json::value& v, std::string_view key) {
    const json::string* s = v.if_string();
    std::optional<Timestamp> t;
    if (s != nullptr) t = parse_rfc3339(std::string_view(s->data(), s->size()));
    if (!t) bad(key, "must be an RFC 3339 date-time");
    return *t;
}

std::optional<Timestamp> read_optional_timestamp(const json::object& o, std::string_view key) {
    const json::value* v = member(o, key, false);
    if (v == nullptr || v->is_null()) return std::nullopt;
    return to_timestamp(*v, key);
}

template <typename E>
E read_enum(const json::object& o, std::string_view key, std::optional<E> (*parse)(std::string_view), E fallback) {
    const json::value* v = member(o, key, false);
    if (v == nullptr || v->is_null()) return fallback;
    const json::string* s = v->if_string();
    std::optional<E> e;
    if (s != nullptr) e = parse(std::string_view(s->data(), s->size()));
    if (!e) bad(key, "has an unknown value");
    return *e;
}

bool read_bool(const json::object& o, std::string_view key) {
    const json::value* v = member(o, key, false);
    if (v == nullptr || v->is_null()) return false;
    if (!v->is_bool()) bad(key, "must be a boolean");
    return v->get_bool();
}

}  // namespace

json::object to_json(const Task& task) { return to_json(task, {}); }

json::object to_json(const Task& task, json::storage_ptr sp) {
    json::object o(std::move(sp));
    o.reserve(20);
    o.emplace("id", json::string_view(task.id));
    o.emplace("user_id", json::string_view(task.user_id));
    put_fields(o, task.fields, true);
    if (task.series_id)
        o.emplace("series_id", json::string_view(*task.series_id));
    else
        o.emplace("series_id", nullptr);
    put_time(o, "created_at", task.created_at);
    put_time(o, "updated_at", task.updated_at);
    put_optional_time(o, "completed_at", task.completed_at);
    o.emplace("version", task.version);
    return o;
}

json::object writable_json(const TaskFields& fields) {
    json::object o;
    o.reserve(12);
    put_fields(o, fields, false);
    return o;
}

std::variant<TaskFields, FieldErrors> parse_canonical_task_fields(const json::object& body) {
    return FieldParser{}.parse(body);
}

std::variant<TaskFields, FieldErrors> parse_task_fields(const json::value& body) {
    const json::object* o = body.if_object();
    if (o == nullptr) return FieldErrors{{"", "the request body must be a JSON object"}};
    json::object input = *o;
    PendingInput pending;
    FieldErrors errors = normalise_task_input(input, pending);
    for (auto& e : apply_pending_input(input, pending)) errors.push_back(std::move(e));
    auto parsed = FieldParser{}.parse(input);
    if (errors.empty()) return parsed;
    if (auto* more = std::get_if<FieldErrors>(&parsed))
        for (auto& e : *more) errors.push_back(std::move(e));
    return errors;
}

Task task_from_json(const json::object& o) {
    Task t;
    t.id = read_string(o, "id", true);
    t.user_id = read_string(o, "user_id", true);
    TaskFields& f = t.fields;
    f.title = read_string(o, "title", true);
    f.description = read_optional_string(o, "description").value_or("");
    f.status = read_enum(o, "status", parse_task_status, TaskStatus::pending);
    f.priority = read_enum(o, "priority", parse_priority, Priority::medium);
    if (const json::value* v = member(o, "tags", false); v != nullptr && !v->is_null()) {
        const json::array* arr = v->if_array();
        if (arr == nullptr) bad("tags", "must be an array");
        f.tags.reserve(arr->size());
        for (const auto& tag : *arr) {
            if (!tag.is_string()) bad("tags", "must hold strings");
            f.tags.emplace_back(tag.get_string());
        }
    }
    f.due_date = read_optional_timestamp(o, "due_date");
    if (const json::value* v = member(o, "reminders", false); v != nullptr && !v->is_null()) {
        const json::array* arr = v->if_array();
        if (arr == nullptr) bad("reminders", "must be an array");
        f.reminders.reserve(arr->size());
        for (const auto& item : *arr) {
            const json::object* r = item.if_object();
            if (r == nullptr) bad("reminders", "must hold objects");
            Reminder rem;
            if (const json::value* at = r->if_contains("at"); at != nullptr && !at->is_null()) {
                rem.at = to_timestamp(*at, "reminders.at");
            } else if (const json::value* bd = r->if_contains("before_due"); bd != nullptr && bd->is_string()) {
                const std::string_view text(bd->get_string().data(), bd->get_string().size());
                rem.before_due = parse_iso8601_duration(text);
                if (!rem.before_due) bad("reminders.before_due", "must be an ISO 8601 duration");
                rem.before_due_text = std::string(text);
            } else {
                bad("reminders", "items need \"at\" or \"before_due\"");
            }
            f.reminders.push_back(std::move(rem));
        }
    }
    f.is_recurring = read_bool(o, "is_recurring");
    if (const json::value* v = member(o, "recurrence_schedule", false); v != nullptr && !v->is_null())
        f.recurrence_schedule = read_enum(o, "recurrence_schedule", parse_recurrence_schedule, RecurrenceSchedule{});
    f.rrule = read_optional_string(o, "rrule");
    f.recurrence_from = read_enum(o, "recurrence_from", parse_recurrence_from, RecurrenceFrom::due);
    f.category = read_optional_string(o, "category");
    t.series_id = read_optional_string(o, "series_id");
    t.created_at = to_timestamp(*member(o, "created_at", true), "created_at");
    t.updated_at = to_timestamp(*member(o, "updated_at", true), "updated_at");
    t.completed_at = read_optional_timestamp(o, "completed_at");
    const json::value* version = member(o, "version", true);
    if (version->is_int64()) {
        t.version = version->get_int64();
    } else if (version->is_uint64() && version->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        t.version = static_cast<std::int64_t>(version->get_uint64());
    } else {
        bad("version", "must be an integer");
    }
    return t;
}

}  // namespace todoai

// Task -> JSON text directly; must stay byte-identical to serialize(to_json(task)) (a test checks it).
#include <array>
#include <charconv>
#include <string>
#include <string_view>

#include "core/task_json.hpp"
#include "core/time.hpp"

namespace todoai {

namespace {

// Escapes as Boost.JSON's serializer does: '"', '\\' and control characters; other bytes (UTF-8) pass through.
void append_string(std::string& out, std::string_view s) {
    constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the pending run of bytes that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0x0f];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

void append_key(std::string& out, std::string_view key, bool first = false) {
    if (!first) out += ',';
    out += '"';
    out += key;  // our keys need no escaping
    out += "\":";
}

void append_time(std::string& out, Timestamp t) {
    std::array<char, kRfc3339Length> buf;
    format_rfc3339(t, buf);
    out += '"';
    out.append(buf.data(), buf.size());
    out += '"';
}

void append_optional_time(std::string& out, const std::optional<Timestamp>& t) {
    if (t)
        append_time(out, *t);
    else
        out += "null";
}

void append_optional_string(std::string& out, const std::optional<std::string>& s) {
    if (s)
        append_string(out, *s);
    else
        out += "null";
}

}  // namespace

void append_json(std::string& out, const Task& task) {
    const TaskFields& f = task.fields;
    out += '{';
    append_key(out, "id", true);
    append_string(out, task.id);
    append_key(out, "user_id");
    append_string(out, task.user_id);
    append_key(out, "title");
    append_string(out, f.title);
    append_key(out, "description");
    append_string(out, f.description);
    append_key(out, "status");
    append_string(out, to_string(f.status));
    append_key(out, "completed");
    out += task.completed() ? "true" : "false";
    append_key(out, "priority");
    append_string(out, to_string(f.priority));
    append_key(out, "category");
    append_optional_string(out, f.category);
    append_key(out, "tags");
    out += '[';
    for (std::size_t i = 0; i < f.tags.size(); ++i) {
        if (i > 0) out += ',';
        append_string(out, f.tags[i]);
    }
    out += ']';
    append_key(out, "due_date");
    append_optional_time(out, f.due_date);
    append_key(out, "reminders");
    out += '[';
    for (std::size_t i = 0; i < f.reminders.size(); ++i) {
        const Reminder& r = f.reminders[i];
        if (i > 0) out += ',';
        out += '{';
        if (r.at) {
            append_key(out, "at", true);
            append_time(out, *r.at);
        } else if (r.before_due) {
            append_key(out, "before_due", true);
            append_string(out, r.before_due_text.empty() ? format_iso8601_duration(*r.before_due) : r.before_due_text);
        }
        out += '}';
    }
    out += ']';
    append_key(out, "is_recurring");
    out += f.is_recurring ? "true" : "false";
    append_key(out, "recurrence_schedule");
    if (f.recurrence_schedule)
        append_string(out, to_string(*f.recurrence_schedule));
    else
        out += "null";
    append_key(out, "rrule");
    append_optional_string(out, f.rrule);
    append_key(out, "recurrence_from");
    append_string(out, to_string(f.recurrence_from));
    append_key(out, "series_id");
    append_optional_string(out, task.series_id);
    append_key(out, "created_at");
    append_time(out, task.created_at);
    append_key(out, "updated_at");
    append_time(out, task.updated_at);
    append_key(out, "completed_at");
    append_optional_time(out, task.completed_at);
    append_key(out, "version");
    std::array<char, 24> num;
    const auto res = std::to_chars(num.data(), num.data() + num.size(), task.version);
    out.append(num.data(), res.ptr);
    out += '}';
}

}  // namespace todoai

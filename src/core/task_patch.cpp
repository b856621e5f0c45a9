#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/task_input.hpp"
#include "core/task_json.hpp"

namespace todoai {

namespace json = boost::json;

std::variant<TaskFields, FieldErrors> apply_task_patch(const TaskFields& current, const json::value& raw_patch) {
    json::value base = writable_json(current);
    json::value patch = raw_patch;
    PendingInput pending;
    FieldErrors errors;
    if (json::object* p = patch.if_object()) errors = normalise_task_input(*p, pending);
    if (const json::object* p = patch.if_object()) {
        json::object& b = base.get_object();
        // is_recurring is derived from the rules when absent, so removing a rule makes the task non-recurring.
        b.erase("is_recurring");
        const auto sets = [p](std::string_view key) {
            const json::value* v = p->if_contains(key);
            return v != nullptr && !v->is_null();
        };
        if (sets("completed") && !p->contains("status")) b.erase("status");
        if (sets("rrule") && !p->contains("recurrence_schedule")) b.erase("recurrence_schedule");
        if (sets("recurrence_schedule") && !p->contains("rrule")) b.erase("rrule");
        const json::value* recurring = p->if_contains("is_recurring");
        if (recurring != nullptr && recurring->is_bool() && !recurring->get_bool()) {
            if (!p->contains("recurrence_schedule")) b.erase("recurrence_schedule");
            if (!p->contains("rrule")) b.erase("rrule");
        }
    }
    json::value merged = apply_merge_patch(std::move(base), patch);
    json::object* m = merged.if_object();
    if (m == nullptr) return FieldErrors{{"", "the request body must be a JSON object"}};
    for (auto& e : apply_pending_input(*m, pending)) errors.push_back(std::move(e));
    auto parsed = parse_canonical_task_fields(*m);
    if (errors.empty()) return parsed;
    if (auto* more = std::get_if<FieldErrors>(&parsed))
        for (auto& e : *more) errors.push_back(std::move(e));
    return errors;
}

}  // namespace todoai

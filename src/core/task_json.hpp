#pragma once
// Task <-> JSON, and validation of client input against DESIGN.md's rules.
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <variant>

#include "core/field_error.hpp"
#include "core/task.hpp"

namespace todoai {

/// The task as the API returns it (every field, `completed` derived from `status`, times in RFC 3339).
boost::json::object to_json(const Task& task);

/// The same, allocating from `sp` (e.g. a monotonic_resource per response when serializing a page of tasks).
boost::json::object to_json(const Task& task, boost::json::storage_ptr sp);

/// Appends exactly boost::json::serialize(to_json(task)) to `out`, without building the DOM (several times faster:
/// for GET and list responses, the hot path).
void append_json(std::string& out, const Task& task);

/// Only the client-writable fields, in input form; merge-patching this and validating the result is PATCH.
boost::json::object writable_json(const TaskFields& fields);

/// Builds TaskFields from a client's JSON object, as a full replacement (POST and PUT): absent fields take their
/// defaults, `title` is required. First normalises the other spellings clients send (normalise_task_input in
/// core/task_input.hpp); also accepts `completed` bool as a way to set `status` when `status` is absent, and `tags`
/// as a comma-separated string. Read-only fields (id, user_id,
/// created_at, updated_at, completed_at, version, series_id) are ignored. Unknown fields, wrong types and values out
/// of range are all reported, each with its field path, not just the first.
/// A non-object body gives a single error on field "".
std::variant<TaskFields, FieldErrors> parse_task_fields(const boost::json::value& body);

/// parse_task_fields without the normalisation step: `body` is already in canonical form (core/task_input.hpp).
std::variant<TaskFields, FieldErrors> parse_canonical_task_fields(const boost::json::object& body);

/// PATCH: normalises the patch (core/task_input.hpp), then merge-patches `patch` onto writable_json(current) and validates the result as parse_task_fields does.
/// A field the patch sets replaces its stored alternative, so a client need not null it: `completed` without
/// `status` drops the stored status; a non-null `rrule` without `recurrence_schedule` drops the stored schedule and
/// vice versa; `is_recurring: false` without either drops both; and removing the rule (null) ends the recurrence.
std::variant<TaskFields, FieldErrors> apply_task_patch(const TaskFields& current, const boost::json::value& patch);

/// RFC 7396 JSON merge patch: returns `target` with `patch` applied.
boost::json::value apply_merge_patch(boost::json::value target, const boost::json::value& patch);

/// Task from its JSON form (as produced by to_json); used to read event payloads. Throws std::invalid_argument.
Task task_from_json(const boost::json::object& json);

}  // namespace todoai

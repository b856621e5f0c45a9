#pragma once
// The one place where the other spellings of a task's input become ours, before validation (DESIGN.md, "Also
// accepted on input"). The hackathon's front ends send camelCase keys, `is_completed`, status words of their own,
// date-only due dates, recurrence as `recurrence_rule`/`recurring_type`/... and a single reminder time; each is
// rewritten here to the canonical field, so the validator and the handlers know only one form.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/field_error.hpp"

namespace todoai {

/// What normalisation leaves for after a merge: an end date for the recurrence (`recurringEndDate`), which needs
/// the rule the task ends up with, and that may come from the stored task when a patch sends only the date.
struct PendingInput {
    std::optional<std::string> recurrence_until;  // RFC 5545 UTC form, e.g. 20261231T235959Z
    std::string recurrence_until_field;            // the field it came from, for errors
};

/// Rewrites `body` in place to the canonical fields:
///   * camelCase keys to snake_case (`dueDate` → `due_date`, `isRecurring` → `is_recurring`, ...);
///   * `is_completed` → `completed`;
///   * `status` words `completed`/`done` → `complete`, `open` → `pending`;
///   * a date-only `due_date` (`2026-03-01`) → the end of that day in UTC (`2026-03-01T23:59:59Z`);
///   * `recurrence_rule`, `recurring_rule`, `recurrence_pattern`, `recurring_type`: `daily|weekly|monthly` →
///     `recurrence_schedule`, `yearly` → `rrule` FREQ=YEARLY, an RRULE (optionally prefixed `RRULE:`) → `rrule`;
///     `none`, "" and null mean no recurrence;
///   * `reminder_time`, `reminder_at` → `reminders: [{"at": …}]` (null or "" → no reminder);
///   * `recurring_end_date`, `recurrence_end_date` → returned in PendingInput (see apply_pending_input).
/// An alias and its canonical field (or two aliases) with different values are an error naming both; a value an
/// alias cannot take is an error on the alias's own name, as the client spelled it.
FieldErrors normalise_task_input(boost::json::object& body, PendingInput& pending);

/// Applies what normalise_task_input left over to the merged input: the end date becomes the rule's UNTIL (a
/// `recurrence_schedule` turns into the equivalent RRULE first). Errors when there is no rule, or it already has
/// UNTIL or COUNT.
FieldErrors apply_pending_input(boost::json::object& merged, const PendingInput& pending);

/// `dueDate` → `due_date`; keys without capitals are returned unchanged.
std::string snake_case(std::string_view key);

/// `due_date` → `dueDate`; keys without underscores are returned unchanged.
std::string camel_case(std::string_view key);

/// Rewrites every object key in `value` (recursively) to camelCase, and a task's `status` `complete` to
/// `completed` (the word those clients read): the `TODOAI_JSON_CASE=camel` output profile.
void to_camel_case_output(boost::json::value& value);

}  // namespace todoai

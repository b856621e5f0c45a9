#pragma once
// One audit item, read from a CloudEvent on `task-events` or `reminders` (pure: no I/O).
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace todoai::audit {

/// What the audit log stores for one event. `event_type` is the CloudEvent `type` ("com.todoai.task.created"),
/// not the short `data.event_type` ("task-created"): it is unambiguous and equals what the WebSocket feed shows.
struct AuditRecord {
    std::string event_id;
    std::string event_type;
    std::string task_id;
    std::string user_id;
    std::string correlation_id;  // data.correlation_id, else the event id
    std::string timestamp;       // data.timestamp, else the envelope's `time`; normalized to format_rfc3339
    std::string source;
    std::string item;  // the audit item's API JSON text (the eight fields), served without re-serializing
};

/// Largest id-like string accepted (event_id, task_id, user_id, correlation_id, source).
inline constexpr std::size_t kMaxIdLength = 255;

/// The full type for "com.todoai.task.created" or its short form "task-created"; nullopt for any other text.
std::optional<std::string_view> canonical_event_type(std::string_view full_or_short);

/// Parses the bus message text into a record, or returns why it cannot be audited (the DROP reason): not JSON,
/// a missing/ill-typed CloudEvents attribute, a type other than the six task/reminder types, `data` not an object,
/// `data.event_id`/`task_id`/`user_id` missing, empty, too long or not strings, `data.event_id` different from `id`,
/// a bad `data.timestamp`/`correlation_id`, or `data.payload` present but not an object.
std::variant<AuditRecord, std::string> parse_audit_event(std::string_view message);

}  // namespace todoai::audit

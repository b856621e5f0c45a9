#include "services/audit/audit_event.hpp"

#include <algorithm>
#include <array>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/cloud_event.hpp"
#include "core/time.hpp"

namespace todoai::audit {
namespace {

namespace json = boost::json;

// A required id-like string of `data`; returns the reason when it is absent, not a string, empty or too long.
std::optional<std::string> id_field(const json::object& data, std::string_view name, std::string& out) {
    const json::value* v = data.if_contains(name);
    if (v == nullptr) return "data." + std::string(name) + " is missing";
    const json::string* s = v->if_string();
    if (s == nullptr) return "data." + std::string(name) + " must be a string";
    if (s->empty()) return "data." + std::string(name) + " must not be empty";
    if (s->size() > kMaxIdLength)
        return "data." + std::string(name) + " is longer than " + std::to_string(kMaxIdLength) + " characters";
    out.assign(s->data(), s->size());
    return std::nullopt;
}

}  // namespace

std::optional<std::string_view> canonical_event_type(std::string_view full_or_short) {
    for (auto type : event_type::kAll)
        if (full_or_short == type || full_or_short == short_event_type(type)) return type;
    return std::nullopt;
}

std::variant<AuditRecord, std::string> parse_audit_event(std::string_view message) {
    auto parsed = parse_cloud_event(message);
    if (auto* why = std::get_if<std::string>(&parsed)) return "not a CloudEvent: " + *why;
    auto& event = std::get<CloudEvent>(parsed);

    AuditRecord r;
    auto type = std::find(event_type::kAll.begin(), event_type::kAll.end(), event.type);
    if (type == event_type::kAll.end()) return "type '" + event.type + "' is not a task or reminder event";
    r.event_type = std::string(*type);
    if (event.id.size() > kMaxIdLength) return "id is longer than " + std::to_string(kMaxIdLength) + " characters";
    if (event.source.size() > kMaxIdLength)
        return "source is longer than " + std::to_string(kMaxIdLength) + " characters";
    r.source = event.source;

    json::object* data = event.data.if_object();
    if (data == nullptr) return std::string("data must be a JSON object");
    if (auto why = id_field(*data, "event_id", r.event_id)) return *why;
    if (r.event_id != event.id) return "data.event_id '" + r.event_id + "' differs from id '" + event.id + "'";
    if (auto why = id_field(*data, "task_id", r.task_id)) return *why;
    if (auto why = id_field(*data, "user_id", r.user_id)) return *why;

    if (data->contains("correlation_id")) {
        if (auto why = id_field(*data, "correlation_id", r.correlation_id)) return *why;
    } else {
        r.correlation_id = r.event_id;
    }

    // The event's own timestamp wins; the envelope's `time` is the fallback. Normalized so text order = time order.
    std::optional<Timestamp> at;
    if (const json::value* ts = data->if_contains("timestamp")) {
        const json::string* s = ts->if_string();
        if (s != nullptr) at = parse_rfc3339(std::string_view(s->data(), s->size()));
        if (!at) return std::string("data.timestamp must be an RFC 3339 date-time");
    } else if (event.time != Timestamp{}) {  // parse_cloud_event leaves the epoch when `time` is absent
        at = event.time;
    }
    if (!at) return std::string("neither data.timestamp nor time is present");
    r.timestamp = format_rfc3339(*at);

    json::value payload = json::object{};
    if (json::value* p = data->if_contains("payload")) {
        if (!p->is_object()) return std::string("data.payload must be a JSON object");
        payload = std::move(*p);
    }

    json::object item;
    item.reserve(8);
    item.emplace("event_id", json::string_view(r.event_id));
    item.emplace("event_type", json::string_view(r.event_type));
    item.emplace("task_id", json::string_view(r.task_id));
    item.emplace("user_id", json::string_view(r.user_id));
    item.emplace("correlation_id", json::string_view(r.correlation_id));
    item.emplace("timestamp", json::string_view(r.timestamp));
    item.emplace("source", json::string_view(r.source));
    item.emplace("payload", std::move(payload));
    r.item = json::serialize(item);
    return r;
}

}  // namespace todoai::audit

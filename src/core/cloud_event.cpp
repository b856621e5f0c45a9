#include "core/cloud_event.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/task_json.hpp"
#include "core/time.hpp"

namespace todoai {

namespace json = boost::json;

namespace {

constexpr std::string_view kTypePrefix = "com.todoai.";
constexpr std::string_view kTodoSource = "todo-service";

void put_time(json::object& o, std::string_view key, Timestamp t) {
    std::array<char, kRfc3339Length> buf;
    format_rfc3339(t, buf);
    o.emplace(key, json::string_view(buf.data(), buf.size()));
}

// Reads an optional string attribute; returns a reason when it is present but not a string (or empty when
// non_empty).
std::optional<std::string> string_attribute(const json::object& o,
                                            std::string_view name,
                                            bool required,
                                            std::string& out) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr) {
        if (required) return "missing attribute '" + std::string(name) + "'";
        return std::nullopt;
    }
    const json::string* s = v->if_string();
    if (s == nullptr || (required && s->empty()))
        return "attribute '" + std::string(name) + "' must be a " + (required ? "non-empty " : "") + "string";
    out.assign(s->data(), s->size());
    return std::nullopt;
}

}  // namespace

std::string short_event_type(std::string_view type) {
    if (type.starts_with(kTypePrefix)) type.remove_prefix(kTypePrefix.size());
    std::string out(type);
    for (char& c : out) {
        if (c == '.') c = '-';
    }
    return out;
}

json::object to_json(const CloudEvent& e) {
    json::object o;
    o.reserve(9);
    o.emplace("specversion", "1.0");
    o.emplace("id", json::string_view(e.id));
    o.emplace("source", json::string_view(e.source));
    o.emplace("type", json::string_view(e.type));
    if (!e.subject.empty()) o.emplace("subject", json::string_view(e.subject));
    put_time(o, "time", e.time);
    if (!e.datacontenttype.empty()) o.emplace("datacontenttype", json::string_view(e.datacontenttype));
    if (e.traceparent) o.emplace("traceparent", json::string_view(*e.traceparent));
    if (!e.data.is_null()) o.emplace("data", e.data);
    return o;
}

std::string serialize(const CloudEvent& event) { return json::serialize(to_json(event)); }

std::variant<CloudEvent, std::string> parse_cloud_event(std::string_view json_text) {
    boost::system::error_code ec;
    json::value root = json::parse(json_text, ec);
    if (ec) return "not valid JSON: " + ec.message();
    json::object* o = root.if_object();
    if (o == nullptr) return std::string("not a JSON object");

    std::string specversion;
    if (auto why = string_attribute(*o, "specversion", true, specversion)) return *why;
    if (specversion != "1.0") return "unsupported specversion '" + specversion + "' (expected '1.0')";

    CloudEvent e;
    if (auto why = string_attribute(*o, "id", true, e.id)) return *why;
    if (auto why = string_attribute(*o, "source", true, e.source)) return *why;
    if (auto why = string_attribute(*o, "type", true, e.type)) return *why;
    if (auto why = string_attribute(*o, "subject", false, e.subject)) return *why;
    if (auto why = string_attribute(*o, "datacontenttype", false, e.datacontenttype)) return *why;
    if (o->contains("traceparent")) {
        std::string traceparent;
        if (auto why = string_attribute(*o, "traceparent", false, traceparent)) return *why;
        e.traceparent = std::move(traceparent);
    }
    if (const json::value* t = o->if_contains("time")) {
        const json::string* s = t->if_string();
        std::optional<Timestamp> parsed;
        if (s != nullptr) parsed = parse_rfc3339(std::string_view(s->data(), s->size()));
        if (!parsed) return std::string("attribute 'time' must be an RFC 3339 timestamp");
        e.time = *parsed;
    }
    if (o->contains("data_base64")) return std::string("attribute 'data_base64' is not supported (expected JSON data)");
    if (json::value* data = o->if_contains("data")) e.data = std::move(*data);
    return e;
}

CloudEvent make_task_event(std::string_view type,
                           const Task& snapshot,
                           std::string event_id,
                           Timestamp now,
                           std::optional<std::string> correlation_id) {
    json::object data;
    data.reserve(8);
    data.emplace("event_id", json::string_view(event_id));
    data.emplace("event_type", short_event_type(type));
    data.emplace("task_id", json::string_view(snapshot.id));
    data.emplace("user_id", json::string_view(snapshot.user_id));
    data.emplace("correlation_id", json::string_view(correlation_id ? *correlation_id : event_id));
    put_time(data, "timestamp", now);
    data.emplace("schema_version", "1.0");
    data.emplace("payload", to_json(snapshot));

    CloudEvent e;
    e.id = std::move(event_id);
    e.source = std::string(kTodoSource);
    e.type = std::string(type);
    e.subject = snapshot.id;
    e.time = now;
    e.data = std::move(data);
    return e;
}

}  // namespace todoai

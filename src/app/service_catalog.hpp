#pragma once
// The five services as the command line and the deployment name them: `serve <name>`, the port of seed 000, the
// store's SQLite file and PostgreSQL schema, and the app id others invoke it by.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace todoai::app {

enum class Service { todo, audit, websocket, notification, recurring };

struct ServiceInfo {
    Service service;
    std::string_view name;    // "todo": `serve todo`, the SQLite file todo.db
    std::string_view app_id;  // "todo-service": invocation target, CloudEvents source
    std::uint16_t port;       // when served alone
    std::string_view schema;  // PostgreSQL schema (seed 000)
};

// In the order a process builds, subscribes and starts them (the memory bus delivers in subscription order: the live
// feed first, so its latency shows).
inline constexpr std::array<ServiceInfo, 5> kServices = {{
    {Service::todo, "todo", "todo-service", 8001, "todo_service"},
    {Service::websocket, "websocket", "websocket-service", 8003, "websocket_service"},
    {Service::audit, "audit", "audit-service", 8002, "audit_service"},
    {Service::notification, "notification", "notification-service", 8004, "notification_service"},
    {Service::recurring, "recurring", "recurring-service", 8005, "recurring_service"},
}};

/// The port of the all-in-one process.
inline constexpr std::uint16_t kAllInOnePort = 8000;

inline const ServiceInfo& info(Service s) {
    for (const auto& i : kServices)
        if (i.service == s) return i;
    return kServices[0];  // unreachable: every enumerator is listed
}

/// `serve <name>`: "all" is every service; nothing for an unknown name.
inline std::optional<std::vector<Service>> parse_services(std::string_view name) {
    std::vector<Service> out;
    for (const auto& i : kServices)
        if (name == "all" || name == i.name) out.push_back(i.service);
    if (out.empty()) return std::nullopt;
    return out;
}

}  // namespace todoai::app

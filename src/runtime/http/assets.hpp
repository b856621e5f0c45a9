#pragma once
// Files compiled into the binary at build time (cmake/embed.cmake): the OpenAPI document and the web UI.
#include <optional>
#include <span>
#include <string_view>

namespace todoai::assets {

struct Asset {
    std::string_view name;  // path relative to the source tree, e.g. "web/index.html"
    std::string_view data;
};

std::span<const Asset> all();

inline std::optional<std::string_view> find(std::string_view name) {
    for (const auto& asset : all())
        if (asset.name == name) return asset.data;
    return std::nullopt;
}

}  // namespace todoai::assets

#pragma once
// Small text helpers shared by every layer.
#include <string>
#include <string_view>

namespace todoai {

/// ASCII letters lowercased, every other byte (UTF-8 included) unchanged: for case-insensitive keys such as header
/// names, e-mail addresses and search text.
inline std::string to_lower_ascii(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace todoai

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

/// Appends `value` as a Prometheus label value (text exposition format 0.0.4): backslash, double quote and newline
/// escaped.
inline void append_prometheus_label(std::string& out, std::string_view value) {
    for (const char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

}  // namespace todoai

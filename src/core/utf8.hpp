#pragma once
// UTF-8 helpers for the length limits, which DESIGN.md counts in characters (Unicode code points).
#include <cstddef>
#include <optional>
#include <string_view>

namespace todoai {

/// Number of code points in well-formed UTF-8 text; nullopt if the text is not well-formed (overlong forms,
/// surrogates, code points above U+10FFFF and truncated sequences are rejected).
std::optional<std::size_t> utf8_length(std::string_view text);

}  // namespace todoai

#pragma once
// UTF-8 helpers for the length limits, which DESIGN.md counts in characters (Unicode code points).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace todoai {

/// Number of code points in well-formed UTF-8 text; nullopt if the text is not well-formed (overlong forms,
/// surrogates, code points above U+10FFFF and truncated sequences are rejected).
std::optional<std::size_t> utf8_length(std::string_view text);

/// `text` with every byte that is not part of a well-formed sequence replaced by U+FFFD, so it can be echoed in
/// JSON (an error detail quoting a client's path, say).
std::string to_valid_utf8(std::string_view text);

}  // namespace todoai

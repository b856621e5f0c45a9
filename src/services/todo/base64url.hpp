#pragma once
// Base64url without padding (RFC 4648 §5), for opaque cursors.
#include <optional>
#include <string>
#include <string_view>

namespace todoai::todo {

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace todoai::todo

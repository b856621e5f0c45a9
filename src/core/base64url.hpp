#pragma once
// Base64url without padding (RFC 4648 §5): opaque cursors, JWS parts and JWK coordinates.
#include <optional>
#include <string>
#include <string_view>

namespace todoai {

std::string base64url_encode(std::string_view bytes);
/// nullopt for a character outside the alphabet, padding, or a text longer than `max_text`.
std::optional<std::string> base64url_decode(std::string_view text, std::size_t max_text = 4096);

}  // namespace todoai

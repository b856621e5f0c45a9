#include "core/base64url.hpp"

#include <boost/beast/core/detail/base64.hpp>

namespace todoai {

// Beast ships a standard-alphabet base64 codec; we translate the two characters that differ in base64url.
std::string base64url_encode(std::string_view bytes) {
    namespace b64 = boost::beast::detail::base64;
    std::string out(b64::encoded_size(bytes.size()), '\0');
    out.resize(b64::encode(out.data(), bytes.data(), bytes.size()));
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text, std::size_t max_text) {
    namespace b64 = boost::beast::detail::base64;
    if (text.size() > max_text) return std::nullopt;
    std::string in(text);
    for (auto& c : in) {
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (c == '+' || c == '/' || c == '=')
            return std::nullopt;
    }
    const auto unpadded = in.size();
    while (in.size() % 4) in.push_back('=');
    std::string out(b64::decoded_size(in.size()), '\0');
    auto [written, read] = b64::decode(out.data(), in.data(), in.size());
    if (read != unpadded) return std::nullopt;  // stopped early: a character outside the alphabet
    out.resize(written);
    return out;
}

}  // namespace todoai

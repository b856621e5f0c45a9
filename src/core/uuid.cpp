#include "core/uuid.hpp"

#include <array>
#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid.hpp>
#include <cstdint>
#include <random>
#include <stdexcept>

namespace todoai {

namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string to_text(const std::array<std::uint8_t, 16>& b) {
    std::string out(36, '-');
    std::size_t o = 0;
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) ++o;  // skip the hyphen already in place
        out[o++] = kHex[b[i] >> 4];
        out[o++] = kHex[b[i] & 0x0f];
    }
    return out;
}

constexpr bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::mt19937_64& thread_rng() {
    thread_local std::mt19937_64 rng = [] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937_64{seq};
    }();
    return rng;
}

}  // namespace

std::string new_uuid_v7(Timestamp now) {
    const auto ms_signed = now.time_since_epoch().count();
    const std::uint64_t ms = ms_signed < 0 ? 0 : static_cast<std::uint64_t>(ms_signed) & 0xFFFF'FFFF'FFFFull;
    auto& rng = thread_rng();
    const std::uint64_t r1 = rng();
    const std::uint64_t r2 = rng();

    std::array<std::uint8_t, 16> b{};
    for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
    b[6] = static_cast<std::uint8_t>(0x70 | ((r1 >> 8) & 0x0f));  // version 7 + rand_a (12 bits)
    b[7] = static_cast<std::uint8_t>(r1);
    b[8] = static_cast<std::uint8_t>(0x80 | ((r1 >> 16) & 0x3f));  // variant 10 + rand_b (62 bits)
    for (int i = 9; i < 16; ++i) b[i] = static_cast<std::uint8_t>(r2 >> (8 * (i - 9)));
    return to_text(b);
}

std::string uuid_v5(std::string_view namespace_uuid, std::string_view name) {
    if (!is_uuid(namespace_uuid)) throw std::invalid_argument("uuid_v5: namespace is not a UUID");
    const boost::uuids::uuid ns = boost::uuids::string_generator{}(namespace_uuid.begin(), namespace_uuid.end());
    const boost::uuids::uuid id = boost::uuids::name_generator_sha1{ns}(name.data(), name.size());
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < 16; ++i) b[i] = id.data[i];
    return to_text(b);
}

bool is_uuid(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < 36; ++i) {
        const bool hyphen = i == 8 || i == 13 || i == 18 || i == 23;
        if (hyphen ? text[i] != '-' : !is_hex(text[i])) return false;
    }
    return true;
}

}  // namespace todoai

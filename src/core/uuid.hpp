#pragma once
// UUIDs as canonical lowercase text (8-4-4-4-12).
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace todoai {

/// UUIDv7 (RFC 9562): time-ordered, so ids created later sort later and B-tree inserts stay at the end.
/// Thread-safe; the random part comes from a per-thread generator seeded from std::random_device.
std::string new_uuid_v7(Timestamp now);

/// UUIDv5 (SHA-1 name-based): the same namespace and name always give the same id.
std::string uuid_v5(std::string_view namespace_uuid, std::string_view name);

/// True for a canonical 36-character UUID in any case.
bool is_uuid(std::string_view text);

}  // namespace todoai

#pragma once
#include <span>

#include "runtime/store/database.hpp"

namespace todoai::todo {

/// The todo service's schema: users, tasks, outbox, idempotency keys.
std::span<const store::Migration> migrations();

}  // namespace todoai::todo

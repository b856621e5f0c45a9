#pragma once
#include <span>

#include "runtime/store/database.hpp"

namespace todoai::notification {

/// The notification service's schema: reminder schedule, task version marks, notifications, outbox, processed
/// markers.
std::span<const store::Migration> migrations();

}  // namespace todoai::notification

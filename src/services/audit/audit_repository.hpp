#pragma once
// The audit service's SQL: the audit_log table (and the processed-event markers), writes and the keyset-paged read.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/database.hpp"
#include "services/audit/audit_event.hpp"
#include "services/audit/audit_query.hpp"

namespace todoai::audit {

/// 1: processed_events (pubsub's markers); 2: audit_log. Both dialects.
std::span<const store::Migration> audit_migrations();

/// Stores `records` in a few multi-row statements; records already stored (by event id) are skipped.
void insert_records(store::Transaction& tx, std::span<const AuditRecord* const> records, std::string_view recorded_at);

struct AuditPage {
    std::vector<std::string> items;               // stored item JSON texts, newest first
    std::optional<std::int64_t> next_before_seq;  // set when more items follow
};

/// The user's items matching `query`, newest (highest seq) first, at most query.limit of them.
AuditPage list_records(store::Transaction& tx, std::string_view user_id, const AuditQuery& query);

}  // namespace todoai::audit

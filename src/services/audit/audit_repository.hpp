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

/// Inserts the record inside `tx`; false when an item with its event_id is already there (nothing changes).
bool insert_record(store::Transaction& tx, const AuditRecord& record, std::string_view recorded_at);

struct AuditPage {
    std::vector<std::string> items;               // stored item JSON texts, newest first
    std::optional<std::int64_t> next_before_seq;  // set when more items follow
};

/// The user's items matching `query`, newest (highest seq) first, at most query.limit of them.
AuditPage list_records(store::Transaction& tx, std::string_view user_id, const AuditQuery& query);

}  // namespace todoai::audit

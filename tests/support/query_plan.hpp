#pragma once
// The plan a store chooses for a statement, as text, so a test can require an index: per-event and per-request
// statements must not fall back to a scan as the data grows (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN).
#include <span>
#include <string>
#include <string_view>

#include "runtime/store/database.hpp"

namespace todoai::testing {

inline std::string query_plan(store::Transaction& tx,
                              store::Dialect dialect,
                              std::string_view sql,
                              std::span<const store::Value> params = {}) {
    const bool sqlite = dialect == store::Dialect::sqlite;
    const auto rows = tx.query((sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + std::string(sql), params);
    std::string plan;
    for (const auto& row : rows) {
        plan += row.text(sqlite ? row.size() - 1 : 0);  // SQLite: id, parent, notused, detail
        plan += '\n';
    }
    return plan;
}

}  // namespace todoai::testing

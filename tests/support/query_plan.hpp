#pragma once
// The plan a store chooses for a statement, as text, so a test can require an index: per-event and per-request
// statements must not fall back to a scan as the data grows (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN).
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

/// Whether `plan` reads the whole of `table`: PostgreSQL's Seq Scan, or SQLite's SCAN of it (of the table itself or of
/// one of its indexes from end to end).
inline bool reads_whole_table(const std::string& plan, std::string_view table) {
    if (plan.find("Seq Scan on " + std::string(table)) != std::string::npos) return true;
    const std::string scan = "SCAN " + std::string(table);
    for (std::size_t at = plan.find(scan); at != std::string::npos; at = plan.find(scan, at + 1)) {
        const auto end = at + scan.size();
        if ((at == 0 || plan[at - 1] == '\n' || plan[at - 1] == ' ') &&
            (end == plan.size() || plan[end] == '\n' || plan[end] == ' '))
            return true;
    }
    return false;
}

/// Whether `plan` sorts rows the index did not give in order (PostgreSQL's Sort node, SQLite's temporary B-tree).
inline bool sorts(const std::string& plan) {
    return plan.find("Sort") != std::string::npos || plan.find("TEMP B-TREE FOR ORDER BY") != std::string::npos;
}

}  // namespace todoai::testing

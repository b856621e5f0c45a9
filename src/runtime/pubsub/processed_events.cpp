#include "runtime/pubsub/processed_events.hpp"

#include <string>
#include <unordered_set>

#include "runtime/store/batch_insert.hpp"

namespace todoai::pubsub {

std::string marker_key(std::string_view event_id, std::string_view service) {
    std::string key = "processed-";
    key.append(event_id).append("-").append(service);
    return key;
}

bool claim_event(store::Transaction& tx, std::string_view event_id, std::string_view service, std::string_view now) {
    std::string key = marker_key(event_id, service);
    // ON CONFLICT ... DO NOTHING: SQLite >= 3.24 and PostgreSQL alike; a repeat changes no row.
    return tx.execute("INSERT INTO processed_events (key, processed_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                      {std::move(key), std::string(now)}) == 1;
}

namespace {

std::string multi_row_insert(std::size_t rows) {
    std::string sql = "INSERT INTO processed_events (key, processed_at) VALUES ";
    for (std::size_t i = 0; i < rows; ++i) {
        if (i) sql += ", ";
        sql += "($" + std::to_string(i + 2) + ", $1)";
    }
    return sql + " ON CONFLICT (key) DO NOTHING RETURNING key";
}

}  // namespace

std::int64_t prune_processed_events(store::Transaction& tx, std::string_view older_than, std::int64_t limit) {
    // Bounded, so one transaction never holds a table's worth of deletes (the first prune after an upgrade).
    return tx.execute(
        "DELETE FROM processed_events WHERE key IN "
        "(SELECT key FROM processed_events WHERE processed_at < $1 ORDER BY processed_at LIMIT $2)",
        {std::string(older_than), limit});
}

std::vector<bool> claim_events(store::Transaction& tx,
                               std::span<const std::string> event_ids,
                               std::string_view service,
                               std::string_view now) {
    std::vector<std::string> keys;
    keys.reserve(event_ids.size());
    for (const auto& id : event_ids) keys.push_back(marker_key(id, service));

    std::unordered_set<std::string> recorded;
    for (std::size_t from = 0; from < keys.size();) {
        const std::size_t rows = store::batch_rows(keys.size() - from);
        std::vector<store::Value> params{std::string(now)};
        for (std::size_t i = 0; i < rows; ++i) params.emplace_back(keys[from + i]);
        for (const auto& row : tx.query(multi_row_insert(rows), params)) recorded.insert(row.text(0));
        from += rows;
    }
    // Each recorded key counts once: a repeat later in the batch was not recorded by this call.
    std::vector<bool> claimed(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) claimed[i] = recorded.erase(keys[i]) > 0;
    return claimed;
}

}  // namespace todoai::pubsub

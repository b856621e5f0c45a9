#pragma once
// Multi-row statements: `VALUES ($1, $2), ($3, $4), ...` for a batch, in chunks of at most kMaxBatchRows rows. Each
// row count is its own statement text, so a connection prepares at most kMaxBatchRows texts per statement shape (both
// drivers cache prepared statements by text): one round trip per chunk, where splitting into a few fixed sizes made
// a batch of 7 four statements.
#include <algorithm>
#include <cstddef>
#include <string>

namespace todoai::store {

inline constexpr std::size_t kMaxBatchRows = 64;

/// How many of the `remaining` rows the next statement takes (at least 1).
inline std::size_t batch_rows(std::size_t remaining) { return std::clamp<std::size_t>(remaining, 1, kMaxBatchRows); }

/// "($first, ...), (...)": `rows` tuples of `columns` numbered parameters, starting at $first.
inline std::string values_list(std::size_t rows, std::size_t columns, std::size_t first = 1) {
    std::string out;
    std::size_t n = first;
    for (std::size_t r = 0; r < rows; ++r) {
        out += r ? ", (" : "(";
        for (std::size_t c = 0; c < columns; ++c) {
            if (c) out += ", ";
            out += '$';
            out += std::to_string(n++);
        }
        out += ')';
    }
    return out;
}

}  // namespace todoai::store

#pragma once
// Multi-row INSERT statements: `VALUES ($1, $2), ($3, $4), ...` for a batch, split into a few fixed row counts so a
// connection prepares at most that many statement texts (both drivers cache prepared statements by their text).
#include <algorithm>
#include <cstddef>
#include <string>

namespace todoai::store {

/// The row counts a batch is split into, largest first.
inline constexpr std::size_t kBatchRows[] = {64, 16, 4, 1};

/// The largest of kBatchRows not above `remaining` (at least 1).
inline std::size_t batch_rows(std::size_t remaining) {
    return *std::find_if(std::begin(kBatchRows), std::end(kBatchRows), [&](std::size_t n) { return n <= remaining; });
}

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

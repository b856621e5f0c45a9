#include "app/store_problems.hpp"

#include <string>

#include "runtime/store/database.hpp"

namespace todoai::app {

std::optional<http::Problem> store_problem(const std::exception& e) {
    const auto* store_error = dynamic_cast<const store::StoreError*>(&e);
    if (store_error == nullptr || store_error->kind() != store::StoreError::Kind::unavailable) return std::nullopt;
    http::Problem problem{.status = 503,
                          .title = std::string(http::status_title(503)),
                          .detail = "the store is unavailable; retry shortly",
                          .headers = {{"Retry-After", "1"}}};
    // A query that stops at its limit would stop there again: the client learns that narrowing it is what helps.
    if (const auto* timeout = dynamic_cast<const store::StatementTimeout*>(&e)) {
        problem.detail = "the query ran past the store's time limit of " + std::to_string(timeout->limit().count()) +
                         " ms per statement and was stopped; narrow it (a longer search text, a status, tag or date "
                         "filter) or retry later";
    }
    return problem;
}

}  // namespace todoai::app

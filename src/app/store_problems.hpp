#pragma once
// How the HTTP edge answers a store failure that escaped a handler: a store busy or unreachable past its timeout, or
// a statement stopped at its time limit, is a 503 the client may retry, not a 500.
#include <exception>
#include <optional>

#include "runtime/http/problem.hpp"

namespace todoai::app {

/// 503 problem+json with Retry-After for a StoreError of kind unavailable (the detail names the time limit when a
/// statement ran past it); nothing for any other exception.
std::optional<http::Problem> store_problem(const std::exception& e);

}  // namespace todoai::app

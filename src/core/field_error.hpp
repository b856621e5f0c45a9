#pragma once
// A validation failure of one input field; the HTTP edge renders a list of them as a 422 problem.
#include <string>
#include <vector>

namespace todoai {

struct FieldError {
    std::string field;    // JSON path of the offending field, e.g. "title", "tags[3]", "reminders[0].at"
    std::string message;  // what is wrong and what would be accepted

    bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

}  // namespace todoai

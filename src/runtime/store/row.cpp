#include <string>

#include "runtime/store/database.hpp"

namespace todoai::store {
namespace {

const char* type_name(const Value& v) {
    switch (v.index()) {
        case 0:
            return "NULL";
        case 1:
            return "integer";
        case 2:
            return "real";
        default:
            return "text";
    }
}

[[noreturn]] void wrong_type(std::size_t i, const Value& v, const char* wanted) {
    throw StoreError(StoreError::Kind::other,
                     "column " + std::to_string(i) + " is " + type_name(v) + ", expected " + wanted);
}

}  // namespace

std::int64_t Row::int64(std::size_t i) const {
    const Value& v = values_.at(i);
    if (const auto* p = std::get_if<std::int64_t>(&v)) return *p;
    wrong_type(i, v, "integer");
}

double Row::real(std::size_t i) const {
    const Value& v = values_.at(i);
    if (const auto* p = std::get_if<double>(&v)) return *p;
    if (const auto* p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
    wrong_type(i, v, "real");
}

const std::string& Row::text(std::size_t i) const {
    const Value& v = values_.at(i);
    if (const auto* p = std::get_if<std::string>(&v)) return *p;
    wrong_type(i, v, "text");
}

std::optional<std::string> Row::optional_text(std::size_t i) const {
    if (is_null(i)) return std::nullopt;
    return text(i);
}

std::optional<std::int64_t> Row::optional_int64(std::size_t i) const {
    if (is_null(i)) return std::nullopt;
    return int64(i);
}

}  // namespace todoai::store

// Task input as clients send it (POST/PUT bodies and PATCH merge patches): JSON text -> normalisation ->
// validation, and a patch merged onto a task that was itself built from fuzzed input. Whatever the bytes, the result
// is fields or field errors, never a crash; fields that validate must survive their own JSON round trip.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "core/task_input.hpp"
#include "core/task_json.hpp"

namespace {

namespace json = boost::json;

// The input is "<body>\x00<patch>": the body is a PUT, the patch a PATCH onto what the body gave (or a default task).
std::pair<std::string_view, std::string_view> split(std::string_view in) {
    const auto cut = in.find('\0');
    if (cut == std::string_view::npos) return {in, {}};
    return {in.substr(0, cut), in.substr(cut + 1)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [body_text, patch_text] = split(std::string_view(reinterpret_cast<const char*>(data), size));
    boost::system::error_code ec;
    auto body = json::parse(body_text, ec);
    if (ec) return 0;

    todoai::TaskFields current;
    current.title = "seed";
    auto parsed = todoai::parse_task_fields(body);
    if (auto* fields = std::get_if<todoai::TaskFields>(&parsed)) {
        // What validation accepts must read back as the same fields: writable_json is what PATCH merges onto.
        auto again = todoai::parse_task_fields(todoai::writable_json(*fields));
        if (!std::holds_alternative<todoai::TaskFields>(again) || std::get<todoai::TaskFields>(again) != *fields)
            std::abort();
        current = *fields;
    }
    // The raw merge patch on its own (RFC 7396), then PATCH's whole path.
    (void)json::serialize(todoai::apply_merge_patch(body, body));
    if (patch_text.empty()) return 0;
    auto patch = json::parse(patch_text, ec);
    if (ec) return 0;
    (void)todoai::apply_merge_patch(body, patch);
    (void)todoai::apply_task_patch(current, patch);
    if (patch.is_object()) {
        auto camel = patch;
        todoai::to_camel_case_output(camel);
    }
    return 0;
}

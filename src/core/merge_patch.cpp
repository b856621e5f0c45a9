#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/task_json.hpp"

namespace todoai {

namespace json = boost::json;

json::value apply_merge_patch(json::value target, const json::value& patch) {
    const json::object* p = patch.if_object();
    if (p == nullptr) return patch;
    if (!target.is_object()) target = json::object{};
    json::object& t = target.get_object();
    for (const auto& kv : *p) {
        if (kv.value().is_null()) {
            t.erase(kv.key());
            continue;
        }
        json::value* existing = t.if_contains(kv.key());
        if (existing != nullptr) {
            *existing = apply_merge_patch(std::move(*existing), kv.value());
        } else {
            t.emplace(kv.key(), apply_merge_patch(json::value{}, kv.value()));
        }
    }
    return target;
}

}  // namespace todoai

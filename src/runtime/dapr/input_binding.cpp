#include "runtime/dapr/input_binding.hpp"

#include <boost/json/object.hpp>

#include "runtime/dapr/app_token.hpp"

namespace todoai::dapr {

void register_input_binding(http::Router& router,
                            const std::string& name,
                            std::string app_token,
                            std::function<std::size_t()> on_trigger) {
    router.add(http::Method::options, "/" + name, [app_token](http::Request& req) {
        check_sidecar_token(req, app_token);
        return http::Response::empty(200);
    });
    router.add(http::Method::post, "/" + name, [app_token, on_trigger = std::move(on_trigger)](http::Request& req) {
        check_sidecar_token(req, app_token);
        const auto handled = on_trigger();
        return http::Response::json(200, boost::json::object{{"handled", handled}});
    });
}

}  // namespace todoai::dapr

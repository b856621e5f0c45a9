#pragma once
// An input binding's app side (bindings.cron `reminder-check-cron`, seed 001): daprd probes `OPTIONS /<name>` at
// start-up (2xx: the app takes the binding) and then calls `POST /<name>` on each tick (anything but 200 is retried).
#include <cstddef>
#include <functional>
#include <string>

#include "runtime/http/router.hpp"

namespace todoai::dapr {

/// Registers OPTIONS and POST /<name>; POST runs `on_trigger` (it returns how many items it handled, for the answer
/// `{"handled": n}`). With an app token both require daprd's `dapr-api-token` (401 otherwise).
void register_input_binding(http::Router& router,
                            const std::string& name,
                            std::string app_token,
                            std::function<std::size_t()> on_trigger);

}  // namespace todoai::dapr

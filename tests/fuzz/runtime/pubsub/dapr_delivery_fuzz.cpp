// What daprd POSTs to /events/<topic> (runtime/pubsub/dapr: DaprBus::deliver): a structured CloudEvent body, here any
// bytes, through the subscriber route into the real consumers of every service (audit, websocket, notification,
// recurring) of an all-in-one process in Dapr mode (fuzz_app.hpp). The first byte picks the topic. Whatever the body,
// the answer is 200 with SUCCESS, RETRY or DROP: a 500, or any other status, is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "app/fuzz_app.hpp"
#include "runtime/http/request.hpp"
#include "runtime/pubsub/topic_layout.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static todoai::fuzz::FuzzApp app{todoai::fuzz::FuzzApp::Bus::dapr};
    static const todoai::pubsub::Topics topics;
    if (size == 0) return 0;
    const auto task = topics.task_topics();
    const auto reminder = topics.reminder_topics();
    const auto pick = data[0] % (task.size() + reminder.size());
    const auto topic = pick < task.size() ? task[pick] : reminder[pick - task.size()];

    todoai::http::Request req;
    req.method = todoai::http::Method::post;
    req.target = req.path = "/events/" + std::string(topic);
    req.headers = {{"content-type", "application/cloudevents+json"}, {"dapr-api-token", todoai::fuzz::kAppToken}};
    if (data[0] & 0x80) req.headers.emplace_back("__key", todoai::fuzz::kUser);
    req.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
    req.request_id = "fuzz";
    const auto res = app.process->router().dispatch(req);
    if (res.status != 200 || res.body.find("\"status\":") == std::string::npos) {
        std::fprintf(stderr, "answered %d: %s\n", res.status, res.body.c_str());
        __builtin_trap();
    }
    return 0;
}

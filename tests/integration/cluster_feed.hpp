#pragma once
// A live-feed client for the cluster tests: one WebSocket connection whose frames are tallied by (event type,
// subject), so a test can wait for what it expects and then check that nothing came twice.
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "runtime/http/websocket_test_client.hpp"

namespace todoai::testing {

class FeedTally {
  public:
    FeedTally(std::uint16_t port, const std::string& token) : client_(port) {
        auto ec = client_.handshake("/ws?token=" + token);
        EXPECT_FALSE(ec) << "feed handshake on port " << port << ": " << ec.message();
    }

    /// Reads frames until `done()` holds or `deadline` passes; false on a timeout or a broken connection.
    bool read_until(std::chrono::milliseconds deadline, const std::function<bool()>& done) {
        const auto end = std::chrono::steady_clock::now() + deadline;
        while (!done()) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !read_one(left)) return false;
        }
        return true;
    }

    /// How many frames of `type` about `subject` (a task id) arrived.
    int count(std::string_view type, const std::string& subject) const {
        auto it = counts_.find({std::string(type), subject});
        return it == counts_.end() ? 0 : it->second;
    }

    /// Frames that arrive within `quiet` are tallied; the first timeout ends it. For checking that no duplicate
    /// follows what was awaited: absence can only be observed over some time.
    void drain(std::chrono::milliseconds quiet) {
        while (read_one(quiet)) {
        }
    }

  private:
    bool read_one(std::chrono::milliseconds deadline) {
        if (broken_) return false;
        auto frame = client_.read(deadline);
        if (frame.ec) {
            broken_ = true;  // a timed-out read leaves its operation pending: this client reads no more
            return false;
        }
        auto event = boost::json::parse(frame.text).as_object();
        std::string subject;
        if (auto* s = event.if_contains("subject"); s && s->is_string()) subject = s->get_string();
        ++counts_[{std::string(event.at("type").as_string()), subject}];
        return true;
    }

    WsClient client_;
    bool broken_ = false;
    std::map<std::pair<std::string, std::string>, int> counts_;
};

}  // namespace todoai::testing

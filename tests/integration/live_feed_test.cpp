// The WebSocket feed of the real binary: each change of mine arrives as a CloudEvent, never another user's; a
// reminder arrives on the socket at its time; a reconnecting client catches up with ?after=; no token, no upgrade.
#include "core/cloud_event.hpp"
#include "core/time.hpp"
#include "integration/event_support.hpp"
#include "integration/todoai_fixture.hpp"
#include "runtime/http/websocket_test_client.hpp"

namespace todoai::testing {
namespace {

using boost::json::object;

class LiveFeed : public TodoaiTest {
  protected:
    std::unique_ptr<WsClient> connect(const std::string& token, const std::string& query = "") {
        auto ws = std::make_unique<WsClient>(process_->port());
        auto ec = ws->handshake("/ws?token=" + token + query);
        EXPECT_FALSE(ec) << "handshake: " << ec.message();
        return ws;
    }

    static object next_event(WsClient& ws) {
        auto r = ws.read();
        EXPECT_FALSE(r.ec) << "read: " << r.ec.message();
        if (r.ec) return {};
        return boost::json::parse(r.text).as_object();
    }
};

void expect_cloud_event(const object& e, std::string_view type, const std::string& task_id, const std::string& user) {
    EXPECT_EQ(str(e.at("specversion")), "1.0");
    EXPECT_EQ(str(e.at("type")), type);
    EXPECT_EQ(str(e.at("subject")), task_id);
    EXPECT_EQ(str(e.at("datacontenttype")), "application/json");
    EXPECT_TRUE(parse_rfc3339(str(e.at("time")))) << e;
    EXPECT_FALSE(str(e.at("source")).empty());
    const auto& data = e.at("data").as_object();
    EXPECT_EQ(data.at("event_id"), e.at("id"));
    EXPECT_EQ(str(data.at("task_id")), task_id);
    EXPECT_EQ(str(data.at("user_id")), user);
    EXPECT_EQ(str(data.at("schema_version")), "1.0");
    EXPECT_TRUE(data.at("payload").is_object());
}

TEST_F(LiveFeed, EachChangeArrivesAsACloudEventAndNeverAnotherUsers) {
    auto [other_user, other_token] = sign_up(*client_, "other@example.com");
    auto mine = connect(token_);
    auto theirs = connect(other_token);

    auto task = create({{"title", "watched"}});
    const auto id = str(task.at("id"));
    ASSERT_EQ(call("PATCH", task_path(id), object{{"priority", "high"}}).status, 200);
    ASSERT_EQ(call("PATCH", task_path(id) + "/complete").status, 200);
    ASSERT_EQ(call("DELETE", task_path(id)).status, 204);

    const std::string_view expected[] = {event_type::kTaskCreated, event_type::kTaskUpdated, event_type::kTaskCompleted,
                                         event_type::kTaskDeleted};
    for (auto type : expected) {
        auto e = next_event(*mine);
        ASSERT_FALSE(e.empty());
        expect_cloud_event(e, type, id, user_);
        EXPECT_EQ(str(e.at("source")), "todo-service");
    }

    // The other user's first frame is their own task: nothing of mine was queued before it.
    auto own = client_->authed("POST", "/api/" + other_user + "/tasks", other_token, R"({"title":"theirs"})");
    ASSERT_EQ(own.status, 201);
    auto e = next_event(*theirs);
    ASSERT_FALSE(e.empty());
    expect_cloud_event(e, event_type::kTaskCreated, str(own.json().at("id")), other_user);
}

TEST_F(LiveFeed, TheTokenMayComeAsASubprotocolAndWithoutOneThereIsNoUpgrade) {
    WsClient via_protocol(process_->port());
    EXPECT_FALSE(via_protocol.handshake("/ws", "bearer." + token_));
    auto task = create({{"title", "via subprotocol"}});
    auto e = boost::json::parse(via_protocol.read().text).as_object();
    EXPECT_EQ(str(e.at("subject")), str(task.at("id")));

    for (const std::string& target :
         std::vector<std::string>{"/ws", "/ws?token=garbage", "/ws?token=" + token_ + "x"}) {
        WsClient refused(process_->port());
        EXPECT_TRUE(refused.handshake(target)) << target << " must be refused before the upgrade";
    }
}

TEST_F(LiveFeed, AReminderArrivesOnTheSocketAtItsTime) {
    auto ws = connect(token_);
    const auto at = now_ms() + std::chrono::milliseconds(2000);
    auto task = create({{"title", "ring"}, {"reminders", boost::json::array{object{{"at", format_rfc3339(at)}}}}});
    const auto id = str(task.at("id"));
    bool scheduled = false;
    for (int i = 0; i < 5; ++i) {
        auto r = ws->read(std::chrono::milliseconds(5000));
        ASSERT_FALSE(r.ec) << r.ec.message();
        auto e = boost::json::parse(r.text).as_object();
        const auto arrived = now_ms();
        if (str(e.at("type")) == event_type::kReminderScheduled) scheduled = true;
        if (str(e.at("type")) != event_type::kReminderFired) continue;
        EXPECT_TRUE(scheduled) << "scheduled comes before fired";
        EXPECT_EQ(str(e.at("subject")), id);
        EXPECT_GE(arrived, at) << "a reminder never arrives early";
        EXPECT_LE(arrived - at, std::chrono::milliseconds(300)) << "fired late by " << (arrived - at).count() << " ms";
        return;
    }
    FAIL() << "no reminder.fired frame";
}

TEST_F(LiveFeed, AReconnectingClientCatchesUpWithAfter) {
    std::string last_seen;
    {
        auto ws = connect(token_);
        create({{"title", "seen"}});
        last_seen = str(next_event(*ws).at("id"));
    }
    auto missed1 = str(create({{"title", "missed 1"}}).at("id"));
    auto missed2 = str(create({{"title", "missed 2"}}).at("id"));
    // Wait until both are delivered (audited) before reconnecting, so the replay, not the live feed, carries them.
    ASSERT_TRUE(poll_until(std::chrono::seconds(10),
                           [&] { return fetch_all(*client_, token_, "/api/" + user_ + "/audit").size() >= 3; }));
    auto ws = connect(token_, "&after=" + last_seen);
    EXPECT_EQ(str(next_event(*ws).at("subject")), missed1);
    EXPECT_EQ(str(next_event(*ws).at("subject")), missed2);

    auto unknown = connect(token_, "&after=00000000-0000-0000-0000-000000000000");
    EXPECT_EQ(str(next_event(*unknown).at("type")), "com.todoai.resync");
}

}  // namespace
}  // namespace todoai::testing

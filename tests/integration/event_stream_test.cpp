// The Server-Sent Events feed of the real binary (/api/{user_id}/events): the same events as /ws, each with its id,
// never another user's; Last-Event-ID (what a reconnecting EventSource sends) and ?after= replay what was missed;
// the token in the header or ?token=, 401/403 as on every user route; the stream ends when the server stops.
#include <fstream>
#include <iterator>

#include "core/cloud_event.hpp"
#include "integration/event_support.hpp"
#include "integration/todoai_fixture.hpp"
#include "support/event_stream_client.hpp"

namespace todoai::testing {
namespace {

using boost::json::object;

class EventStream : public TodoaiTest {
  protected:
    std::string events_path() const { return "/api/" + user_ + "/events"; }

    std::unique_ptr<EventStreamClient> open(const std::string& target, const std::string& headers) {
        auto stream = std::make_unique<EventStreamClient>(process_->port(), target, headers);
        auto head = stream->head();
        EXPECT_TRUE(head) << "no response head for " << target;
        if (head) {
            EXPECT_EQ(head->status, 200) << target << ": " << head->body;
        }
        return stream;
    }
    std::unique_ptr<EventStreamClient> open_mine(const std::string& extra_headers = "") {
        return open(events_path(), "Authorization: Bearer " + token_ + "\r\n" + extra_headers);
    }

    // The next event's CloudEvent, checked against its SSE id.
    static object next_cloud_event(EventStreamClient& stream) {
        auto event = stream.next();
        EXPECT_TRUE(event) << "no event before the deadline";
        if (!event) return {};
        auto cloud_event = boost::json::parse(event->data).as_object();
        EXPECT_EQ(event->id, str(cloud_event.at("id"))) << "the SSE id is the CloudEvent id";
        EXPECT_EQ(event->type, "") << "task events are default messages (EventSource.onmessage)";
        return cloud_event;
    }
};

TEST_F(EventStream, TheResponseIsAnOpenEventStreamThatStartsAtOnce) {
    EventStreamClient stream(process_->port(), events_path(), "Authorization: Bearer " + token_ + "\r\n");
    auto head = stream.head();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("content-type"), "text/event-stream");
    EXPECT_EQ(head->header("cache-control"), "no-cache");
    EXPECT_EQ(head->header("content-length"), "<none>") << "the body lasts as long as the connection";
    auto first = stream.next(true);
    ASSERT_TRUE(first) << "the stream says something before the first event";
    EXPECT_EQ(first->retry, std::optional<std::string>("3000"));
    EXPECT_FALSE(first->comments.empty());
}

TEST_F(EventStream, EachChangeArrivesWithItsIdAndNeverAnotherUsers) {
    auto [other_user, other_token] = sign_up(*client_, "other@example.com");
    auto mine = open_mine();
    auto theirs = open("/api/" + other_user + "/events", "Authorization: Bearer " + other_token + "\r\n");

    auto task = create({{"title", "streamed"}});
    const auto id = str(task.at("id"));
    ASSERT_EQ(call("PATCH", task_path(id), object{{"priority", "high"}}).status, 200);
    ASSERT_EQ(call("PATCH", task_path(id) + "/complete").status, 200);
    ASSERT_EQ(call("DELETE", task_path(id)).status, 204);
    for (auto type :
         {event_type::kTaskCreated, event_type::kTaskUpdated, event_type::kTaskCompleted, event_type::kTaskDeleted}) {
        auto e = next_cloud_event(*mine);
        ASSERT_FALSE(e.empty());
        EXPECT_EQ(str(e.at("type")), type);
        EXPECT_EQ(str(e.at("subject")), id);
        EXPECT_EQ(str(e.at("data").at("user_id")), user_);
    }
    // The other user's first event is their own task: nothing of mine was queued before it.
    auto own = client_->authed("POST", "/api/" + other_user + "/tasks", other_token, R"({"title":"theirs"})");
    ASSERT_EQ(own.status, 201);
    auto e = next_cloud_event(*theirs);
    ASSERT_FALSE(e.empty());
    EXPECT_EQ(str(e.at("subject")), str(own.json().at("id")));
}

TEST_F(EventStream, LastEventIdAndAfterReplayWhatWasMissed) {
    std::string last_seen;
    {
        auto stream = open_mine();
        create({{"title", "seen"}});
        last_seen = str(next_cloud_event(*stream).at("id"));
    }
    const auto missed1 = str(create({{"title", "missed 1"}}).at("id"));
    const auto missed2 = str(create({{"title", "missed 2"}}).at("id"));
    ASSERT_TRUE(poll_until(std::chrono::seconds(10),
                           [&] { return fetch_all(*client_, token_, "/api/" + user_ + "/audit").size() >= 3; }));

    auto resumed = open_mine("Last-Event-ID: " + last_seen + "\r\n");
    EXPECT_EQ(str(next_cloud_event(*resumed).at("subject")), missed1);
    EXPECT_EQ(str(next_cloud_event(*resumed).at("subject")), missed2);
    const auto live = str(create({{"title", "live again"}}).at("id"));
    EXPECT_EQ(str(next_cloud_event(*resumed).at("subject")), live) << "then live, nothing twice";

    auto after = open(events_path() + "?after=" + last_seen, "Authorization: Bearer " + token_ + "\r\n");
    EXPECT_EQ(str(next_cloud_event(*after).at("subject")), missed1);

    auto unknown = open_mine("Last-Event-ID: 00000000-0000-0000-0000-000000000000\r\n");
    auto resync = unknown->next();
    ASSERT_TRUE(resync);
    EXPECT_EQ(resync->id, "") << "a resync carries no id: the client's Last-Event-ID stays the last real event";
    EXPECT_EQ(str(boost::json::parse(resync->data).at("type")), "com.todoai.resync");
}

TEST_F(EventStream, TheTokenMayComeInTheQueryAndTheShortPathIsTheTokensUser) {
    auto by_query = open(events_path() + "?token=" + token_, "");
    auto short_path = open("/api/events", "Authorization: Bearer " + token_ + "\r\n");
    const auto id = str(create({{"title", "both"}}).at("id"));
    EXPECT_EQ(str(next_cloud_event(*by_query).at("subject")), id);
    EXPECT_EQ(str(next_cloud_event(*short_path).at("subject")), id);
}

TEST_F(EventStream, WithoutTheRightTokenThereIsAProblemAndNoStream) {
    auto [other_user, other_token] = sign_up(*client_, "other@example.com");
    const struct {
        std::string target;
        std::string headers;
        int status;
    } cases[] = {
        {events_path(), "", 401},
        {events_path(), "Authorization: Bearer " + token_ + "x\r\n", 401},
        {events_path() + "?token=garbage", "", 401},
        {"/api/events", "", 401},
        {events_path(), "Authorization: Bearer " + other_token + "\r\n", 403},
    };
    for (const auto& c : cases) {
        EventStreamClient stream(process_->port(), c.target, c.headers);
        auto res = stream.head();
        ASSERT_TRUE(res) << c.target;
        EXPECT_EQ(res->status, c.status) << c.target << " " << c.headers;
        EXPECT_EQ(res->header("content-type"), "application/problem+json") << c.target;
        if (c.status == 401) {
            EXPECT_NE(res->header("www-authenticate"), "<none>") << c.target;
        }
    }
}

TEST_F(EventStream, TheStreamEndsWhenTheServerStops) {
    auto stream = open_mine();
    ASSERT_TRUE(stream->next(true));  // the opening comment: the stream is open
    client_.reset();
    ASSERT_EQ(process_->stop(), 0) << "a graceful stop, streams included";
    EXPECT_TRUE(stream->ended()) << "the response ended (end of stream), not a read timeout";
    // Ended by the stop sequence itself, not cut off at the drain deadline.
    std::ifstream log(process_->log_file());
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("drain timeout"), std::string::npos) << text;
}

}  // namespace
}  // namespace todoai::testing

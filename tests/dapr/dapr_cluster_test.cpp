// The five services beside real daprd sidecars (dapr_fixture.hpp): events through daprd and Kafka, invocation through
// daprd, DATABASE_URL from the secret store, the cron binding, tokens, redelivery, dead letters, loopback only.
#include <libpq-fe.h>

#include <set>
#include <sstream>

#include "core/cloud_event.hpp"
#include "core/time.hpp"
#include "dapr/dapr_fixture.hpp"
#include "integration/event_support.hpp"
#include "integration/kcat_support.hpp"
#include "runtime/http/websocket_test_client.hpp"

namespace todoai::testing {
namespace {

using boost::json::array;
using boost::json::object;
using namespace std::chrono_literals;

constexpr auto kDeadline = 30s;  // daprd's Kafka consumers join their groups lazily; a warm hop takes milliseconds

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// COUNT(*) of `sql` in the test's database, read with plain libpq (not through todoai).
long count_rows(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        throw std::runtime_error("cannot reach the test database");
    }
    PGresult* res = PQexec(conn, sql.c_str());
    long n = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) n = std::atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(conn);
    return n;
}

TEST_F(DaprClusterTest, ATaskReachesAuditTheLiveFeedAndNotificationThroughDaprd) {
    auto [user, token] = sign_up(*todo_, "dapr@example.com");
    WsClient feed(port("websocket"));
    ASSERT_FALSE(feed.handshake("/ws?token=" + token));

    const auto remind_at = now_ms() + 2s;
    auto created =
        todo_->authed("POST", "/api/" + user + "/tasks", token,
                      boost::json::serialize(object{{"title", "through the sidecars"},
                                                    {"due_date", format_rfc3339(now_ms() + 1h)},
                                                    {"reminders", array{object{{"at", format_rfc3339(remind_at)}}}}}));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = str(created.json().at("id"));

    // The live feed: our CloudEvent, as todo wrote it into its outbox (daprd kept id, type, source, subject).
    auto frame = feed.read(kDeadline);
    ASSERT_FALSE(frame.ec) << frame.ec.message() << "; websocket daprd log: " << sidecar("websocket").log_file();
    auto event = boost::json::parse(frame.text).as_object();
    EXPECT_EQ(str(event.at("type")), event_type::kTaskCreated);
    EXPECT_EQ(str(event.at("subject")), id);
    EXPECT_EQ(str(event.at("source")), "todo-service");

    HttpClient audit(port("audit"));
    std::vector<object> trail;
    ASSERT_TRUE(poll_until(kDeadline,
                           [&] {
                               trail = fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id);
                               return !trail.empty();
                           }))
        << "audit never got the task; audit daprd log: " << sidecar("audit").log_file();
    EXPECT_EQ(trail.back().at("event_id"), event.at("id"));

    // The reminder fires (notification asks todo through daprd whether the task is open) and the fired reminder
    // comes back through daprd to audit.
    HttpClient notification(port("notification"));
    std::vector<object> fired;
    ASSERT_TRUE(poll_until(kDeadline,
                           [&] {
                               fired = fetch_all(notification, token, "/api/" + user + "/notifications");
                               return !fired.empty();
                           }))
        << "the reminder never fired; notification log: " << app("notification").log_file();
    ASSERT_EQ(fired.size(), 1u);
    EXPECT_TRUE(poll_until(kDeadline, [&] {
        return fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id).size() ==
               3;  // created, scheduled, fired
    }));
    std::string types;
    for (const auto& entry : fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id))
        types += str(entry.at("event_type")) + " ";
    EXPECT_EQ(fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id).size(), 3u)
        << "audit has: " << types << "; audit daprd log: " << sidecar("audit").log_file();
}

TEST_F(DaprClusterTest, DatabaseUrlCameFromTheSecretStore) {
    // No service was given --database-url: each read db-credentials/connectionString through its daprd. The task is
    // in the test database's todo_service schema, so that is where todo connected.
    auto [user, token] = sign_up(*todo_, "secrets@example.com");
    auto created = todo_->authed("POST", "/api/" + user + "/tasks", token, R"({"title":"where am I stored"})");
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(count_rows(database_.url(), "SELECT COUNT(*) FROM todo_service.tasks"), 1);
    for (const auto& [name, member] : members_)
        EXPECT_EQ(file_text(member.app->log_file()).find(database_.url()), std::string::npos)
            << name << " logged the connection string";
}

TEST_F(DaprClusterTest, CompletingARecurringTaskMakesItsNextInstanceThroughInvocation) {
    auto [user, token] = sign_up(*todo_, "recurring@example.com");
    auto created = todo_->authed("POST", "/api/" + user + "/tasks", token,
                                 boost::json::serialize(object{{"title", "daily stand-up"},
                                                               {"due_date", format_rfc3339(now_ms() + 1h)},
                                                               {"is_recurring", true},
                                                               {"recurrence_schedule", "daily"}}));
    ASSERT_EQ(created.status, 201) << created.body;
    const auto id = str(created.json().at("id"));
    ASSERT_EQ(todo_->authed("PATCH", "/api/" + user + "/tasks/" + id + "/complete", token).status, 200);
    std::vector<object> tasks;
    ASSERT_TRUE(poll_until(kDeadline,
                           [&] {
                               tasks = fetch_all(*todo_, token, "/api/" + user + "/tasks");
                               return tasks.size() >= 2;
                           }))
        << "no next instance; recurring log: " << app("recurring").log_file()
        << ", its daprd: " << sidecar("recurring").log_file();
    EXPECT_EQ(tasks.size(), 2u);
    // It came through the sidecars: todo answered the invocation 201, so todo's daprd sent the app token (todo answers
    // 401 without it). The access log is written asynchronously: wait for the line.
    EXPECT_TRUE(poll_until(kDeadline, [&] {
        return file_text(app("todo").log_file()).find(R"("route":"/internal/series/{series_id}/next","status":201)") !=
               std::string::npos;
    }));
}

TEST_F(DaprClusterTest, ARedeliveredEventChangesNothing) {
    auto [user, token] = sign_up(*todo_, "redelivery@example.com");
    auto created = todo_->authed("POST", "/api/" + user + "/tasks", token, R"({"title":"once"})");
    ASSERT_EQ(created.status, 201);
    const auto id = str(created.json().at("id"));
    HttpClient audit(port("audit"));
    std::vector<object> trail;
    ASSERT_TRUE(poll_until(kDeadline, [&] {
        trail = fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id);
        return trail.size() == 1;
    }));
    // The same CloudEvent (same id) published again through todo's sidecar: every consumer gets it a second time.
    auto original = trail[0];
    const auto records = kcat_read_all(kafka_->bootstrap(), "task-events");
    std::string payload;
    for (const auto& r : records)
        if (r.payload.find(str(original.at("event_id"))) != std::string::npos) payload = r.payload;
    ASSERT_FALSE(payload.empty()) << "the event is not on task-events";
    HttpClient todo_sidecar(sidecar("todo").http_port());
    const auto republished =
        todo_sidecar.request("POST", "/v1.0/publish/kafka-pubsub/task-events?metadata.partitionKey=" + user, payload,
                             {{"content-type", "application/cloudevents+json"}, {"dapr-api-token", kDaprApiToken}});
    ASSERT_EQ(republished.status, 204) << republished.body;
    // A marker event after it on the same key (same partition, so delivered after the duplicate): once audit has
    // it, the duplicate has been handled too.
    auto second = todo_->authed("POST", "/api/" + user + "/tasks", token, R"({"title":"after"})");
    ASSERT_EQ(second.status, 201);
    const auto second_id = str(second.json().at("id"));
    ASSERT_TRUE(poll_until(
        kDeadline, [&] { return !fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + second_id).empty(); }));
    EXPECT_EQ(fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id).size(), 1u);
}

// The state store option (seed 001): audit's processed markers in the chart's statestore (state.postgresql) through
// its daprd, first-write, instead of in audit's own transaction.
class DaprStateMarkersTest : public DaprClusterTest {
  protected:
    std::vector<std::string> extra_args() const override { return {"--processed-markers", "dapr-state"}; }
};

TEST_F(DaprStateMarkersTest, AuditsMarkersLiveInTheStateStoreAndAbsorbARedelivery) {
    auto [user, token] = sign_up(*todo_, "state-markers@example.com");
    auto created = todo_->authed("POST", "/api/" + user + "/tasks", token, R"({"title":"marked in Dapr state"})");
    ASSERT_EQ(created.status, 201);
    const auto id = str(created.json().at("id"));
    HttpClient audit(port("audit"));
    std::vector<object> trail;
    ASSERT_TRUE(poll_until(kDeadline,
                           [&] {
                               trail = fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id);
                               return trail.size() == 1;
                           }))
        << "audit log: " << app("audit").log_file();
    const auto event_id = str(trail[0].at("event_id"));
    // daprd prefixes the key with the app id; audit's own table stayed empty.
    const auto key = "audit-service||processed-" + event_id + "-audit-service";
    EXPECT_EQ(count_rows(database_.url(), "SELECT COUNT(*) FROM dapr_state WHERE key = '" + key + "'"), 1);
    EXPECT_EQ(count_rows(database_.url(), "SELECT COUNT(*) FROM audit_service.processed_events"), 0);

    // The same CloudEvent again: the first-write save fails, the marker is there, audit skips it.
    std::string payload;
    for (const auto& r : kcat_read_all(kafka_->bootstrap(), "task-events"))
        if (r.payload.find(event_id) != std::string::npos) payload = r.payload;
    ASSERT_FALSE(payload.empty());
    HttpClient todo_sidecar(sidecar("todo").http_port());
    ASSERT_EQ(todo_sidecar
                  .request("POST", "/v1.0/publish/kafka-pubsub/task-events?metadata.partitionKey=" + user, payload,
                           {{"content-type", "application/cloudevents+json"}, {"dapr-api-token", kDaprApiToken}})
                  .status,
              204);
    auto second = todo_->authed("POST", "/api/" + user + "/tasks", token, R"({"title":"after"})");
    ASSERT_EQ(second.status, 201);
    const auto second_id = str(second.json().at("id"));
    ASSERT_TRUE(poll_until(
        kDeadline, [&] { return !fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + second_id).empty(); }));
    EXPECT_EQ(fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id).size(), 1u);
    EXPECT_EQ(
        count_rows(database_.url(), "SELECT COUNT(*) FROM dapr_state WHERE key LIKE 'audit-service||processed-%'"), 2);
}

TEST_F(DaprClusterTest, ADroppedEventReachesTheDeadLetterTopic) {
    // A CloudEvent daprd accepts but ours reject (its time is no RFC 3339 timestamp): every consumer answers DROP and
    // daprd republishes it to task-events-dlq.
    const std::string bad =
        R"({"specversion":"1.0","id":"bad-event-1","source":"elsewhere","type":"com.todoai.task.created",)"
        R"("time":"yesterday","datacontenttype":"application/json","data":{"user_id":"u-bad"}})";
    HttpClient todo_sidecar(sidecar("todo").http_port());
    const auto published =
        todo_sidecar.request("POST", "/v1.0/publish/kafka-pubsub/task-events?metadata.partitionKey=u-bad", bad,
                             {{"content-type", "application/cloudevents+json"}, {"dapr-api-token", kDaprApiToken}});
    ASSERT_EQ(published.status, 204) << published.body;
    std::vector<KafkaRecord> letters;
    ASSERT_TRUE(poll_until(kDeadline,
                           [&] {
                               letters = kcat_read_all(kafka_->bootstrap(), "task-events-dlq");
                               return !letters.empty();
                           }))
        << "nothing on task-events-dlq; audit daprd log: " << sidecar("audit").log_file();
    EXPECT_NE(letters.front().payload.find("bad-event-1"), std::string::npos) << letters.front().payload;
}

TEST_F(DaprClusterTest, TheCronBindingRunsNotificationsSweep) {
    // reminder-check-cron ticks every second here: daprd probed OPTIONS and then POSTs, with the app token.
    ASSERT_TRUE(poll_until(kDeadline,
                           [&] {
                               const auto log = file_text(app("notification").log_file());
                               std::size_t hits = 0;
                               const std::string call = R"("method":"POST","path":"/reminder-check-cron")";
                               for (auto at = log.find(call); at != std::string::npos; at = log.find(call, at + 1))
                                   ++hits;
                               return hits >= 2;
                           }))
        << "no cron calls in " << app("notification").log_file();
    const auto log = file_text(app("notification").log_file());
    EXPECT_EQ(log.find("\"status\":401"), std::string::npos) << "daprd called without the app token";
}

TEST_F(DaprClusterTest, CallsWithoutTheSidecarsTokenAreRefused) {
    HttpClient audit(port("audit"));
    const std::string event =
        R"({"specversion":"1.0","id":"e-forged","source":"x","type":"com.todoai.task.created","data":{}})";
    EXPECT_EQ(
        audit.request("POST", "/events/task-events", event, {{"content-type", "application/cloudevents+json"}}).status,
        401);
    EXPECT_EQ(audit.request("GET", "/dapr/subscribe").status, 401);
    EXPECT_EQ(audit.request("GET", "/dapr/subscribe", "", {{"dapr-api-token", kDaprAppToken}}).status, 200);
    HttpClient audit_sidecar(sidecar("audit").http_port());
    EXPECT_EQ(audit_sidecar.request("GET", "/v1.0/metadata").status, 401) << "daprd must want DAPR_API_TOKEN";
}

TEST_F(DaprClusterTest, NoEventIsLostWhileTodosSidecarIsDown) {
    auto [user, token] = sign_up(*todo_, "sidecar-down@example.com");
    sidecar("todo").kill9();
    // Writes still succeed: the events wait in todo's outbox until daprd takes them (204).
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        auto created = todo_->authed("POST", "/api/" + user + "/tasks", token,
                                     boost::json::serialize(object{{"title", "while down " + std::to_string(i)}}));
        ASSERT_EQ(created.status, 201) << created.body;
        ids.push_back(str(created.json().at("id")));
    }
    EXPECT_GT(count_rows(database_.url(), "SELECT COUNT(*) FROM todo_service.outbox"), 0)
        << "the rows must stay in the outbox while the sidecar is down";
    sidecar("todo").start();
    HttpClient audit(port("audit"));
    for (const auto& id : ids)
        EXPECT_TRUE(poll_until(
            kDeadline, [&] { return fetch_all(audit, token, "/api/" + user + "/audit?task_id=" + id).size() == 1; }))
            << "task " << id << " never reached audit after daprd came back";
    EXPECT_TRUE(poll_until(
        kDeadline, [&] { return count_rows(database_.url(), "SELECT COUNT(*) FROM todo_service.outbox") == 0; }));
}

TEST_F(DaprClusterTest, TheSidecarsRunTheChartsComponents) {
    // What is tested is what deploys: the resources folder is `helm template` of deploy/helm/todoai.
    for (const char* file : {"kafka-pubsub.yaml", "statestore.yaml", "secretstore.yaml", "reminder-check-cron.yaml",
                             "resiliency.yaml", "subscriptions.yaml"})
        EXPECT_NE(file_text(resources_ / file).find(std::string("# Source: todoai/templates/dapr/") + file),
                  std::string::npos)
            << file << " is not the chart's rendering";
    EXPECT_NE(file_text(config_).find("# Source: todoai/templates/dapr/configuration.yaml"), std::string::npos);
    // Each sidecar loaded the components the chart's scopes give its app, as the chart's types.
    const std::map<std::string, std::set<std::string>> expected{
        {"todo",
         {"kafka-pubsub pubsub.kafka", "statestore state.postgresql", "kubernetes-secrets secretstores.local.file"}},
        {"audit",
         {"kafka-pubsub pubsub.kafka", "statestore state.postgresql", "kubernetes-secrets secretstores.local.file"}},
        {"websocket", {"kafka-pubsub-broadcast pubsub.kafka", "kubernetes-secrets secretstores.local.file"}},
        {"notification",
         {"kafka-pubsub pubsub.kafka", "reminder-check-cron bindings.cron",
          "kubernetes-secrets secretstores.local.file"}},
        {"recurring", {"kafka-pubsub pubsub.kafka", "kubernetes-secrets secretstores.local.file"}},
    };
    for (const auto& [name, components] : expected) {
        HttpClient client(sidecar(name).http_port());
        const auto metadata = client.request("GET", "/v1.0/metadata", "", {{"dapr-api-token", kDaprApiToken}});
        ASSERT_EQ(metadata.status, 200) << name << ": " << metadata.body;
        const auto info = metadata.json();
        // The chart's components this sidecar loaded (daprd may list built-in ones too).
        const std::set<std::string> chart_names{"kafka-pubsub", "kafka-pubsub-broadcast", "statestore",
                                                "kubernetes-secrets", "reminder-check-cron"};
        std::set<std::string> loaded;
        for (const auto& c : info.at("components").as_array())
            if (chart_names.contains(str(c.at("name")))) loaded.insert(str(c.at("name")) + " " + str(c.at("type")));
        EXPECT_EQ(loaded, components) << name << "'s daprd; log: " << sidecar(name).log_file();
        // Every subscription dead-letters to <topic>-dlq (the chart's declarative ones, or todoai's own for the same
        // topic, which daprd puts in their place).
        const auto* subscriptions = info.as_object().if_contains("subscriptions");  // none: todo consumes nothing
        if (name != "todo") {
            ASSERT_NE(subscriptions, nullptr) << name << ": " << metadata.body;
        }
        if (subscriptions == nullptr) continue;
        for (const auto& sub : subscriptions->as_array()) {
            const auto& o = sub.as_object();
            EXPECT_EQ(str(o.at("deadLetterTopic")), str(o.at("topic")) + "-dlq") << name << ": " << serialize(o);
            EXPECT_EQ(str(o.at("pubsubname")), name == "websocket" ? "kafka-pubsub-broadcast" : "kafka-pubsub");
        }
    }
}

TEST_F(DaprClusterTest, EverySidecarListensOnLoopbackOnly) {
    for (auto& [name, member] : members_) {
        const auto sockets = listening_sockets(member.sidecar->pid());
        EXPECT_GE(sockets.size(), 3u) << name << ": expected HTTP, gRPC and internal gRPC listeners";
        for (const auto& s : sockets)
            EXPECT_TRUE(s.starts_with("127.0.0.1:") || s.starts_with("[::1]:")) << name << "'s daprd listens on " << s;
    }
}

}  // namespace
}  // namespace todoai::testing

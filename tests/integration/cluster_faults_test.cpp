// Faults in the distributed deployment (issue 6): writers keep creating, renaming and completing tasks on todo while
// one service is killed with SIGKILL and restarted, PostgreSQL is stopped for 10 s, or the Apache Kafka broker is
// killed with SIGKILL and restarted on its data, or stopped (SIGSTOP) for 10 s; and a service started while the broker
// is down. During the fault the affected requests are refused promptly (503 problem+json for the store; no answer while
// todo itself is down) and never fail with a 500; afterwards every committed change reaches audit, the live feed and
// notification exactly once, every completed recurring task has exactly one next instance, and nothing acknowledged
// is lost.
#include <libpq-fe.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>

#include "integration/cluster_fixture.hpp"
#include "integration/fault_load.hpp"

namespace todoai::testing {
namespace {

constexpr auto kSettleDeadline = 45s;  // a killed consumer's partitions move after the 6 s session timeout
constexpr auto kOutage = 10s;          // the outage length
constexpr auto kPromptRefusal = 5s;    // a refused request answers within this (no hangs)
constexpr std::size_t kWriters = 2;
constexpr std::size_t kAckedBeforeFault = 30;  // acknowledged changes (all writers) before the fault hits

class ClusterFaultTest : public ClusterTest {
  protected:
    void TearDown() override {
        feeds_.clear();
        writers_.clear();
        ClusterTest::TearDown();
    }

    void start_writers(bool with_feeds) {
        for (std::size_t i = 0; i < kWriters; ++i) {
            auto [id, token] = sign_up(*todo_, "fault" + std::to_string(i) + "@example.com");
            users_.push_back({id, token});
            if (with_feeds) feeds_.push_back(std::make_unique<FeedRecorder>(port("websocket"), users_.back()));
            writers_.push_back(std::make_unique<LoadWriter>(users_.back(), port("todo"), static_cast<int>(i)));
        }
        for (auto& w : writers_) w->start();
    }

    std::size_t acked() const {
        std::size_t n = 0;
        for (const auto& w : writers_) n += w->acked();
        return n;
    }

    /// Waits until the writers got `more` acknowledgements beyond the current count.
    void await_acks(std::size_t more, std::chrono::seconds deadline, const std::string& when) {
        const auto target = acked() + more;
        ASSERT_TRUE(poll_until(deadline, [&] { return acked() >= target; }))
            << "writers got " << acked() << " of " << target << " acknowledgements " << when;
    }

    void stop_writers() {
        for (auto& w : writers_) w->stop();
    }

    std::vector<Refusal> refusals() const {
        std::vector<Refusal> out;
        for (const auto& w : writers_) out.insert(out.end(), w->refusals().begin(), w->refusals().end());
        return out;
    }

    /// SIGKILL, then the same service again on the same port and data (its peers keep its URL).
    void kill_and_restart(const std::string& service) {
        auto& p = process(service);
        const auto same_port = p.port();
        p.kill9();
        p.start(same_port);
    }

    /// Waits until every committed change has its effects, then checks each happened exactly once: in audit (through
    /// its API), in websocket's store (every event recorded once), on the live feeds if any, in notification and in
    /// recurring's next instances.
    void check_delivery(const std::string& context) {
        const ClusterPorts ports{port("todo"), port("audit"), port("notification")};
        std::vector<UserState> states(users_.size());
        std::string why;
        // The snapshot is judged at the time it began (a reminder due after that may fire while it is read), and only
        // once every reminder was due before it began: then no event can still happen, and the stores and feeds
        // compared with it afterwards hold exactly what they will ever hold.
        Timestamp now{};
        const bool settled = poll_until(
            kSettleDeadline,
            [&] {
                now = now_ms();
                for (std::size_t i = 0; i < users_.size(); ++i) {
                    states[i] = read_state(ports, users_[i]);
                    if (const auto last = latest_reminder(states[i]); last && now <= *last) {
                        why = "reminders still to come";
                        return false;
                    }
                    if (why = pending(states[i], now); !why.empty()) return false;
                }
                return websocket_recorded().size() >= audit_event_ids(states).size();
            },
            100ms);
        EXPECT_TRUE(settled) << context << ": delivery did not settle within " << kSettleDeadline.count()
                             << " s; still waiting for " << (why.empty() ? "websocket's store" : why);

        Violations v;
        std::size_t tasks = 0, events = 0;
        for (std::size_t i = 0; i < users_.size(); ++i) {
            check_acknowledged(states[i], writers_[i]->ops(), v);
            check_exactly_once(states[i], now, v);
            tasks += states[i].tasks.size();
            events += states[i].audit.size();
        }
        const auto expected = audit_event_ids(states);
        check_same_events("websocket's store", expected, websocket_recorded(), v);
        for (std::size_t i = 0; i < feeds_.size(); ++i) {
            std::set<std::string> mine;
            for (const auto& a : states[i].audit) mine.insert(text_of(a.at("event_id")));
            const auto& feed = *feeds_[i];
            EXPECT_TRUE(poll_until(10s, [&] { return feed.event_ids().size() >= mine.size(); }))
                << context << ": the live feed of " << users_[i].id << " got " << feed.event_ids().size() << " of "
                << mine.size() << " events; " << feed.trouble();
            check_same_events("the live feed", mine, feed.event_ids(), v);
            EXPECT_EQ(feed.trouble(), "") << context;
        }
        v.report(context);
        std::cout << "[faults] " << context << ": " << acked() << " acknowledged changes, " << refusals().size()
                  << " refused or unanswered requests; checked " << tasks << " tasks, " << events << " audit events"
                  << std::endl;
    }

    /// Every event id websocket recorded (its replay store: one row per event it took, ids unique by constraint),
    /// read straight from its schema: the check needs every one, not the last page of a replay.
    std::vector<std::string> websocket_recorded() const {
        std::vector<std::string> ids;
        PGconn* conn = PQconnectdb(database_url().c_str());
        if (PQstatus(conn) == CONNECTION_OK) {
            PGresult* res = PQexec(conn, "SELECT event_id FROM websocket_service.recent_events");
            if (PQresultStatus(res) == PGRES_TUPLES_OK)
                for (int r = 0; r < PQntuples(res); ++r) ids.emplace_back(PQgetvalue(res, r, 0));
            PQclear(res);
        }
        PQfinish(conn);
        return ids;
    }

    std::vector<User> users_;
    std::vector<std::unique_ptr<LoadWriter>> writers_;
    std::vector<std::unique_ptr<FeedRecorder>> feeds_;
};

// --- kill -9 -------------------------------------------------------------------------------------------------------

class KillNineFaultTest : public ClusterFaultTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(KillNineFaultTest, EveryAcknowledgedChangeIsDeliveredExactlyOnce) {
    const auto service = GetParam();
    start_writers(/*with_feeds=*/false);
    await_acks(kAckedBeforeFault, 20s, "before the kill");
    kill_and_restart(service);
    await_acks(kAckedBeforeFault, 20s, "after " + service + " came back");
    stop_writers();

    // While todo was down its requests went unanswered; a consumer's death is invisible to todo's clients. Either
    // way no running todo refused a request.
    for (const auto& r : refusals()) {
        EXPECT_EQ(r.status, 0) << "todo answered " << r.status << " " << r.body << " while " << service
                               << " was killed";
    }
    if (service != "todo") {
        EXPECT_TRUE(refusals().empty());
    }
    check_delivery("kill -9 " + service);
}

INSTANTIATE_TEST_SUITE_P(EachService,
                         KillNineFaultTest,
                         ::testing::Values("todo", "audit", "websocket", "notification", "recurring"),
                         [](const auto& info) { return info.param; });

// --- PostgreSQL down -----------------------------------------------------------------------------------------------

/// A PostgreSQL server of this test's own (the shared one serves other tests): tests/support/postgres_server.sh
/// starts it; stop() and start() take it down and bring it back on the same port and data.
class OwnPostgres {
  public:
    OwnPostgres() {
        run(script() + " start " + dir_.path().string() + " >/dev/null");
        std::ifstream in(dir_.path() / "url");
        std::getline(in, url_);
        if (url_.empty()) throw std::runtime_error("postgres_server.sh wrote no url in " + dir_.path().string());
        const auto colon = url_.rfind(':');
        port_ = url_.substr(colon + 1, url_.find('/', colon) - colon - 1);
    }
    ~OwnPostgres() { std::system((script() + " stop " + dir_.path().string() + " >/dev/null 2>&1").c_str()); }
    OwnPostgres(const OwnPostgres&) = delete;
    OwnPostgres& operator=(const OwnPostgres&) = delete;

    const std::string& url() const { return url_; }

    /// Fast shutdown: sessions are ended (what services see when a server goes away), then the port closes.
    void stop() { run(as_owner() + kPgCtl + " -D " + data() + " -m fast -w stop >/dev/null"); }
    void start() {
        run(as_owner() + kPgCtl + " -D " + data() + " -l " + (dir_.path() / "server.log").string() +
            " -w -t 60 -o \"-p " + port_ + " -k " + dir_.path().string() +
            " -c listen_addresses=127.0.0.1 -c max_connections=200\" start >/dev/null");
    }

  private:
    static constexpr const char* kPgCtl = "/usr/lib/postgresql/15/bin/pg_ctl";

    static std::string script() {
        // Beside this file's folder: tests/support/.
        return (source_path(__FILE__).parent_path().parent_path() / "support" / "postgres_server.sh").string();
    }
    static std::string as_owner() { return ::geteuid() == 0 ? "runuser -u postgres -- " : ""; }
    std::string data() const { return (dir_.path() / "data").string(); }
    static void run(const std::string& command) {
        if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
    }

    TempDir dir_;
    std::string url_;
    std::string port_;
};

class PostgresFaultTest : public ClusterFaultTest {
  protected:
    std::string database_url() const override { return postgres_.url(); }
    OwnPostgres postgres_;
};

/// GET /health/ready on `port`: its status.
int readiness(std::uint16_t port) {
    HttpClient client(port);
    return client.request("GET", "/health/ready").status;
}

TEST_F(PostgresFaultTest, RequestsAre503DuringTheOutageAndEverythingCommittedIsDeliveredOnceAfter) {
    start_writers(/*with_feeds=*/true);
    await_acks(kAckedBeforeFault, 20s, "before PostgreSQL stopped");

    const auto down = std::chrono::steady_clock::now();  // refusals may start as soon as the shutdown begins
    postgres_.stop();
    EXPECT_TRUE(poll_until(kPromptRefusal, [&] { return readiness(port("todo")) == 503; }))
        << "todo still reports ready with its store down";
    EXPECT_EQ(readiness(port("audit")), 503) << "audit reports ready with its store down";
    const auto acked_when_down = acked();
    std::this_thread::sleep_until(down + kOutage);  // the outage; the writers keep going meanwhile
    EXPECT_EQ(acked(), acked_when_down) << "todo acknowledged writes while its store was down";
    postgres_.start();
    const auto up = std::chrono::steady_clock::now();

    await_acks(kAckedBeforeFault, 20s, "after PostgreSQL came back (no service was restarted)");
    EXPECT_TRUE(poll_until(5s, [&] { return readiness(port("todo")) == 200; })) << "todo never became ready again";
    stop_writers();

    std::size_t refused_during_outage = 0;
    for (const auto& r : refusals()) {
        EXPECT_EQ(r.status, 503) << "a request during the outage got " << r.status << " " << r.body;
        EXPECT_EQ(r.content_type, "application/problem+json") << r.body;
        EXPECT_LT(r.took, kPromptRefusal) << "a refused request took " << r.took.count() << " ms";
        // pg_ctl's -w returns once the server accepts connections; the pools notice on their next use, so a request
        // sent in the moment after may still meet the outage (seen once under load, 2026-12-04).
        EXPECT_TRUE(r.sent >= down && r.sent <= up + kPromptRefusal)
            << "a request was refused outside the outage: " << r.body;
        ++refused_during_outage;
    }
    EXPECT_GT(refused_during_outage, 10u) << "the writers never met the outage";
    check_delivery("PostgreSQL down " + std::to_string(kOutage.count()) + " s");
}

// --- Kafka down (a broker of the test's own: the shared one serves other tests) ------------------------------------

/// An Apache Kafka broker of this test's own (tests/support/kafka_server.sh), for faults: kill9() and resume() bring
/// it down and back on the same ports and data directory; pause() and unpause() stop and continue its JVM.
class OwnKafka {
  public:
    OwnKafka() {
        run(script() + " start " + dir_.path().string() + " >/dev/null");
        bootstrap_ = kafka_server_file(dir_.path(), "bootstrap");
    }
    ~OwnKafka() {
        unpause();
        std::system((script() + " stop " + dir_.path().string() + " >/dev/null 2>&1").c_str());
    }
    OwnKafka(const OwnKafka&) = delete;
    OwnKafka& operator=(const OwnKafka&) = delete;

    const std::string& bootstrap() const { return bootstrap_; }

    /// SIGKILL: no shutdown, no flush (the log on disk is what the page cache got); returns once it is gone.
    void kill9() {
        const auto pid = this->pid();
        ::kill(pid, SIGKILL);
        ASSERT_TRUE(poll_until(10s, [&] { return ::kill(pid, 0) != 0; })) << "broker " << pid << " survived SIGKILL";
    }
    /// Starts it again on the same ports and data; returns once it answers.
    void resume() { run(script() + " resume " + dir_.path().string() + " >/dev/null"); }
    void pause() {
        ::kill(pid(), SIGSTOP);
        paused_ = true;
    }
    void unpause() {
        if (paused_) ::kill(pid(), SIGCONT);
        paused_ = false;
    }

  private:
    pid_t pid() const { return static_cast<pid_t>(std::stol(kafka_server_file(dir_.path(), "pid"))); }
    static std::string script() { return kafka_server_script().string(); }
    static void run(const std::string& command) {
        if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
    }

    TempDir dir_;
    std::string bootstrap_;
    bool paused_ = false;
};

class KafkaFaultTest : public ClusterFaultTest {
  protected:
    std::string kafka_bootstrap() const override { return kafka_.bootstrap(); }

    /// Writers (with live feeds) through `outage`, which takes the broker away and brings it back: todo keeps
    /// acknowledging writes (they wait in its outbox), /health/ready answers 200 or 503 and nothing else, and
    /// afterwards every acknowledged change reaches every consumer exactly once, one user's in order on the feed.
    void writes_survive(const std::string& what, const std::function<void()>& outage) {
        start_writers(/*with_feeds=*/true);
        await_acks(kAckedBeforeFault, 20s, "before " + what);
        const auto acked_before = acked();
        std::map<int, int> todo_ready;  // status -> times seen
        std::atomic<bool> sampling{true};
        std::thread sampler([&] {
            while (sampling) {
                ++todo_ready[readiness(port("todo"))];
                std::this_thread::sleep_for(500ms);  // sampling readiness during the outage, not synchronization
            }
        });
        outage();
        sampling = false;
        sampler.join();
        const auto acked_during = acked() - acked_before;
        await_acks(kAckedBeforeFault, 30s, "after " + what);
        stop_writers();

        // The outbox is why todo does not need Kafka to accept a write: it commits the task and its event together.
        EXPECT_GT(acked_during, kAckedBeforeFault) << "todo stopped accepting writes during " << what;
        for (const auto& r : refusals())
            ADD_FAILURE() << "todo refused a write during " << what << ": " << r.status << " " << r.body;
        for (const auto& [status, n] : todo_ready)
            EXPECT_TRUE(status == 200 || status == 503) << "/health/ready answered " << status;
        std::cout << "[faults] todo /health/ready during " << what << ": " << todo_ready[200] << "x ready, "
                  << todo_ready[503] << "x not ready" << std::endl;
        check_delivery(what);
        check_feed_order();
    }

    /// One user's events arrive on the live feed in the order todo committed them: each task's created, updated and
    /// completed in that order (a task's versions), whatever was redelivered after the outage.
    void check_feed_order() {
        for (std::size_t i = 0; i < feeds_.size(); ++i) {
            HttpClient audit(port("audit"));
            std::map<std::string, std::pair<std::string, std::string>> by_id;  // event id -> (task, type)
            for (const auto& a : fetch_all(audit, users_[i].token, "/api/" + users_[i].id + "/audit"))
                by_id[text_of(a.at("event_id"))] = {text_of(a.at("task_id")), text_of(a.at("event_type"))};
            const std::map<std::string, int> rank{
                {"com.todoai.task.created", 0}, {"com.todoai.task.updated", 1}, {"com.todoai.task.completed", 2}};
            std::map<std::string, int> last;  // task -> rank of the last lifecycle event seen on the feed
            for (const auto& id : feeds_[i]->event_ids()) {
                const auto it = by_id.find(id);
                if (it == by_id.end() || !rank.contains(it->second.second)) continue;
                const int r = rank.at(it->second.second);
                auto [seen, first] = last.emplace(it->second.first, r);
                if (!first) {
                    EXPECT_GT(r, seen->second) << "the feed of " << users_[i].id << " got task " << it->second.first
                                               << "'s " << it->second.second << " out of order";
                    seen->second = r;
                }
            }
        }
    }

    OwnKafka kafka_;
};

TEST_F(KafkaFaultTest, KillNineOfTheBrokerMidLoadAndARestartOnItsDataLoseNothing) {
    writes_survive("kill -9 of the broker", [&] {
        kafka_.kill9();
        std::this_thread::sleep_for(3s);  // the outage itself: the writers keep going meanwhile
        kafka_.resume();                  // same ports, same data directory
    });
}

TEST_F(KafkaFaultTest, ABrokerStoppedForTenSecondsThenContinuedLosesNothing) {
    writes_survive("SIGSTOP of the broker for 10 s", [&] {
        kafka_.pause();
        std::this_thread::sleep_for(kOutage);  // the outage; the writers keep going meanwhile
        kafka_.unpause();
    });
}

// The broker down when a service starts: one line naming the brokers and exit 1 after --kafka-connect-timeout; once
// the broker is back, the same command serves.
TEST(KafkaBrokerStartUp, ABrokerDownAtStartIsOneLineNamingItThenTheServiceStartsOnceItIsBack) {
    OwnKafka kafka;
    FreshDatabase database;
    kafka.kill9();
    TempDir dir;
    const std::vector<std::string> args{"serve",
                                        "audit",
                                        "--database-url",
                                        database.url(),
                                        "--kafka-brokers",
                                        kafka.bootstrap(),
                                        "--app-api-token",
                                        kClusterAppToken,
                                        "--kafka-connect-timeout",
                                        "3",
                                        "--jwt-secret",
                                        kTestJwtSecret,
                                        "--data-dir",
                                        dir.path().string(),
                                        "--port",
                                        "0",
                                        "--host",
                                        "127.0.0.1"};
    const auto started = std::chrono::steady_clock::now();
    const auto [code, out] = TodoaiProcess::run(args);
    EXPECT_EQ(code, 1) << out;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
    EXPECT_EQ(out, "todoai: Kafka brokers " + kafka.bootstrap() + " did not answer within 3 s (TODOAI_KAFKA_BROKERS)\n")
        << "one line naming the brokers";

    kafka.resume();
    TodoaiProcess audit(dir.path() / "audit",
                        {"serve", "audit", "--database-url", database.url(), "--kafka-brokers", kafka.bootstrap(),
                         "--app-api-token", kClusterAppToken, "--access-log", "false"});
    audit.start();
    // Serving at once; ready once its consumer groups have joined.
    EXPECT_TRUE(poll_until(20s, [&] { return readiness(audit.port()) == 200; })) << "audit never became ready";
    EXPECT_EQ(audit.stop(), 0);
}

}  // namespace
}  // namespace todoai::testing

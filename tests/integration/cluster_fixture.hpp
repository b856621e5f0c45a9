#pragma once
// The distributed deployment in one test: a fresh PostgreSQL database on ctest's test server (one schema per service
// inside it), topics and consumer groups of its own on ctest's Apache Kafka broker (a random topic prefix and group
// prefix; the services create the topics, the broker auto-creates none) and the five services as separate todoai
// processes sharing JWT_SECRET and APP_API_TOKEN, each on its own free port. Everything is torn down with the
// fixture. A test that takes the broker down overrides kafka_bootstrap() with a broker of its own.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"
#include "support/todoai_process.hpp"

namespace todoai::testing {

/// A database of its own on the test server, created by CREATE DATABASE (outside a transaction, hence plain libpq)
/// and dropped with everything in it on destruction.
class FreshDatabase {
  public:
    FreshDatabase() : server_url_(postgres_test_url()) {
        std::random_device rd;
        name_ = "cluster_" + std::to_string(::getpid()) + "_" + std::to_string(rd() % 1000000000);
        run("CREATE DATABASE " + name_);
        url_ = server_url_.substr(0, server_url_.rfind('/') + 1) + name_;
    }
    ~FreshDatabase() {
        try {
            run("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (const std::exception&) {
            // The fixture's server is thrown away at the end of the run anyway.
        }
    }
    FreshDatabase(const FreshDatabase&) = delete;
    FreshDatabase& operator=(const FreshDatabase&) = delete;

    const std::string& url() const { return url_; }

  private:
    void run(const std::string& sql) const {
        PGconn* conn = PQconnectdb(server_url_.c_str());
        if (PQstatus(conn) != CONNECTION_OK) {
            std::string why = PQerrorMessage(conn);
            PQfinish(conn);
            throw std::runtime_error("cannot reach the PostgreSQL test server: " + why);
        }
        PGresult* res = PQexec(conn, sql.c_str());
        const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        std::string why = PQerrorMessage(conn);
        PQclear(res);
        PQfinish(conn);
        if (!ok) throw std::runtime_error(sql + ": " + why);
    }

    std::string server_url_;
    std::string name_;
    std::string url_;
};

inline constexpr const char* kClusterAppToken = "cluster-test-app-token-0123456789";

class ClusterTest : public ::testing::Test {
  protected:
    /// Flags every service gets besides the shared ones (e.g. {"--topic-layout", "per-type"}).
    virtual std::vector<std::string> extra_args() const { return {"--reminder-check-interval", "1"}; }
    /// The database every service uses (a test that stops its server overrides this with a server of its own).
    virtual std::string database_url() const { return database_.url(); }
    /// The Kafka brokers every service uses.
    virtual std::string kafka_bootstrap() const { return shared_kafka_; }
    /// `topic` as it is named on the brokers (this test's prefix first).
    std::string kafka_topic(const std::string& topic) const { return kafka_prefix_ + "." + topic; }

    void SetUp() override {
        // todo first: the others invoke it (notification, recurring), so they need its URL.
        start("todo");
        // One after the other, from this thread: a child started by a thread that then ends would get its
        // parent-death signal (PR_SET_PDEATHSIG follows the forking thread).
        for (std::string service : {"audit", "websocket", "notification", "recurring"}) start(service, todo_url());
        todo_ = std::make_unique<HttpClient>(port("todo"));
    }

    void TearDown() override {
        todo_.reset();
        for (auto& [name, process] : processes_)
            EXPECT_EQ(process->stop(), 0) << name << " did not stop cleanly; log: " << process->log_file();
    }

    std::uint16_t port(const std::string& service) const { return processes_.at(service)->port(); }
    TodoaiProcess& process(const std::string& service) { return *processes_.at(service); }
    /// What the other services (and further replicas) get as --todo-url.
    std::string todo_url() const { return "http://127.0.0.1:" + std::to_string(port("todo")); }

    /// Starts (another replica of) `service`; `name` keys it (default: the service's name).
    void start(const std::string& service, const std::string& todo_url = "", std::string name = "") {
        if (name.empty()) name = service;
        std::vector<std::string> args{"serve",
                                      service,
                                      "--database-url",
                                      database_url(),
                                      "--kafka-brokers",
                                      kafka_bootstrap(),
                                      "--kafka-topic-prefix",
                                      kafka_prefix_ + ".",
                                      "--kafka-consumer-group",
                                      kafka_prefix_,
                                      "--app-api-token",
                                      kClusterAppToken,
                                      "--replica-id",
                                      name,
                                      "--access-log",
                                      "false"};
        if (!todo_url.empty()) args.insert(args.end(), {"--todo-url", todo_url});
        for (auto& a : extra_args()) args.push_back(a);
        auto process = std::make_unique<TodoaiProcess>(dir_.path() / name, std::move(args));
        process->start();
        std::lock_guard lock(mutex_);
        processes_.emplace(name, std::move(process));
    }

    TempDir dir_;
    FreshDatabase database_;
    std::string shared_kafka_ = kafka_test_bootstrap();
    std::string kafka_prefix_ = [] {
        std::random_device rd;
        return "c" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000000);
    }();
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<TodoaiProcess>> processes_;
    std::unique_ptr<HttpClient> todo_;
};

}  // namespace todoai::testing

// `todoai dlq` on PostgreSQL without Kafka: the in-process bus keeps its dead letters in the bus_dead_letters schema
// (where `serve` puts them), and list/replay must read that schema, not a bus.db file.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <string>

#include "integration/cluster_fixture.hpp"
#include "support/todoai_process.hpp"

namespace todoai::testing {
namespace {

void exec(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PGresult* result = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << PQerrorMessage(conn);
    PQclear(result);
    PQfinish(conn);
}

TEST(DlqPostgres, ListsAndRequeuesTheDeadLettersServeStoredInItsSchema) {
    FreshDatabase database;
    auto [migrated, out] = TodoaiProcess::run({"migrate", "--database-url", database.url()});
    ASSERT_EQ(migrated, 0) << out;
    exec(database.url(),
         "INSERT INTO bus_dead_letters.dead_letters (topic, original_topic, grp, msg_key, event_id, payload, reason, "
         "attempts, failed_at) VALUES ('task-events-dlq', 'task-events', 'audit-service', 'user-1', 'event-1', '{}', "
         "'audit: not a CloudEvent', 1, '2026-11-25T00:00:00Z')");

    auto [listed, lines] = TodoaiProcess::run({"dlq", "list", "task-events", "--database-url", database.url()});
    ASSERT_EQ(listed, 0) << lines;
    EXPECT_NE(lines.find("\"event_id\":\"event-1\""), std::string::npos) << lines;
    EXPECT_NE(lines.find("audit: not a CloudEvent"), std::string::npos) << lines;
    EXPECT_NE(lines.find("\"requeued\":false"), std::string::npos) << lines;

    auto [replayed, said] = TodoaiProcess::run({"dlq", "replay", "task-events", "--database-url", database.url()});
    ASSERT_EQ(replayed, 0) << said;
    EXPECT_NE(said.find("requeued 1 "), std::string::npos) << said;
    auto [again, relisted] = TodoaiProcess::run({"dlq", "list", "task-events", "--database-url", database.url()});
    EXPECT_NE(relisted.find("\"requeued\":true"), std::string::npos) << relisted;
}

}  // namespace
}  // namespace todoai::testing

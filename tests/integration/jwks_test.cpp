// Tokens of another issuer against the real binary: TODOAI_JWKS_URL pointing at a small local HTTP peer (python3's
// http.server on 127.0.0.1, serving a JWKS file this test writes and rewrites) with keys generated here.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <fstream>
#include <regex>

#include "integration/event_support.hpp"
#include "integration/todoai_fixture.hpp"
#include "support/jose_keys.hpp"

namespace todoai::testing {
namespace {

using boost::json::object;

// python3 -m http.server on a free loopback port, serving `dir`.
class StaticPeer {
  public:
    explicit StaticPeer(const std::filesystem::path& dir) {
        int out[2];
        if (pipe(out) != 0) throw std::runtime_error("pipe");
        pid_ = fork();
        if (pid_ == 0) {
            dup2(out[1], STDOUT_FILENO);
            dup2(out[1], STDERR_FILENO);
            close(out[0]);
            const std::string d = dir.string();
            execlp("python3", "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory",
                   d.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        close(out[1]);
        std::string seen;
        const std::regex serving(R"(port (\d+))");
        std::smatch m;
        char buf[256];
        while (!std::regex_search(seen, m, serving)) {
            const auto n = read(out[0], buf, sizeof buf);
            if (n <= 0) throw std::runtime_error("python3 http.server did not start: " + seen);
            seen.append(buf, static_cast<std::size_t>(n));
        }
        port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
        fd_ = out[0];  // kept open (and drained by nobody: the server logs little) until the peer stops
    }
    ~StaticPeer() {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
        close(fd_);
    }
    std::uint16_t port() const { return port_; }

  private:
    pid_t pid_ = -1;
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class JwksIssuer : public ::testing::Test {
  protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_.path() / "issuer");
        publish({&ed_, &ec_, &rsa_});
        peer_ = std::make_unique<StaticPeer>(dir_.path() / "issuer");
        process_ = std::make_unique<TodoaiProcess>(
            dir_.path() / "data",
            std::vector<std::string>{"serve", "all", "--jwks-url",
                                     "http://127.0.0.1:" + std::to_string(peer_->port()) + "/jwks.json",
                                     "--jwt-issuer", "http://127.0.0.1:3000"});
        process_->start();
        client_ = std::make_unique<HttpClient>(process_->port());
    }

    void publish(std::initializer_list<const JoseKey*> keys) {
        std::ofstream(dir_.path() / "issuer" / "jwks.json.tmp") << jwks_document(keys);
        std::filesystem::rename(dir_.path() / "issuer" / "jwks.json.tmp", dir_.path() / "issuer" / "jwks.json");
    }

    // Better Auth's JWT plugin: sub and id are the user's id; iss/aud its base URL.
    static object claims(const std::string& user, std::int64_t nbf = 0) {
        object c{{"sub", user},
                 {"id", user},
                 {"iss", "http://127.0.0.1:3000"},
                 {"aud", "http://127.0.0.1:3000"},
                 {"iat", now_seconds()},
                 {"exp", now_seconds() + 600}};
        if (nbf != 0) c["nbf"] = nbf;
        return c;
    }

    HttpResponse list_as(const std::string& user, const std::string& token) {
        return client_->authed("GET", "/api/" + user + "/tasks", token);
    }

    TempDir dir_;
    JoseKey ed_ = JoseKey::ed25519("ed-1");
    JoseKey ec_ = JoseKey::es256("ec-1");
    JoseKey rsa_ = JoseKey::rs256("rsa-1");
    std::unique_ptr<StaticPeer> peer_;
    std::unique_ptr<TodoaiProcess> process_;
    std::unique_ptr<HttpClient> client_;
};

TEST_F(JwksIssuer, EachAlgorithmRotationAlgSwapAndNbf) {
    // A user of the issuer's who never signed up here exists by its id alone.
    for (const JoseKey* key : {&ed_, &ec_, &rsa_}) {
        const std::string user = "ba-" + key->alg();
        auto res = list_as(user, key->sign(claims(user)));
        EXPECT_EQ(res.status, 200) << key->alg() << " " << res.body;
        EXPECT_TRUE(res.json().is_array());
    }
    auto created = client_->authed("POST", "/api/tasks", ed_.sign(claims("ba-EdDSA")), R"({"title":"from Better Auth"})");
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(str(created.json().at("user_id")), "ba-EdDSA");

    // The key's algorithm wins: an RSA key's token relabelled ES256 is refused.
    auto swapped = list_as("ba-RS256", rsa_.sign(claims("ba-RS256"), "ES256"));
    EXPECT_EQ(swapped.status, 401);
    EXPECT_NE(swapped.body.find("does not match the key"), std::string::npos) << swapped.body;
    EXPECT_EQ(swapped.header("www-authenticate").rfind("Bearer", 0), 0u);

    // Not valid before a minute from now.
    auto early = list_as("ba-EdDSA", ed_.sign(claims("ba-EdDSA", now_seconds() + 60)));
    EXPECT_EQ(early.status, 401);
    EXPECT_NE(early.body.find("nbf"), std::string::npos) << early.body;

    // Another issuer's token, though signed by a published key, is refused (TODOAI_JWT_ISSUER).
    auto other = claims("ba-EdDSA");
    other["iss"] = "http://127.0.0.1:4000";
    EXPECT_EQ(list_as("ba-EdDSA", ed_.sign(other)).status, 401);

    // The issuer rotates to a new key: its first token makes todoai fetch the set again (at most once a second).
    const JoseKey next = JoseKey::ed25519("ed-2");
    publish({&next});
    const auto rotated = next.sign(claims("ba-rotated"));
    HttpResponse res;
    EXPECT_TRUE(poll_until(std::chrono::seconds(5), [&] {
        res = list_as("ba-rotated", rotated);
        return res.status == 200;
    })) << res.status << " " << res.body;
    // A forged key under a published kid is still refused.
    const JoseKey impostor = JoseKey::ed25519("ed-2");
    EXPECT_EQ(list_as("ba-rotated", impostor.sign(claims("ba-rotated"))).status, 401);
}

}  // namespace
}  // namespace todoai::testing

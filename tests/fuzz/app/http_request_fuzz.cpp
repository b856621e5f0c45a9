// Raw bytes on a connection to the real server: Beast's parser and our framing checks, the request's decoding, the
// router, and every service's handlers over the all-in-one process (fuzz_app.hpp). The input is what one client
// writes before closing its sending side; several pipelined requests are fine. "$TOKEN" and "$OTHER" in the input
// become valid bearer tokens of two users, so the fuzzer gets past authentication into the handlers.
//
// A 500 answer is a finding: every expected failure is a 4xx, and a 500 means a handler threw something it should
// have mapped (or a bug).
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "app/fuzz_app.hpp"

namespace {

struct Server {
    todoai::fuzz::FuzzApp app{todoai::fuzz::FuzzApp::Bus::memory};
    std::uint16_t port = app.process->listen();
    std::thread runner{[this] { app.process->run(); }};
    ~Server() {
        app.process->stop();
        runner.join();
    }
};

void replace_all(std::string& text, std::string_view from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

int connect_to(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    // The server closes first, so each connection leaves a TIME_WAIT on its side for a minute; at several hundred
    // connections a second one source address runs out of ephemeral ports. Rotating over 127.0.0.2-254 gives each
    // its own.
    static unsigned next = 0;
    sockaddr_in source{};
    source.sin_family = AF_INET;
    source.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + next++ % 253);
    if (fd >= 0) ::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // libFuzzer's timer signal (SIGALRM, for -timeout) may interrupt connect(); the connection then completes on
    // its own, which a poll for writability and SO_ERROR tell.
    int rc = fd < 0 ? -1 : ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (rc != 0 && errno == EINTR) {
        pollfd p{fd, POLLOUT, 0};
        while ((rc = ::poll(&p, 1, 10'000)) < 0 && errno == EINTR) {
        }
        int error = 0;
        socklen_t length = sizeof error;
        if (rc == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0)
            rc = 0;
        else if (error != 0)
            errno = error;
        else
            rc = -1;
    }
    if (rc != 0) {
        std::fprintf(stderr, "connect to the server failed: %s\n", std::strerror(errno));
        __builtin_trap();
    }
    return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Server server;
    std::string input(reinterpret_cast<const char*>(data), size);
    replace_all(input, "$TOKEN", server.app.token);
    replace_all(input, "$OTHER", server.app.other_token);

    const int fd = connect_to(server.port);
    std::string answer;
    std::size_t sent = 0;
    bool open_for_writing = true;
    // Write and read together: a server answering pipelined requests must not stall on a client that is still writing.
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (open_for_writing) p.events |= POLLOUT;
        const int ready = ::poll(&p, 1, 10'000);
        if (ready < 0 && errno == EINTR) continue;  // libFuzzer's timer signal
        if (ready <= 0) __builtin_trap();           // the server neither answered nor closed: a hang
        if (p.revents & POLLOUT) {
            const auto n = ::send(fd, input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
            if (n > 0) sent += static_cast<std::size_t>(n);
            if ((n < 0 && errno != EINTR) || sent == input.size()) {
                ::shutdown(fd, SHUT_WR);
                open_for_writing = false;
            }
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[16384];
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            answer.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    // A status line starts the answer or follows a CRLF (a JSON body cannot hold a raw CRLF: a request's text that
    // a problem detail echoes back is escaped), so a body quoting "HTTP/1.1 500 " is not one.
    auto status_500 = [&answer](std::string_view line) {
        return answer.rfind(line, 0) == 0 || answer.find("\r\n" + std::string(line)) != std::string::npos;
    };
    if (status_500("HTTP/1.1 500 ") || status_500("HTTP/1.0 500 ")) {
        std::fprintf(stderr, "500 answered to:\n%s\n---\n%s\n", input.c_str(), answer.c_str());
        __builtin_trap();
    }
    return 0;
}

#pragma once
// A blocking TCP client that writes exactly the bytes it is given and reads responses byte for byte, with a deadline
// on every wait: for framing tests (smuggling, trickling clients) that a real HTTP client library would not send.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace todoai::testing {

inline constexpr auto kRawDeadline = std::chrono::seconds(5);

struct RawResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;

    std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? "<none>" : it->second;
    }
};

// A blocking TCP client with deadlines on every wait.
class RawClient {
  public:
    explicit RawClient(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            throw std::runtime_error("connect failed");
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~RawClient() { ::close(fd_); }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    void send(std::string_view data) {
        while (!data.empty()) {
            const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("send failed");
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    // One response; `head` when it answers a HEAD request (Content-Length without a body).
    std::optional<RawResponse> read_response(bool head = false) {
        for (;;) {
            std::size_t end;
            while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
                if (!fill()) return std::nullopt;
            RawResponse res;
            const std::string head_text = buf_.substr(0, end);
            buf_.erase(0, end + 4);
            std::size_t pos = head_text.find("\r\n");
            const std::string status_line = head_text.substr(0, pos);
            res.status = std::stoi(status_line.substr(9, 3));
            while (pos != std::string::npos) {
                const auto next = head_text.find("\r\n", pos + 2);
                const auto line =
                    head_text.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
                const auto colon = line.find(':');
                std::string name = line.substr(0, colon);
                for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                res.headers[name] = line.substr(colon + 2);
                pos = next;
            }
            if (res.status == 100) continue;
            const bool has_body = !head && res.status != 204 && res.status != 304;
            if (has_body && res.headers.count("content-length")) {
                const auto length = std::stoul(res.headers["content-length"]);
                while (buf_.size() < length)
                    if (!fill()) return std::nullopt;
                res.body = buf_.substr(0, length);
                buf_.erase(0, length);
            }
            return res;
        }
    }

    // The bytes up to and including the next `delimiter` (a streamed body's next piece); nullopt when the
    // connection ends or the deadline passes first.
    std::optional<std::string> read_until(std::string_view delimiter) {
        std::size_t end;
        while ((end = buf_.find(delimiter)) == std::string::npos)
            if (!fill()) return std::nullopt;
        std::string piece = buf_.substr(0, end + delimiter.size());
        buf_.erase(0, end + delimiter.size());
        return piece;
    }

    bool readable_within(std::chrono::milliseconds wait) {
        pollfd p{fd_, POLLIN, 0};
        return ::poll(&p, 1, static_cast<int>(wait.count())) == 1;
    }

    // True only when the server closes (or resets) the connection within `wait`: bytes still arriving are read and
    // dropped; a timeout is false.
    bool ended_within(std::chrono::milliseconds wait) {
        const auto deadline = std::chrono::steady_clock::now() + wait;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
            char chunk[16384];
            if (::recv(fd_, chunk, sizeof chunk, 0) <= 0) return true;
        }
    }

    // True when the server closes the connection (or resets it) before the deadline.
    bool closed_by_peer() {
        for (;;) {
            const auto before = buf_.size();
            if (!fill()) return buf_.size() == before;
        }
    }

  private:
    bool fill() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kRawDeadline).count())) != 1) return false;
        char chunk[16384];
        const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buf_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    std::string buf_;
};

}  // namespace todoai::testing

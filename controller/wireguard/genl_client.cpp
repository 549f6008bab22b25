// GenlClient: the socket part of the kernel interface, deliberately thin (see genl.hpp: no kernel module
// on the build host, so only the "family not found" path runs there). A fresh socket per operation: the
// family id is re-resolved each time, so a module reload (new id) needs no cache invalidation, and no
// stale reply of an earlier timed-out request can be read as the answer to a new one.

#include "controller/wireguard/genl.hpp"

#include <libmnl/libmnl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace wgfo::wg {
namespace {

using Clock = std::chrono::steady_clock;

struct SocketCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using Socket = std::unique_ptr<mnl_socket, SocketCloser>;

Error io_error(const std::string& what, int err) {
  const auto kind = err == ETIMEDOUT ? Error::Kind::Timeout : Error::Kind::Io;
  return Error{kind, "wireguard netlink: " + what + ": " + std::strerror(err)};
}

class Session {
 public:
  explicit Session(std::chrono::milliseconds timeout) : deadline_(Clock::now() + timeout) {}

  std::optional<Error> open() {
    sock_.reset(mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!sock_) return io_error("socket", errno);
    if (mnl_socket_bind(sock_.get(), 0, MNL_SOCKET_AUTOPID) < 0) return io_error("bind", errno);
    return std::nullopt;
  }

  std::optional<Error> send(const std::vector<std::uint8_t>& request) {
    if (mnl_socket_sendto(sock_.get(), request.data(), request.size()) < 0) return io_error("send", errno);
    return std::nullopt;
  }

  // One datagram into buf_, waiting at most until the deadline.
  Result<Bytes> recv() {
    for (;;) {
      const ssize_t n = mnl_socket_recvfrom(sock_.get(), buf_.data(), buf_.size());
      if (n > 0) return Bytes(buf_.data(), static_cast<std::size_t>(n));
      if (n == 0) return io_error("recv", ECONNRESET);
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return io_error("recv", errno);  // ENOSPC: a datagram larger than buf_
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
      if (left <= 0) return io_error("no reply from the kernel", ETIMEDOUT);
      pollfd p{mnl_socket_get_fd(sock_.get()), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left + 1)) < 0 && errno != EINTR) return io_error("poll", errno);
    }
  }

  Result<std::uint16_t> resolve_family() {
    if (auto e = send(build_get_family_request(next_seq()))) return *e;
    auto bytes = recv();
    if (const Error* e = error_of(bytes)) return *e;
    return parse_get_family_reply(std::get<Bytes>(bytes));
  }

  std::uint32_t next_seq() { return ++seq_; }

 private:
  Clock::time_point deadline_;
  Socket sock_;
  std::uint32_t seq_{0};
  std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(64 * 1024);  // dump parts are up to ~32 KiB
};

}  // namespace

Result<DeviceStats> GenlClient::get(const std::string& ifname) const {
  Session s(options_.timeout);
  if (auto e = s.open()) return *e;
  auto family = s.resolve_family();
  if (const Error* e = error_of(family)) return *e;
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto request = build_get_device_request(std::get<std::uint16_t>(family), s.next_seq(), ifname);
    if (const Error* e = error_of(request)) return *e;
    if (auto e = s.send(std::get<std::vector<std::uint8_t>>(request))) return *e;
    DeviceDumpParser parser(std::get<std::uint16_t>(family));
    for (;;) {
      auto bytes = s.recv();
      if (const Error* e = error_of(bytes)) return *e;
      auto done = parser.feed(std::get<Bytes>(bytes));
      if (const Error* e = error_of(done)) return *e;
      if (std::get<bool>(done)) break;
    }
    if (!parser.interrupted()) {
      if (parser.device().ifname != ifname) {
        return Error{Error::Kind::Malformed,
                     "wireguard netlink: asked for " + ifname + ", got \"" + parser.device().ifname + "\""};
      }
      return parser.take();
    }
  }
  return Error{Error::Kind::Io, "wireguard netlink: the dump of " + ifname + " was interrupted " +
                                    std::to_string(kAttempts) + " times (peers kept changing)"};
}

Result<void> GenlClient::set_endpoint(const std::string& ifname, const Key& peer,
                                      const HostPort& endpoint) const {
  Session s(options_.timeout);
  if (auto e = s.open()) return *e;
  auto family = s.resolve_family();
  if (const Error* e = error_of(family)) return *e;
  auto request =
      build_set_endpoint_request(std::get<std::uint16_t>(family), s.next_seq(), ifname, peer, endpoint);
  if (const Error* e = error_of(request)) return *e;
  if (auto e = s.send(std::get<std::vector<std::uint8_t>>(request))) return *e;
  auto bytes = s.recv();
  if (const Error* e = error_of(bytes)) return *e;
  return parse_ack(std::get<Bytes>(bytes));
}

}  // namespace wgfo::wg

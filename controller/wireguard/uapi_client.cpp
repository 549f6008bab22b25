// UapiClient: the socket part of the UAPI. One non-blocking unix stream connection per operation, every
// wait a poll() bounded by the operation's deadline. wireguard-go keeps a connection open for further
// operations after answering, so the reply's end is its empty line, never EOF.

#include "controller/wireguard/fd.hpp"
#include "controller/wireguard/uapi.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace wgfo::wg {
namespace {

using Clock = std::chrono::steady_clock;

Error io_error(Error::Kind kind, const std::string& what, int err) {
  return Error{kind, what + ": " + std::strerror(err)};
}

// Waits for `events` on fd until the deadline. 0 when ready, else an errno (ETIMEDOUT on the deadline).
int wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return ETIMEDOUT;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left + 1));
    if (n > 0) return 0;  // readable, writable, or HUP/ERR: the following call tells which
    if (n == 0) continue;
    if (errno != EINTR) return errno;
  }
}

}  // namespace

std::string UapiClient::socket_path(std::string_view ifname) const {
  return options_.socket_dir + "/" + std::string(ifname) + ".sock";
}

bool UapiClient::has_socket(std::string_view ifname) const {
  if (error_of(check_ifname(ifname))) return false;
  struct stat st {};
  return ::stat(socket_path(ifname).c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

Result<std::string> UapiClient::exchange(const std::string& ifname, std::string_view request) const {
  if (auto bad = check_ifname(ifname); error_of(bad)) return std::get<Error>(bad);
  const std::string path = socket_path(ifname);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return Error{Error::Kind::Malformed, "UAPI socket path too long: " + path};
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const auto deadline = Clock::now() + options_.timeout;
  const std::string timeout_text = std::to_string(options_.timeout.count()) + " ms";

  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return io_error(Error::Kind::Io, "UAPI socket", errno);
  // A unix stream connect completes at once or fails (EAGAIN: the listener's backlog is full, i.e. the
  // process is not accepting); there is no EINPROGRESS to wait for.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ECONNREFUSED) {
      return io_error(Error::Kind::NotFound,
                      "UAPI " + path + " (is the userspace WireGuard for " + ifname + " running?)", err);
    }
    if (err == EAGAIN) return Error{Error::Kind::Timeout, "UAPI " + path + ": not accepting connections"};
    return io_error(Error::Kind::Io, "UAPI connect " + path, err);
  }

  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return io_error(Error::Kind::Io, "UAPI send to " + path, errno);
    if (const int err = wait_for(fd.get(), POLLOUT, deadline)) {
      if (err == ETIMEDOUT)
        return Error{Error::Kind::Timeout, "UAPI " + path + ": no progress within " + timeout_text};
      return io_error(Error::Kind::Io, "UAPI poll", err);
    }
  }

  std::string reply;
  std::array<char, 16384> buf{};
  while (!uapi_reply_complete(reply)) {
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    if (n > 0) {
      reply.append(buf.data(), static_cast<std::size_t>(n));
      if (reply.size() > options_.max_reply_bytes) {
        return Error{Error::Kind::Malformed, "UAPI " + path + ": reply larger than " +
                                                 std::to_string(options_.max_reply_bytes) + " bytes"};
      }
      continue;
    }
    if (n == 0) break;  // EOF before the empty line: the parser reports the truncation
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return io_error(Error::Kind::Io, "UAPI recv from " + path, errno);
    if (const int err = wait_for(fd.get(), POLLIN, deadline)) {
      if (err == ETIMEDOUT) {
        return Error{Error::Kind::Timeout, "UAPI " + path + ": no complete reply within " + timeout_text +
                                               " (" + std::to_string(reply.size()) + " bytes received)"};
      }
      return io_error(Error::Kind::Io, "UAPI poll", err);
    }
  }
  return reply;
}

Result<DeviceStats> UapiClient::get(const std::string& ifname) const {
  auto reply = exchange(ifname, kUapiGetRequest);
  if (const Error* e = error_of(reply)) return *e;
  return parse_uapi_get_reply(std::get<std::string>(reply), ifname);
}

Result<void> UapiClient::set_endpoint(const std::string& ifname, const Key& peer,
                                      const HostPort& endpoint) const {
  auto request = build_uapi_set_endpoint(peer, endpoint);
  if (const Error* e = error_of(request)) return *e;
  auto reply = exchange(ifname, std::get<std::string>(request));
  if (const Error* e = error_of(reply)) return *e;
  return parse_uapi_set_reply(std::get<std::string>(reply));
}

}  // namespace wgfo::wg

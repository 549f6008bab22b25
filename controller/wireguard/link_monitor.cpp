// LinkMonitor: the socket around parse_link_messages() and LinkTable. Plain socket calls rather than
// libmnl: the descriptor is owned by Asio's stream_descriptor, and recvmsg is needed anyway to see
// MSG_TRUNC and the sender (only the kernel, nl_pid 0, is listened to).

#include "controller/wireguard/link_monitor.hpp"
#include "controller/wireguard/fd.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wgfo::link {
namespace {

constexpr std::size_t kBufferSize =
    64 * 1024;  // larger than any rtnetlink datagram (dump parts are <= 32 KiB)

std::string errno_text(std::string_view what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

// An RTM_GETLINK dump request for all families' links (AF_UNSPEC).
std::vector<std::uint8_t> dump_request(std::uint32_t seq) {
  struct {
    nlmsghdr hdr;
    ifinfomsg ifi;
  } req{};
  req.hdr.nlmsg_len = sizeof(req);
  req.hdr.nlmsg_type = RTM_GETLINK;
  req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.hdr.nlmsg_seq = seq;
  req.ifi.ifi_family = AF_UNSPEC;
  const auto* p = reinterpret_cast<const std::uint8_t*>(&req);
  return {p, p + sizeof(req)};
}

int send_to_kernel(int fd, const std::vector<std::uint8_t>& request) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  const ssize_t n = ::sendto(fd, request.data(), request.size(), 0,
                             reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel));
  return n == static_cast<ssize_t>(request.size()) ? 0 : (n < 0 ? errno : EMSGSIZE);
}

// One datagram from the kernel. >0: its size; 0: a datagram from another sender (skipped);
// -errno on failure (-ENOSPC: truncated).
ssize_t receive(int fd, std::vector<std::uint8_t>& buf, int flags) {
  sockaddr_nl from{};
  iovec iov{buf.data(), buf.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof(from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  const ssize_t n = ::recvmsg(fd, &msg, flags);
  if (n < 0) return -errno;
  if ((msg.msg_flags & MSG_TRUNC) != 0) return -ENOSPC;
  if (from.nl_pid != 0) return 0;
  return n;
}

}  // namespace

LinkMonitor::LinkMonitor(asio::io_context& io, EventHandler on_event, StatusHandler on_status,
                         Options options)
    : socket_(io),
      on_event_(std::move(on_event)),
      on_status_(std::move(on_status)),
      options_(options),
      buf_(kBufferSize) {}

LinkMonitor::~LinkMonitor() {
  stop();
}

std::optional<std::string> LinkMonitor::start() {
  if (running_) return std::string("link monitor already started");
  Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (fd.get() < 0) return errno_text("rtnetlink socket", errno);
  const int rcvbuf = options_.receive_buffer_bytes;
  // SO_RCVBUFFORCE passes the rmem_max cap (needs CAP_NET_ADMIN, which the daemon has); else best effort.
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0) {
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  }
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
    return errno_text("rtnetlink bind", errno);
  }
  const int group = RTNLGRP_LINK;
  if (::setsockopt(fd.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) != 0) {
    return errno_text("rtnetlink subscribe RTNLGRP_LINK", errno);
  }
  boost::system::error_code ec;
  socket_.assign(fd.get(), ec);
  if (ec) return "rtnetlink socket: " + ec.message();
  fd.release();
  running_ = true;
  redump_pending_ = false;
  alive_ = std::make_shared<bool>(true);
  request_dump();
  if (!running_) return std::string("rtnetlink: the first dump request failed");
  arm();
  return std::nullopt;
}

void LinkMonitor::stop() {
  if (!running_) return;
  running_ = false;
  *alive_ = false;
  boost::system::error_code ec;
  socket_.close(ec);
}

void LinkMonitor::arm() {
  socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
                       const auto token = alive.lock();
                       if (!token || !*token) return;  // stopped or destroyed meanwhile
                       if (ec) {
                         if (ec != asio::error::operation_aborted) fail("rtnetlink wait: " + ec.message());
                         return;
                       }
                       on_readable();
                     });
}

void LinkMonitor::on_readable() {
  while (running_) {
    const ssize_t n = receive(socket_.native_handle(), buf_, MSG_DONTWAIT);
    if (n == -EAGAIN || n == -EWOULDBLOCK) break;
    if (n == -EINTR || n == 0) continue;
    if (n == -ENOBUFS || n == -ENOSPC) {
      // ENOBUFS: the kernel dropped notifications; ENOSPC: a datagram did not fit the buffer. Either
      // way the table may be stale: re-dump (after the running dump, if any, has finished).
      ++overruns_;
      report(Status::Overrun, n == -ENOBUFS
                                  ? "rtnetlink socket overrun (ENOBUFS): link events lost, re-dumping"
                                  : "rtnetlink datagram truncated: re-dumping");
      if (!running_) return;
      if (table_.dumping()) {
        redump_pending_ = true;
      } else {
        request_dump();
      }
      continue;
    }
    if (n < 0) {
      fail(errno_text("rtnetlink recv", static_cast<int>(-n)));
      return;
    }
    handle_datagram(std::span<const std::uint8_t>(buf_.data(), static_cast<std::size_t>(n)));
  }
  if (running_) arm();
}

void LinkMonitor::handle_datagram(std::span<const std::uint8_t> bytes) {
  auto parsed = parse_link_messages(bytes);
  if (auto* err = std::get_if<std::string>(&parsed)) {
    report(Status::Error, "rtnetlink: " + *err + " (re-dumping)");
    if (!running_) return;
    if (table_.dumping()) {
      redump_pending_ = true;
    } else {
      request_dump();
    }
    return;
  }
  const LinkBatch& batch = std::get<LinkBatch>(parsed);
  redump_pending_ = redump_pending_ || batch.dump_interrupted;
  for (const LinkEvent& e : batch.events) {
    for (const LinkEvent& out : table_.apply(e)) {
      if (on_event_) on_event_(out);
      if (!running_) return;
    }
  }
  if (batch.dump_done && table_.dumping()) {
    for (const LinkEvent& gone : table_.end_dump()) {
      if (on_event_) on_event_(gone);
      if (!running_) return;
    }
    report(Status::DumpComplete, std::to_string(table_.links().size()) + " links");
    if (running_ && redump_pending_) {
      redump_pending_ = false;
      request_dump();
    }
  }
}

void LinkMonitor::request_dump() {
  table_.begin_dump();
  ++dumps_;
  if (const int err = send_to_kernel(socket_.native_handle(), dump_request(++seq_))) {
    fail(errno_text("rtnetlink dump request", err));
  }
}

void LinkMonitor::report(Status s, const std::string& detail) {
  if (on_status_) on_status_(s, detail);
}

void LinkMonitor::fail(const std::string& detail) {
  report(Status::Error, detail);
  stop();
}

std::variant<std::vector<LinkEvent>, std::string> dump_links() {
  Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (fd.get() < 0) return errno_text("rtnetlink socket", errno);
  const timeval timeout{2, 0};  // the kernel answers at once; this only bounds a pathological hang
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
    return errno_text("rtnetlink bind", errno);
  }
  if (const int err = send_to_kernel(fd.get(), dump_request(1))) return errno_text("rtnetlink send", err);
  std::vector<std::uint8_t> buf(kBufferSize);
  std::vector<LinkEvent> links;
  for (;;) {
    const ssize_t n = receive(fd.get(), buf, 0);
    if (n == -EINTR || n == 0) continue;
    if (n < 0) return errno_text("rtnetlink recv", static_cast<int>(-n));
    auto parsed = parse_link_messages(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
    if (auto* err = std::get_if<std::string>(&parsed)) return *err;
    auto& batch = std::get<LinkBatch>(parsed);
    for (LinkEvent& e : batch.events) links.push_back(std::move(e));
    if (batch.dump_done) return links;
  }
}

}  // namespace wgfo::link

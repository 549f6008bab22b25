// The probe responder's socket side; see probe_responder.hpp.
#include "controller/probe/probe_responder.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "controller/probe/probe_client.hpp"
#include "controller/probe/socket_util.hpp"

namespace wgfo::probe {
namespace {

constexpr std::size_t kBufferSize = 512;  // > kPacketSize: a longer datagram is seen as too long
constexpr std::size_t kMaxPerWakeup = 256;

}  // namespace

ProbeResponder::ProbeResponder(asio::io_context& io, ResponderConfig config)
    : io_(io), config_(std::move(config)), core_(config_.limits) {}

ProbeResponder::~ProbeResponder() {
  stop();
}

void ProbeResponder::stop() {
  alive_.reset();
  socket_.reset();
}

bool ProbeResponder::start(std::string& error) {
  stop();
  if (error = validate(config_.limits); !error.empty()) return false;
  if (config_.local.is_multicast()) {
    error = "responder address " + config_.local.to_string() + " is multicast";
    return false;
  }
  const IpFamily family = config_.local.family();
  const int fd = detail::open_socket(family, SOCK_DGRAM, IPPROTO_UDP, config_.device, error);
  if (fd < 0) return false;
  const int one = 1;
  const bool pktinfo = family == IpFamily::V4
                           ? setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) == 0
                           : setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) == 0;
  const detail::SockAddr a =
      detail::to_sockaddr(config_.local, config_.port, detail::interface_index(config_.device));
  if (!pktinfo || bind(fd, a.get(), a.length) != 0) {
    error = detail::errno_text(pktinfo ? "bind " + config_.local.to_string() + " port " +
                                             std::to_string(config_.port)
                                       : std::string("IP_PKTINFO"));
    close(fd);
    return false;
  }
  sockaddr_storage s{};
  socklen_t len = sizeof s;
  IpAddress bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len) != 0 ||
      !detail::from_sockaddr(s, bound, bound_port_)) {
    error = detail::errno_text("getsockname");
    close(fd);
    return false;
  }
  core_ = ResponderCore(config_.limits);
  buffer_.resize(kBufferSize);
  socket_.emplace(io_, fd);
  alive_ = std::make_shared<char>();
  watch();
  return true;
}

void ProbeResponder::watch() {
  socket_->async_wait(asio::posix::stream_descriptor::wait_read,
                      [this, token = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
                        if (ec || token.expired()) return;
                        on_readable();
                      });
}

void ProbeResponder::on_readable() {
  const int fd = socket_->native_handle();
  for (std::size_t i = 0; i < kMaxPerWakeup; ++i) {
    detail::Received r;
    const int got = detail::receive(fd, buffer_, r);
    if (got == 0) break;
    if (got < 0) continue;  // a pending socket error, consumed
    const TimePoint now = Clock::now();
    const TimePoint received =
        r.kernel_time ? estimate_receive_time(now, detail::wall_now(), *r.kernel_time) : now;
    // A truncated datagram is longer than the buffer, hence than a probe: the codec rejects its length.
    ResponderDecision d = core_.handle(std::span<const std::uint8_t>(buffer_.data(), r.length), r.source,
                                       r.source_port, received, Clock::now());
    if (!d.error.empty()) last_error_ = std::move(d.error);
    if (d.reply) reply(*d.reply, r.source, r.source_port, r.destination, r.ifindex);
  }
  watch();
}

void ProbeResponder::reply(const ProbeBytes& bytes, const IpAddress& to, std::uint16_t port,
                           const std::optional<IpAddress>& from, std::uint32_t ifindex) {
  detail::SockAddr dest = detail::to_sockaddr(to, port, ifindex);
  iovec iov{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr h{};
  h.msg_name = &dest.storage;
  h.msg_namelen = dest.length;
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  if (from) {
    // Reply from the address the request was sent to, out of the interface it came in on.
    h.msg_control = control;
    cmsghdr* c = reinterpret_cast<cmsghdr*>(control);
    if (from->is_v4()) {
      in_pktinfo info{};
      std::memcpy(&info.ipi_spec_dst, from->bytes().data(), 4);
      info.ipi_ifindex = static_cast<int>(ifindex);
      h.msg_controllen = CMSG_SPACE(sizeof info);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof info);
      std::memcpy(CMSG_DATA(c), &info, sizeof info);
    } else {
      in6_pktinfo info{};
      std::memcpy(&info.ipi6_addr, from->bytes().data(), 16);
      info.ipi6_ifindex = ifindex;
      h.msg_controllen = CMSG_SPACE(sizeof info);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof info);
      std::memcpy(CMSG_DATA(c), &info, sizeof info);
    }
  }
  if (sendmsg(socket_->native_handle(), &h, MSG_DONTWAIT) < 0) ++core_.counters().send_errors;
}

}  // namespace wgfo::probe

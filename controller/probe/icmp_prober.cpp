// ICMP Echo prober: socket setup around ProbeLoop; see icmp_prober.hpp.
#include "controller/probe/icmp_prober.hpp"

#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

namespace wgfo::probe {
namespace {

// Only Echo Replies reach a raw socket: the kernel drops the rest of the host's ICMP before it is
// copied to us.
bool filter_echo_replies(int fd, IpFamily family) {
  if (family == IpFamily::V4) {
    icmp_filter f{};
    f.data = ~(1U << ICMP_ECHOREPLY);  // a set bit blocks that type
    return setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof f) == 0;
  }
  icmp6_filter f;
  ICMP6_FILTER_SETBLOCKALL(&f);
  ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
  return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f) == 0;
}

}  // namespace

int IcmpProber::open(IcmpConfig::Mode mode, std::string& error) {
  const IpFamily family = config_.peer.family();
  const int proto = family == IpFamily::V4 ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6};
  const bool raw = mode == IcmpConfig::Mode::Raw;
  const int fd = detail::open_socket(family, raw ? SOCK_RAW : SOCK_DGRAM, proto, config_.device, error);
  if (fd < 0) {
    error = (raw ? "raw ICMP socket: " : "ICMP datagram socket: ") + error;
    return -1;
  }
  const auto fail = [&](const std::string& what) {
    error = detail::errno_text(what);
    close(fd);
    return -1;
  };
  if (raw && !filter_echo_replies(fd, family)) return fail("ICMP filter");
  // Ping sockets get their Identifier from bind (port 0: the kernel's choice), so bind even without a
  // local address.
  if (config_.local || !raw) {
    const IpAddress local =
        config_.local ? *config_.local : (family == IpFamily::V4 ? IpAddress() : IpAddress::v6({}));
    const detail::SockAddr a = detail::to_sockaddr(local, 0, detail::interface_index(config_.device));
    if (bind(fd, a.get(), a.length) != 0) return fail("bind " + local.to_string());
  }
  if (raw) {
    std::random_device rd;
    identifier_ = static_cast<std::uint16_t>(rd());
  } else {
    sockaddr_storage s{};
    socklen_t len = sizeof s;
    IpAddress ignored;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len) != 0 ||
        !detail::from_sockaddr(s, ignored, identifier_)) {
      return fail("getsockname");
    }
  }
  return fd;
}

bool IcmpProber::start(std::string& error) {
  stop();
  if (error = validate(config_); !error.empty()) return false;
  int fd = -1;
  switch (config_.mode) {
    case IcmpConfig::Mode::Auto: {
      std::string raw_error;
      fd = open(IcmpConfig::Mode::Raw, raw_error);
      mode_ = IcmpConfig::Mode::Raw;
      if (fd < 0) {
        fd = open(IcmpConfig::Mode::Datagram, error);
        mode_ = IcmpConfig::Mode::Datagram;
        if (fd < 0) error = raw_error + "; " + error;
      }
      break;
    }
    case IcmpConfig::Mode::Raw:
    case IcmpConfig::Mode::Datagram:
      mode_ = config_.mode;
      fd = open(config_.mode, error);
      break;
  }
  if (fd < 0) return false;
  error.clear();
  const IpFamily family = config_.peer.family();
  IcmpProbeClient::Options options{family, identifier_,
                                   mode_ == IcmpConfig::Mode::Raw && family == IpFamily::V4};
  std::random_device rd;
  auto client = std::make_unique<IcmpProbeClient>(options, config_.window, static_cast<std::uint32_t>(rd()));
  const detail::SockAddr peer = detail::to_sockaddr(config_.peer, 0, detail::interface_index(config_.device));
  run(fd, std::move(client), config_, peer, false);
  return true;
}

}  // namespace wgfo::probe

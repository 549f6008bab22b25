// Socket setup and batched I/O for one BFD link (interface + family); see udp_link.hpp for the why.
#include "bfd/io/udp_link.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wgfo::bfd::io {
namespace {

constexpr std::size_t kBatch = 32;
constexpr std::size_t kRxBufSize = 128;    // > kMaxPacketLength; a longer datagram is truncated, which is
                                           // harmless: Length may be shorter than the payload (§6.8.6)
constexpr std::size_t kControlSize = 128;  // TTL, PKTINFO and the overflow counter, with headers
constexpr int kRcvBuf = 4 * 1024 * 1024;

struct alignas(cmsghdr) ControlBuf {
  char bytes[kControlSize];
};

union SockAddr {
  sockaddr sa;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

socklen_t to_sockaddr(std::uint8_t family, const std::array<std::uint8_t, 16>& addr, std::uint16_t port,
                      std::uint32_t ifindex, SockAddr& out) {
  std::memset(&out, 0, sizeof out);
  if (family == 6) {
    out.v6.sin6_family = AF_INET6;
    out.v6.sin6_port = htons(port);
    std::memcpy(&out.v6.sin6_addr, addr.data(), 16);
    if (IN6_IS_ADDR_LINKLOCAL(&out.v6.sin6_addr)) out.v6.sin6_scope_id = ifindex;
    return sizeof out.v6;
  }
  out.v4.sin_family = AF_INET;
  out.v4.sin_port = htons(port);
  std::memcpy(&out.v4.sin_addr, addr.data(), 4);
  return sizeof out.v4;
}

// Puts one ancillary object into h's (zeroed, large enough) control buffer.
template <typename T>
void put_cmsg(msghdr& h, int level, int type, const T& value) {
  h.msg_controllen = CMSG_SPACE(sizeof(T));
  cmsghdr* c = CMSG_FIRSTHDR(&h);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(sizeof(T));
  std::memcpy(CMSG_DATA(c), &value, sizeof value);
}

std::error_code last_error() {
  return {errno, std::generic_category()};
}

bool set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

// A UDP socket bound to the interface, with the options both directions need.
int open_socket(const std::string& ifname, int af, std::error_code& ec) {
  const int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = last_error();
    return -1;
  }
  bool ok =
      setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(), static_cast<socklen_t>(ifname.size())) == 0;
  if (ok && af == AF_INET6) ok = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  if (!ok) {
    ec = last_error();
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::unique_ptr<UdpLink> UdpLink::open(const std::string& ifname, std::uint32_t ifindex, std::uint8_t family,
                                       std::error_code& ec) {
  std::unique_ptr<UdpLink> link(new UdpLink(ifname, ifindex, family));
  const int af = family == 6 ? AF_INET6 : AF_INET;
  const std::array<std::uint8_t, 16> any{};
  SockAddr addr;

  // Receive: the wildcard address on 3784, several interfaces may each have one (SO_REUSEADDR; the
  // device binding keeps them apart and makes them win over an unbound 3784 socket of another daemon).
  link->rx_fd_ = open_socket(ifname, af, ec);
  if (link->rx_fd_ < 0) return nullptr;
  const int rx = link->rx_fd_;
  // A large buffer absorbs bursts while the thread is descheduled; FORCE needs CAP_NET_ADMIN.
  if (!set_int(rx, SOL_SOCKET, SO_RCVBUFFORCE, kRcvBuf)) set_int(rx, SOL_SOCKET, SO_RCVBUF, kRcvBuf);
  const bool rx_ok =
      set_int(rx, SOL_SOCKET, SO_REUSEADDR, 1) &&
      (af == AF_INET ? set_int(rx, IPPROTO_IP, IP_RECVTTL, 1) && set_int(rx, IPPROTO_IP, IP_PKTINFO, 1)
                     : set_int(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) &&
                           set_int(rx, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1));
  if (!rx_ok || bind(rx, &addr.sa, to_sockaddr(family, any, kControlPort, ifindex, addr)) != 0) {
    ec = last_error();
    return nullptr;
  }

  // Transmit: TTL 255 (GTSM) and CS6 like FRR; WireGuard does not copy it outward, but a kernel
  // WireGuard or another tunnel on the path may queue by it.
  link->tx_fd_ = open_socket(ifname, af, ec);
  if (link->tx_fd_ < 0) return nullptr;
  const int tx = link->tx_fd_;
  const bool tx_ok = af == AF_INET
                         ? set_int(tx, IPPROTO_IP, IP_TTL, kGtsmTtl) && set_int(tx, IPPROTO_IP, IP_TOS, 0xc0)
                         : set_int(tx, IPPROTO_IPV6, IPV6_UNICAST_HOPS, kGtsmTtl) &&
                               set_int(tx, IPPROTO_IPV6, IPV6_TCLASS, 0xc0);
  if (!tx_ok) {
    ec = last_error();
    return nullptr;
  }
  // RFC 5881 §4: the source port MUST be in 49152-65535. Ports held by other sockets are skipped.
  for (std::uint32_t port = kSourcePortMin; port <= 65535 && link->source_port_ == 0; ++port) {
    if (bind(tx, &addr.sa, to_sockaddr(family, any, static_cast<std::uint16_t>(port), ifindex, addr)) == 0) {
      link->source_port_ = static_cast<std::uint16_t>(port);
    } else if (errno != EADDRINUSE) {
      ec = last_error();
      return nullptr;
    }
  }
  if (link->source_port_ == 0) {
    ec = std::make_error_code(std::errc::address_in_use);
    return nullptr;
  }
  ec.clear();
  return link;
}

UdpLink::~UdpLink() {
  if (rx_fd_ >= 0) close(rx_fd_);
  if (tx_fd_ >= 0) close(tx_fd_);
}

std::size_t UdpLink::drain(const std::function<void(const Datagram&)>& fn) {
  std::array<std::array<std::uint8_t, kRxBufSize>, kBatch> bufs;
  std::array<SockAddr, kBatch> names;
  std::array<ControlBuf, kBatch> controls;
  std::array<iovec, kBatch> iovs;
  std::array<mmsghdr, kBatch> msgs;
  std::size_t total = 0;

  for (;;) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iovs[i] = {bufs[i].data(), bufs[i].size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_name = &names[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(SockAddr);
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = controls[i].bytes;
      msgs[i].msg_hdr.msg_controllen = sizeof controls[i].bytes;
    }
    const int n = recvmmsg(rx_fd_, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return total;  // EAGAIN: drained (an error shows again at the next wakeup)
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      msghdr& h = msgs[i].msg_hdr;
      Datagram d;
      d.data =
          std::span<const std::uint8_t>(bufs[i].data(), std::min<std::size_t>(msgs[i].msg_len, kRxBufSize));
      d.key.family = family_;
      d.key.ifindex = ifindex_;
      if (family_ == 6) {
        std::memcpy(d.key.peer.data(), &names[i].v6.sin6_addr, 16);
      } else {
        std::memcpy(d.key.peer.data(), &names[i].v4.sin_addr, 4);
      }
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
          std::memcpy(&d.ttl, CMSG_DATA(c), sizeof(int));
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          std::memcpy(&overflow_drops_, CMSG_DATA(c), sizeof overflow_drops_);  // running total
        } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
          in_pktinfo info;
          std::memcpy(&info, CMSG_DATA(c), sizeof info);
          std::memcpy(d.key.local.data(), &info.ipi_addr, 4);  // the header's destination address
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
          in6_pktinfo info;
          std::memcpy(&info, CMSG_DATA(c), sizeof info);
          std::memcpy(d.key.local.data(), &info.ipi6_addr, 16);
        }
      }
      fn(d);
    }
    total += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < kBatch) return total;
  }
}

void UdpLink::queue(const SessionKey& key, const ControlPacket& packet) {
  Outgoing& o = tx_.emplace_back();
  o.len = serialize(packet, o.data);
  o.key = key;
}

std::size_t UdpLink::flush() {
  std::size_t failed = 0;
  std::size_t done = 0;
  while (done < tx_.size()) {
    const std::size_t n = std::min(kBatch, tx_.size() - done);
    std::array<SockAddr, kBatch> names;
    std::array<iovec, kBatch> iovs;
    std::array<ControlBuf, kBatch> controls;
    std::array<mmsghdr, kBatch> msgs;
    for (std::size_t i = 0; i < n; ++i) {
      Outgoing& o = tx_[done + i];
      iovs[i] = {o.data.data(), o.len};
      msgs[i] = {};
      msghdr& h = msgs[i].msg_hdr;
      h.msg_namelen = to_sockaddr(family_, o.key.peer, kControlPort, ifindex_, names[i]);
      h.msg_name = &names[i];
      h.msg_iov = &iovs[i];
      h.msg_iovlen = 1;
      // The source address of this session (the socket is bound to the wildcard).
      h.msg_control = controls[i].bytes;
      std::memset(controls[i].bytes, 0, sizeof controls[i].bytes);
      if (family_ == 6) {
        in6_pktinfo info{};
        std::memcpy(&info.ipi6_addr, o.key.local.data(), 16);
        info.ipi6_ifindex = ifindex_;
        put_cmsg(h, IPPROTO_IPV6, IPV6_PKTINFO, info);
      } else {
        in_pktinfo info{};
        std::memcpy(&info.ipi_spec_dst, o.key.local.data(), 4);
        info.ipi_ifindex = static_cast<int>(ifindex_);
        put_cmsg(h, IPPROTO_IP, IP_PKTINFO, info);
      }
    }
    const int sent = sendmmsg(tx_fd_, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    if (sent <= 0) {
      // The first message failed (ENETUNREACH while the tunnel is down, ENOBUFS, EADDRNOTAVAIL when the
      // local address went away, ...): count it and go on with the rest.
      ++failed;
      ++done;
    } else {
      done += static_cast<std::size_t>(sent);
    }
  }
  tx_.clear();
  return failed;
}

}  // namespace wgfo::bfd::io

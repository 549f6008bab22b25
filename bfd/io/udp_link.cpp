// Socket setup and batched I/O for one BFD link; see udp_link.hpp for the why.
#include "bfd/io/udp_link.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace wgfo::bfd::io {
namespace {

constexpr std::size_t kBatch = 32;
constexpr std::size_t kRxBufSize = 128;  // > kMaxPacketLength; longer datagrams are truncated, which
                                         // is harmless: Length may be shorter than the payload
constexpr int kRcvBuf = 4 * 1024 * 1024;

union SockAddr {
  sockaddr sa;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

socklen_t to_sockaddr(const PeerKey& k, std::uint16_t port, SockAddr& out) {
  std::memset(&out, 0, sizeof out);
  if (k.family == 6) {
    out.v6.sin6_family = AF_INET6;
    out.v6.sin6_port = htons(port);
    std::memcpy(&out.v6.sin6_addr, k.addr.data(), 16);
    if (IN6_IS_ADDR_LINKLOCAL(&out.v6.sin6_addr)) out.v6.sin6_scope_id = k.ifindex;
    return sizeof out.v6;
  }
  out.v4.sin_family = AF_INET;
  out.v4.sin_port = htons(port);
  std::memcpy(&out.v4.sin_addr, k.addr.data(), 4);
  return sizeof out.v4;
}

std::error_code last_error() {
  return {errno, std::generic_category()};
}

bool set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

int open_socket(const std::string& ifname, int family, std::error_code& ec) {
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = last_error();
    return -1;
  }
  bool ok = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                       static_cast<socklen_t>(ifname.size())) == 0 &&
            set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (ok && family == AF_INET6) ok = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  if (!ok) {
    ec = last_error();
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::unique_ptr<UdpLink> UdpLink::open(const std::string& ifname, const PeerKey& local, std::error_code& ec) {
  std::unique_ptr<UdpLink> link(new UdpLink(ifname, local));
  const int family = local.family == 6 ? AF_INET6 : AF_INET;
  SockAddr addr;

  link->rx_fd_ = open_socket(ifname, family, ec);
  if (link->rx_fd_ < 0) return nullptr;
  const int rx = link->rx_fd_;
  // A large receive buffer absorbs bursts while the thread is descheduled; FORCE needs CAP_NET_ADMIN.
  if (!set_int(rx, SOL_SOCKET, SO_RCVBUFFORCE, kRcvBuf)) set_int(rx, SOL_SOCKET, SO_RCVBUF, kRcvBuf);
  const bool ttl_ok = family == AF_INET ? set_int(rx, IPPROTO_IP, IP_RECVTTL, 1)
                                        : set_int(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  if (!ttl_ok || bind(rx, &addr.sa, to_sockaddr(local, kControlPort, addr)) != 0) {
    ec = last_error();
    return nullptr;
  }

  link->tx_fd_ = open_socket(ifname, family, ec);
  if (link->tx_fd_ < 0) return nullptr;
  const int tx = link->tx_fd_;
  const bool opts_ok =
      family == AF_INET ? set_int(tx, IPPROTO_IP, IP_TTL, kGtsmTtl) && set_int(tx, IPPROTO_IP, IP_TOS, 0xc0)
                        : set_int(tx, IPPROTO_IPV6, IPV6_UNICAST_HOPS, kGtsmTtl) &&
                              set_int(tx, IPPROTO_IPV6, IPV6_TCLASS, 0xc0);
  if (!opts_ok) {
    ec = last_error();
    return nullptr;
  }
  // RFC 5881 §4: the source port MUST be in 49152-65535. No SO_REUSEADDR race matters here: bind
  // fails with EADDRINUSE for a port another socket holds on this address, and we move on.
  set_int(tx, SOL_SOCKET, SO_REUSEADDR, 0);
  for (std::uint32_t port = kSourcePortMin; port <= 65535; ++port) {
    if (bind(tx, &addr.sa, to_sockaddr(local, static_cast<std::uint16_t>(port), addr)) == 0) {
      link->source_port_ = static_cast<std::uint16_t>(port);
      break;
    }
    if (errno != EADDRINUSE) {
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
  std::array<std::array<char, CMSG_SPACE(sizeof(int)) * 2>, kBatch> controls;
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
      msgs[i].msg_hdr.msg_control = controls[i].data();
      msgs[i].msg_hdr.msg_controllen = controls[i].size();
    }
    const int n = recvmmsg(rx_fd_, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return total;  // EAGAIN (drained) or an error the next wakeup will see again
    for (int i = 0; i < n; ++i) {
      const msghdr& h = msgs[static_cast<std::size_t>(i)].msg_hdr;
      const SockAddr& from = names[static_cast<std::size_t>(i)];
      Datagram d;
      d.data = std::span<const std::uint8_t>(
          bufs[static_cast<std::size_t>(i)].data(),
          std::min<std::size_t>(msgs[static_cast<std::size_t>(i)].msg_len, kRxBufSize));
      d.source.ifindex = local_.ifindex;
      if (from.sa.sa_family == AF_INET6) {
        d.source.family = 6;
        std::memcpy(d.source.addr.data(), &from.v6.sin6_addr, 16);
      } else {
        d.source.family = 4;
        std::memcpy(d.source.addr.data(), &from.v4.sin_addr, 4);
      }
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
        const bool is_ttl = (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
                            (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT);
        if (is_ttl) std::memcpy(&d.ttl, CMSG_DATA(c), sizeof(int));
      }
      fn(d);
    }
    total += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < kBatch) return total;
  }
}

void UdpLink::queue(const PeerKey& peer, const ControlPacket& packet) {
  tx_buf_.emplace_back();
  tx_len_.push_back(serialize(packet, tx_buf_.back()));
  tx_dst_.push_back(peer);
}

std::size_t UdpLink::flush() {
  std::size_t failed = 0;
  std::size_t done = 0;
  const std::size_t count = tx_len_.size();
  while (done < count) {
    const std::size_t n = std::min(kBatch, count - done);
    std::array<SockAddr, kBatch> names;
    std::array<iovec, kBatch> iovs;
    std::array<mmsghdr, kBatch> msgs;
    for (std::size_t i = 0; i < n; ++i) {
      iovs[i] = {tx_buf_[done + i].data(), tx_len_[done + i]};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_namelen = to_sockaddr(tx_dst_[done + i], kControlPort, names[i]);
      msgs[i].msg_hdr.msg_name = &names[i];
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int sent = sendmmsg(tx_fd_, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    if (sent <= 0) {
      // The first message failed (ENETUNREACH while the tunnel is down, ENOBUFS, ...): count and skip it.
      ++failed;
      ++done;
    } else {
      done += static_cast<std::size_t>(sent);
    }
  }
  tx_buf_.clear();
  tx_len_.clear();
  tx_dst_.clear();
  return failed;
}

}  // namespace wgfo::bfd::io

// Socket plumbing for the probes; see socket_util.hpp.
#include "controller/probe/socket_util.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace wgfo::probe::detail {

SockAddr to_sockaddr(const IpAddress& address, std::uint16_t port, std::uint32_t scope) {
  SockAddr s;
  if (address.is_v6()) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    std::memcpy(&a.sin6_addr, address.bytes().data(), 16);
    if (IN6_IS_ADDR_LINKLOCAL(&a.sin6_addr)) a.sin6_scope_id = scope;
    std::memcpy(&s.storage, &a, sizeof a);
    s.length = sizeof a;
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    std::memcpy(&a.sin_addr, address.bytes().data(), 4);
    std::memcpy(&s.storage, &a, sizeof a);
    s.length = sizeof a;
  }
  return s;
}

bool from_sockaddr(const sockaddr_storage& s, IpAddress& address, std::uint16_t& port) {
  if (s.ss_family == AF_INET6) {
    sockaddr_in6 a;
    std::memcpy(&a, &s, sizeof a);
    std::array<std::uint8_t, 16> b;
    std::memcpy(b.data(), &a.sin6_addr, 16);
    address = IpAddress::v6(b);
    port = ntohs(a.sin6_port);
    return true;
  }
  if (s.ss_family == AF_INET) {
    sockaddr_in a;
    std::memcpy(&a, &s, sizeof a);
    std::array<std::uint8_t, 4> b;
    std::memcpy(b.data(), &a.sin_addr, 4);
    address = IpAddress::v4(b);
    port = ntohs(a.sin_port);
    return true;
  }
  return false;
}

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

int open_socket(IpFamily family, int type, int protocol, const std::string& device, std::string& error) {
  const int af = family == IpFamily::V6 ? AF_INET6 : AF_INET;
  const int fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    error = errno_text("socket");
    return -1;
  }
  const int one = 1;
  if (!device.empty() && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device.c_str(),
                                    static_cast<socklen_t>(device.size())) != 0) {
    error = errno_text("SO_BINDTODEVICE " + device);
    close(fd);
    return -1;
  }
  if (af == AF_INET6 && type == SOCK_DGRAM && protocol == IPPROTO_UDP &&
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
    error = errno_text("IPV6_V6ONLY");
    close(fd);
    return -1;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) {
    error = errno_text("SO_TIMESTAMPNS");
    close(fd);
    return -1;
  }
  return fd;
}

std::uint32_t interface_index(const std::string& device) {
  return device.empty() ? 0 : if_nametoindex(device.c_str());
}

int receive(int fd, std::span<std::uint8_t> buffer, Received& out) {
  sockaddr_storage from{};
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[256];
  msghdr h{};
  h.msg_name = &from;
  h.msg_namelen = sizeof from;
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = control;
  h.msg_controllen = sizeof control;
  const ssize_t n = recvmsg(fd, &h, MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  out = Received{};
  out.length = std::min(static_cast<std::size_t>(n), buffer.size());
  out.truncated = (h.msg_flags & MSG_TRUNC) != 0;
  from_sockaddr(from, out.source, out.source_port);
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      out.kernel_time = std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      std::array<std::uint8_t, 4> b;
      std::memcpy(b.data(), &info.ipi_addr, 4);  // the header's destination address
      out.destination = IpAddress::v4(b);
      out.ifindex = static_cast<std::uint32_t>(info.ipi_ifindex);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      std::array<std::uint8_t, 16> b;
      std::memcpy(b.data(), &info.ipi6_addr, 16);
      out.destination = IpAddress::v6(b);
      out.ifindex = info.ipi6_ifindex;
    }
  }
  return 1;
}

std::chrono::nanoseconds wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
}

}  // namespace wgfo::probe::detail

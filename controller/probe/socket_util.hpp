#pragma once
// Socket plumbing shared by the probe sender, the ICMP prober and the responder: opening a socket on
// a tunnel interface, address conversion, and one recvmsg that also returns the kernel's receive
// timestamp (SO_TIMESTAMPNS) and the packet's destination (IP_PKTINFO / IPV6_PKTINFO).
//
// Kernel receive timestamps matter here: they take the time a datagram waited in the socket queue
// (while the io_context thread did other work) out of the RTT on the sender, and put it into the hold
// time on the responder, where it is subtracted. Internal to wgfo_probe.

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "controller/ip.hpp"

namespace wgfo::probe::detail {

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length{0};
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// `scope` is the interface index for IPv6 link-local addresses (ignored otherwise).
SockAddr to_sockaddr(const IpAddress& address, std::uint16_t port, std::uint32_t scope);
// False when the family is neither AF_INET nor AF_INET6.
bool from_sockaddr(const sockaddr_storage& s, IpAddress& address, std::uint16_t& port);

// "what: strerror(errno)".
std::string errno_text(const std::string& what);

// socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol), bound to `device` when it is not empty,
// with SO_TIMESTAMPNS (and IPV6_V6ONLY for IPv6 UDP). Returns -1 with `error` set on failure.
int open_socket(IpFamily family, int type, int protocol, const std::string& device, std::string& error);

// Interface index of `device` (0 when empty or unknown).
std::uint32_t interface_index(const std::string& device);

struct Received {
  std::size_t length{0};
  bool truncated{false};
  IpAddress source;
  std::uint16_t source_port{0};
  std::optional<IpAddress> destination;                 // with IP_PKTINFO / IPV6_RECVPKTINFO enabled
  std::uint32_t ifindex{0};                             // likewise
  std::optional<std::chrono::nanoseconds> kernel_time;  // wall clock, SO_TIMESTAMPNS
};

// One non-blocking recvmsg into `buffer`. Returns 1 for a datagram, 0 when nothing is queued, -1 for
// an error (errno kept; a pending ICMP error on a connected UDP socket shows up this way).
int receive(int fd, std::span<std::uint8_t> buffer, Received& out);

// The wall clock (CLOCK_REALTIME), the clock of kernel receive timestamps.
std::chrono::nanoseconds wall_now();

}  // namespace wgfo::probe::detail

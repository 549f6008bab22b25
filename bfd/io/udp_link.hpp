#pragma once
// The sockets of one tunnel interface and address family: the only place BFD touches the network.
//
// RFC 5881 single hop: control packets go to UDP 3784 with TTL/Hop Limit 255 from a source port in
// 49152-65535 (§4, §5). Both sockets are bound to the interface (SO_BINDTODEVICE), so a packet that
// arrives on another interface never reaches a session of this one. The receive side reads the TTL
// (IP_RECVTTL / IPV6_RECVHOPLIMIT) and the destination address (IP_PKTINFO / IPV6_RECVPKTINFO) from
// ancillary data via recvmsg: GTSM drops are counted instead of vanishing in the kernel (IP_MINTTL
// would hide them), and the destination is part of the session key. The transmit side picks the
// source address per packet (IP_PKTINFO / IPV6_PKTINFO), so all sessions of an interface share one
// socket and one source port, whatever their local addresses (FRR opens a socket per session, which
// caps it near the fd limit; BIRD one per local address). The peer's source port is not checked:
// BIRD sends from the kernel's ephemeral range (bfd.md §1.5). Reads and writes are batched with
// recvmmsg/sendmmsg.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "bfd/packet.hpp"
#include "bfd/session_table.hpp"

namespace wgfo::bfd::io {

inline constexpr std::uint16_t kControlPort = 3784;  // RFC 5881 §4
inline constexpr std::uint16_t kSourcePortMin = 49152;
inline constexpr int kGtsmTtl = 255;

struct Datagram {
  std::span<const std::uint8_t> data;
  SessionKey key;  // peer = source address, local = destination address, the link's ifindex
  int ttl{-1};     // -1 when the kernel gave no TTL
};

class UdpLink {
 public:
  // Opens and binds both sockets on `ifname` (index `ifindex`) for family 4 or 6.
  static std::unique_ptr<UdpLink> open(const std::string& ifname, std::uint32_t ifindex, std::uint8_t family,
                                       std::error_code& ec);
  ~UdpLink();
  UdpLink(const UdpLink&) = delete;
  UdpLink& operator=(const UdpLink&) = delete;

  int rx_fd() const { return rx_fd_; }
  const std::string& ifname() const { return ifname_; }
  std::uint32_t ifindex() const { return ifindex_; }
  std::uint8_t family() const { return family_; }
  std::uint16_t source_port() const { return source_port_; }

  // Reads every queued datagram (non-blocking) and calls fn for each; returns how many were read.
  std::size_t drain(const std::function<void(const Datagram&)>& fn);

  // Queues a packet from key.local to key.peer:3784; flush() sends the queue with sendmmsg.
  void queue(const SessionKey& key, const ControlPacket& packet);
  // Sends the queue; returns the number of packets the kernel refused (counted as TX errors).
  std::size_t flush();
  std::size_t queued() const { return tx_.size(); }
  // Datagrams the kernel dropped because the receive buffer was full, since the link was opened.
  std::uint32_t overflow_drops() const { return overflow_drops_; }

 private:
  UdpLink(std::string ifname, std::uint32_t ifindex, std::uint8_t family)
      : ifname_(std::move(ifname)), ifindex_(ifindex), family_(family) {}

  struct Outgoing {
    std::array<std::uint8_t, kMaxPacketLength> data;
    std::size_t len;
    SessionKey key;
  };

  std::string ifname_;
  std::uint32_t ifindex_;
  std::uint8_t family_;
  int rx_fd_{-1};
  int tx_fd_{-1};
  std::uint16_t source_port_{0};
  std::uint32_t overflow_drops_{0};
  std::vector<Outgoing> tx_;
};

}  // namespace wgfo::bfd::io

#pragma once
// The sockets of one (tunnel interface, local address): the only place BFD touches the network.
//
// RFC 5881 single hop: control packets go to UDP 3784 with TTL/Hop Limit 255 from a source port in
// 49152-65535 (§4, §5). Both sockets are bound to the interface (SO_BINDTODEVICE) and the local
// address, so a packet that arrives on another interface, or for another address, never reaches the
// session. The received TTL is read from IP_RECVTTL / IPV6_RECVHOPLIMIT ancillary data via recvmsg,
// so GTSM drops can be counted instead of vanishing in the kernel (IP_MINTTL would hide them). The
// peer's source port is not checked: BIRD sends from the kernel's ephemeral range (bfd.md §1.5).
// One TX socket per link rather than per session (FRR's fd-per-session limits it to ~1000 sessions).
// Reads and writes are batched with recvmmsg/sendmmsg.

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
  PeerKey source;  // address and the link's ifindex
  int ttl{-1};     // -1 when the kernel gave no TTL
};

class UdpLink {
 public:
  // Opens and binds both sockets. `local.ifindex` must be the interface's current index.
  static std::unique_ptr<UdpLink> open(const std::string& ifname, const PeerKey& local, std::error_code& ec);
  ~UdpLink();
  UdpLink(const UdpLink&) = delete;
  UdpLink& operator=(const UdpLink&) = delete;

  int rx_fd() const { return rx_fd_; }
  const std::string& ifname() const { return ifname_; }
  const PeerKey& local() const { return local_; }
  std::uint16_t source_port() const { return source_port_; }

  // Reads every queued datagram (non-blocking) and calls fn for each; returns how many were read.
  std::size_t drain(const std::function<void(const Datagram&)>& fn);

  // Queues a packet to `peer`:3784; flush() sends the queue with sendmmsg.
  void queue(const PeerKey& peer, const ControlPacket& packet);
  // Returns the number of packets the kernel refused (counted as TX errors by the caller).
  std::size_t flush();
  std::size_t queued() const { return tx_len_.size(); }

 private:
  UdpLink(std::string ifname, const PeerKey& local) : ifname_(std::move(ifname)), local_(local) {}

  std::string ifname_;
  PeerKey local_;
  int rx_fd_{-1};
  int tx_fd_{-1};
  std::uint16_t source_port_{0};

  std::vector<std::array<std::uint8_t, kMaxPacketLength>> tx_buf_;
  std::vector<std::size_t> tx_len_;
  std::vector<PeerKey> tx_dst_;
};

}  // namespace wgfo::bfd::io

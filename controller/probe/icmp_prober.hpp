#pragma once
// IcmpProber: the fallback for peers that do not run wg-failover. ICMP Echo (IPv4 or IPv6, after the
// peer address) to the peer's tunnel address, with the same window and QualitySource interface as the
// UDP sender. RTT includes the peer's ICMP handling (no hold time), which for a kernel is negligible.
//
// Sockets (Mode::Auto tries them in this order):
//  - Raw (SOCK_RAW, needs CAP_NET_RAW; the daemon runs as root). We choose the Identifier (random per
//    start). A raw socket receives every Echo Reply of the host, so ICMP_FILTER / ICMP6_FILTER pass
//    only Echo Replies into it and the pure client keeps only those with our Identifier, magic and
//    session id. IPv4 raw sockets deliver the IP header; the client strips and checks it.
//  - Datagram ("ping socket", SOCK_DGRAM + IPPROTO_ICMP/ICMPV6, allowed when the process's group is in
//    net.ipv4.ping_group_range). The kernel picks the Identifier (read back with getsockname) and
//    delivers only replies with it.
// Either socket is bound to the tunnel interface and, when given, our tunnel address; replies from any
// other source address are dropped (counted as foreign).

#include <cstdint>
#include <string>

#include "bfd/io/asio.hpp"
#include "controller/probe/probe_loop.hpp"

namespace wgfo::probe {

struct IcmpConfig : ProberConfig {
  enum class Mode : std::uint8_t { Auto, Raw, Datagram };
  Mode mode{Mode::Auto};
};

class IcmpProber final : public ProbeLoop {
 public:
  IcmpProber(asio::io_context& io, IcmpConfig config) : ProbeLoop(io), config_(std::move(config)) {}

  // Opens the socket (see above) and sends the first probe at once. False with `error` set when no
  // socket could be opened (Auto: both errors) or the config is invalid.
  bool start(std::string& error);

  std::string kind() const override { return "icmp"; }
  // The socket in use after start(): Raw or Datagram.
  IcmpConfig::Mode mode() const { return mode_; }
  std::uint16_t identifier() const { return identifier_; }

 private:
  int open(IcmpConfig::Mode mode, std::string& error);

  IcmpConfig config_;
  IcmpConfig::Mode mode_{IcmpConfig::Mode::Auto};
  std::uint16_t identifier_{0};
};

}  // namespace wgfo::probe

#pragma once
// Kernel FIB read-back over rtnetlink. After each commit the programmer asks "what did zebra actually
// install?" (DESIGN.md: read back, count and repair drift); the kernel's answer is independent of FRR's
// own view, so a route FRR believes installed but the kernel lacks (or an orphan left behind by a
// crashed staticd, see the gRPC notes) shows up here.
//
// Two layers so the hard part is testable without a kernel: parse_route_messages() is a pure,
// bounds-checked decoder of an RTM_GETROUTE dump (every length is checked before it is read; bad input
// is an error string, never an overread), and read_fib() is the thin socket part around it.

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "controller/ip.hpp"

namespace wgfo::frr {

// Kernel values (linux/rtnetlink.h), named here so callers need no kernel headers.
inline constexpr std::uint32_t kMainTable = 254;          // RT_TABLE_MAIN
inline constexpr std::uint32_t kLocalTable = 255;         // RT_TABLE_LOCAL
inline constexpr std::uint8_t kRouteTypeUnicast = 1;      // RTN_UNICAST
inline constexpr std::uint8_t kRouteTypeLocal = 2;        // RTN_LOCAL
inline constexpr std::uint8_t kRouteTypeBlackhole = 6;    // RTN_BLACKHOLE
inline constexpr std::uint8_t kRouteTypeUnreachable = 7;  // RTN_UNREACHABLE
inline constexpr std::uint8_t kRouteTypeProhibit = 8;     // RTN_PROHIBIT
inline constexpr std::uint8_t kProtocolKernel = 2;        // RTPROT_KERNEL
inline constexpr std::uint8_t kProtocolBoot = 3;    // RTPROT_BOOT (iproute2's default for `ip route add`)
inline constexpr std::uint8_t kProtocolStatic = 4;  // RTPROT_STATIC (NOT what FRR uses, see below)

// What FRR 8.4 zebra stamps on the routes it installs for staticd, so a read-back can tell FRR's static
// routes from everything else in the table. Observed on Debian 12's frr 8.4.4 in a lab site (zebra +
// staticd, frr.conf with `ip route 10.99.0.0/16 blackhole tag 4242 10`, `... 198.51.100.2 tag 4243 20`,
// `... vx 1`, `... 198.51.100.2 vx 150`, a two-gateway ECMP route and IPv6 routes at distances 1..10;
// then `ip -N -d route`, `ip -N -6 route` and a raw RTM_GETROUTE dump parsed by this code):
//  - rtm_protocol is 196 (RTPROT_ZSTATIC) for IPv4 and IPv6. `ip route` prints it as "proto static" only
//    because FRR ships /etc/iproute2/rt_protos.d/frr.conf naming 196 "static"; RTPROT_STATIC (4) is
//    never used.
//  - RTA_PRIORITY is 20 for every route whatever its distance (1, 10, 20, 150 alike): zebra keeps the
//    administrative distance to itself and installs with one fixed kernel metric.
//  - zebra installs through nexthop objects (nhid, proto 11); the kernel still expands them into
//    RTA_OIF/RTA_GATEWAY, or RTA_MULTIPATH for ECMP, in dumps, so no nexthop-object lookup is needed.
inline constexpr std::uint8_t kZebraStaticProtocol = 196;  // RTPROT_ZSTATIC
inline constexpr std::uint32_t kZebraRouteMetric = 20;

struct FibNexthop {
  int ifindex{0};                    // 0: none given (e.g. a blackhole has no nexthop at all)
  std::optional<IpAddress> gateway;  // RTA_GATEWAY, or RTA_VIA (an IPv6 nexthop of an IPv4 route)

  friend auto operator<=>(const FibNexthop&, const FibNexthop&) = default;
};

struct FibRoute {
  IpPrefix prefix;  // masked; the family's default route when the kernel sends no RTA_DST
  std::uint32_t table{kMainTable};
  std::uint8_t protocol{0};              // rtm_protocol
  std::uint8_t type{kRouteTypeUnicast};  // rtm_type
  std::uint32_t metric{0};               // RTA_PRIORITY
  std::vector<FibNexthop> nexthops;      // sorted; IPv4 blackholes have none, IPv6 ones carry dev lo

  bool blackhole() const { return type == kRouteTypeBlackhole; }

  friend auto operator<=>(const FibRoute&, const FibRoute&) = default;
};

// Decodes a buffer of netlink messages as the kernel sends them for an RTM_GETROUTE dump: RTM_NEWROUTE
// messages, optionally ended by NLMSG_DONE (anything after it is ignored). Reads RTA_DST, RTA_TABLE
// (overrides rtm_table), RTA_PRIORITY, RTA_OIF, RTA_GATEWAY, RTA_VIA (IPv4/IPv6 only) and RTA_MULTIPATH
// (each rtnexthop with its own ifindex and RTA_GATEWAY/RTA_VIA). Routes of other families (multicast
// routing tables, MPLS) and other message types (NLMSG_NOOP) are skipped. NLMSG_ERROR with a non-zero
// code, a negative NLMSG_DONE code, and any malformed length give an error string naming the message
// and the problem.
std::variant<std::vector<FibRoute>, std::string> parse_route_messages(std::span<const std::uint8_t> bytes);

// Dumps one routing table (default main) of both families, AF_INET then AF_INET6, in the calling
// thread's network namespace. An interrupted dump (the table changed meanwhile, NLM_F_DUMP_INTR) is
// retried a few times. Blocking; a dump of a few thousand routes takes milliseconds.
std::variant<std::vector<FibRoute>, std::string> read_fib(std::uint32_t table = kMainTable);

// if_nametoindex / if_indextoname in value form; nullopt when there is no such interface.
std::optional<int> interface_index(const std::string& name);
std::optional<std::string> interface_name(int ifindex);
// The ifindex of an interface that is up and running (has carrier): zebra uses an interface nexthop
// only then. nullopt for an interface that is absent or down.
std::optional<int> interface_index_if_up(std::string_view name);

}  // namespace wgfo::frr

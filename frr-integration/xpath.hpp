#pragma once
// Pure builders of the XPaths and values wg-failover writes into FRR's northbound, one place for every
// string FRR parses, so that each is pinned by a golden test (tests/frr-integration/xpath_test.cpp).
//
// staticd (frr-grpc.md §2), by StaticdSchema:
//   Frr8_4   P/route-list[prefix][afi-safi]/path-list[table-id='0'][distance]/tag
//                                          /path-list[...]/frr-nexthops/nexthop[nh-type][vrf][gateway][interface]
//   Frr10_3  as 8.4 with [src-prefix='::/0'] after [prefix], for IPv4 as well: frr-staticd.yang (10.3) keys
//            route-list on "prefix src-prefix afi-safi" and its must-clause requires src-prefix = '::/0' for
//            every non-IPv6 afi-safi; static_vty.c (10.3) starts buf_src_prefix as "::/0" for IPv6 too.
//   Frr10_7  P/route-list[prefix][src-prefix='::/0'][afi-safi]/path-list[table-id][nh-type][vrf][gateway]
//            [interface] with distance, metric and tag as plain leaves and no frr-nexthops level
//            (FRRouting/frr PR #21296 "staticd: nexthop identity as path-list key, and per-route metric",
//            merged for 10.7, yang/frr-staticd.yang; the path form is the one FRR's own gRPC topotest
//            test_grpc_commit_static_route writes).
// Keys follow the CLI (staticd/static_vty.c): gateway '' when there is none, interface '(null)' when there
// is none (glibc's "%s" of NULL; vtysh cannot delete a route written with ''), nexthop vrf = its own.
//
// bgpd (frr-grpc.md §3.3): prefix-list entries, route-map entries with one match and the three set-actions.
//
// Values inside predicates are quoted with ' (or " when the value holds a '); validate() refuses wanted
// values that hold a quote, so builders never see one from our own state.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "frr-integration/frr_state.hpp"
#include "frr-integration/northbound.hpp"
#include "frr-integration/schema.hpp"

namespace wgfo::frr {

// ---- names ---------------------------------------------------------------------------------------
inline constexpr std::string_view kInterfaceNone = "(null)";
inline constexpr std::string_view kMatchTag = "frr-route-map:match-tag";
inline constexpr std::string_view kMatchIpv4PrefixList = "frr-route-map:ipv4-prefix-list";
inline constexpr std::string_view kMatchIpv6PrefixList = "frr-route-map:ipv6-prefix-list";
inline constexpr std::string_view kSetCommunity = "frr-bgp-route-map:set-community";
inline constexpr std::string_view kSetLocalPreference = "frr-bgp-route-map:set-local-preference";
inline constexpr std::string_view kAsPathPrepend = "frr-bgp-route-map:as-path-prepend";

// 'value', or "value" when value holds a single quote. (A value holding both cannot be addressed.)
std::string xpath_quote(std::string_view value);

std::string_view afi_safi(IpFamily family);   // "frr-routing:ipv4-unicast" / "frr-routing:ipv6-unicast"
std::string_view nh_type(const Nexthop& nh);  // ifindex, ip4, ip4-ifindex, ip6, ip6-ifindex, blackhole

// ---- staticd -------------------------------------------------------------------------------------
// P: /frr-routing:routing/control-plane-protocols/control-plane-protocol[...][vrf]/frr-staticd:staticd
std::string staticd_root(std::string_view vrf);
// The route-list of route.vrf and route.prefix (distance, tag and nexthops are not used).
std::string route_list_xpath(StaticdSchema schema, const StaticRoute& route);
// 8.4 / 10.3: the path-list of route.distance. Frr10_7 has no per-distance node: "" (callers use the
// per-nexthop paths below).
std::string path_list_xpath(StaticdSchema schema, const StaticRoute& route);
// 8.4 / 10.3: .../path-list[..]/frr-nexthops/nexthop[..]; 10.7: the flattened path-list entry.
std::string nexthop_xpath(StaticdSchema schema, const StaticRoute& route, const Nexthop& nh);
// The tag leaf: per path-list in 8.4 / 10.3 (nh unused), per nexthop entry in 10.7.
std::string tag_xpath(StaticdSchema schema, const StaticRoute& route, const Nexthop& nh);
// 10.7 only: the distance leaf of a nexthop entry.
std::string distance_xpath(const StaticRoute& route, const Nexthop& nh);
// The updates that create one nexthop of `route` (with its tag, and distance in 10.7). A blackhole is
// written through its bh-type leaf ("null", i.e. Null0), which creates the nexthop too.
std::vector<PathValue> nexthop_updates(StaticdSchema schema, const StaticRoute& route, const Nexthop& nh);
// Everything that creates `route`: the tag, then every nexthop.
std::vector<PathValue> static_route_updates(StaticdSchema schema, const StaticRoute& route);

// ---- bgpd: prefix-lists --------------------------------------------------------------------------
std::string prefix_list_xpath(IpFamily family, std::string_view name);
std::string prefix_list_entry_xpath(IpFamily family, std::string_view name, std::uint32_t sequence);
// Entries are numbered 5, 10, 15, ... in the order given (as the CLI numbers them).
std::uint32_t prefix_list_sequence(std::size_t index);
// Every leaf of `list`: per entry action = permit and ipv4-prefix / ipv6-prefix; a list with no
// prefixes is written as the bare list node (it then denies everything, as FRR's empty lists do).
std::vector<PathValue> prefix_list_updates(const PrefixList& list);

// ---- bgpd: route-maps ----------------------------------------------------------------------------
std::string route_map_xpath(std::string_view map);
std::string route_map_entry_xpath(std::string_view map, std::uint32_t sequence);
std::string match_condition_xpath(std::string_view map, std::uint32_t sequence, std::string_view condition);
std::string set_action_xpath(std::string_view map, std::uint32_t sequence, std::string_view action);
// "65000:200 additive": we add our community to the route's, never replace the operator's ones.
std::string community_value(std::string_view community);
std::string as_path_value(const std::vector<std::uint32_t>& asns);  // "65001 65001"
// Every leaf of `entry`: action = permit, its match condition, its set-actions.
std::vector<PathValue> route_map_entry_updates(const RouteMapEntry& entry);

}  // namespace wgfo::frr

#pragma once
// What the daemon wants FRR to hold, and what it finds FRR holding, as plain values. Everything the
// daemon writes into FRR is one of these, and is owned: static routes by their tag, route-map entries
// by map name and sequence range, prefix-lists by name prefix. The programmer diffs two FrrState
// values and sends the difference; nothing outside its ownership is ever touched.
//
//   staticd  StaticRoute  = one path-list: a prefix at one distance, its nexthops (several = ECMP)
//   bgpd     RouteMapEntry = one entry of an owned route-map: match a tag or a prefix-list; set
//                            community (additive), local-preference, as-path prepend
//            PrefixList   = an owned prefix-list (name starts with the owned prefix), permit entries

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controller/ip.hpp"

namespace wgfo::frr {

// staticd nexthop. Exactly one form: interface only, gateway only, gateway + interface, blackhole.
struct Nexthop {
  enum class Kind : std::uint8_t { Interface, Gateway, GatewayInterface, Blackhole };
  Kind kind{Kind::Interface};
  std::string interface;             // Interface, GatewayInterface
  std::optional<IpAddress> gateway;  // Gateway, GatewayInterface
  std::string vrf{"default"};        // nexthop VRF

  static Nexthop via_interface(std::string ifname) { return {Kind::Interface, std::move(ifname), {}}; }
  static Nexthop via_gateway(IpAddress gw) { return {Kind::Gateway, {}, gw}; }
  static Nexthop via(IpAddress gw, std::string ifname) {
    return {Kind::GatewayInterface, std::move(ifname), gw};
  }
  static Nexthop blackhole() { return {Kind::Blackhole, {}, {}}; }

  friend auto operator<=>(const Nexthop&, const Nexthop&) = default;
};

// One staticd path-list (frr-staticd: route-list[prefix][afi-safi]/path-list[table-id][distance]).
struct StaticRoute {
  IpPrefix prefix;                // masked
  std::uint8_t distance{1};       // 1..254
  std::uint32_t tag{0};           // ownership: the daemon's tags only
  std::vector<Nexthop> nexthops;  // sorted, unique, non-empty; blackhole never mixed with others
  std::string vrf{"default"};

  friend auto operator<=>(const StaticRoute&, const StaticRoute&) = default;
};

// An owned prefix-list: permit entries, sequence 5, 10, 15, ... in the order given.
struct PrefixList {
  std::string name;
  IpFamily family{IpFamily::V4};
  std::vector<IpPrefix> prefixes;

  friend auto operator<=>(const PrefixList&, const PrefixList&) = default;
};

// An owned entry of a route-map the operator attaches (permit; the operator's catch-all comes last).
struct RouteMapEntry {
  std::string map;
  std::uint32_t sequence{0};
  // match (exactly one)
  std::optional<std::uint32_t> match_tag;
  std::optional<std::string> match_prefix_list;  // an owned prefix-list of the same family
  IpFamily family{IpFamily::V4};                 // for match_prefix_list: ipv4- or ipv6-prefix-list
  // set
  std::optional<std::string> community;  // "65000:200" or a well-known name; written additive
  std::optional<std::uint32_t> local_preference;
  std::vector<std::uint32_t> as_path_prepend;  // ASNs, in order

  friend auto operator<=>(const RouteMapEntry&, const RouteMapEntry&) = default;
};

struct FrrState {
  std::vector<StaticRoute> routes;               // staticd
  std::vector<PrefixList> prefix_lists;          // bgpd
  std::vector<RouteMapEntry> route_map_entries;  // bgpd

  friend bool operator==(const FrrState&, const FrrState&) = default;
};

// What the daemon owns in FRR, from its configuration.
struct Ownership {
  std::vector<std::uint32_t> route_tags{4242};  // static routes carrying one of these tags
  std::vector<std::string> route_maps;          // route-maps whose owned-range entries are ours
  std::uint32_t min_sequence{1};                // owned sequence range in those maps
  std::uint32_t max_sequence{65000};
  std::string prefix_list_prefix{"WGFO-"};  // prefix-lists whose name starts with this
};

}  // namespace wgfo::frr

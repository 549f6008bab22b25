// Validation of a wanted FrrState (see validate.hpp). Checks run independently and each appends its
// own line, so one pass reports everything that is wrong rather than the first problem only.

#include "frr-integration/validate.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>

namespace wgfo::frr {
namespace {

bool has_quote(std::string_view s) {
  return s.find_first_of("'\"") != std::string_view::npos;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A 16-bit decimal (0..65535) with no sign, no leading '+', no spaces.
bool is_u16(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size() && v <= 65535;
}

bool valid_prefix_list_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

std::string route_label(const StaticRoute& r) {
  std::string s = "route " + r.prefix.to_string() + " distance " + std::to_string(r.distance);
  if (r.vrf != "default") s += " vrf " + r.vrf;
  return s;
}

void check_route(const StaticRoute& r, const ValidationContext& ctx, std::vector<std::string>& out) {
  const std::string label = route_label(r);
  if (!r.prefix.is_masked()) {
    out.push_back(label + ": prefix has host bits set (did you mean " + r.prefix.masked().to_string() + "?)");
  }
  if (r.distance < 1 || r.distance > 254) out.push_back(label + ": distance must be 1..254");
  if (has_quote(r.vrf) || !contains(ctx.vrfs, r.vrf)) {
    out.push_back(label + ": VRF \"" + r.vrf + "\" is not known to staticd");
  }
  if (std::find(ctx.ownership.route_tags.begin(), ctx.ownership.route_tags.end(), r.tag) ==
      ctx.ownership.route_tags.end()) {
    out.push_back(label + ": tag " + std::to_string(r.tag) + " is not one of our route tags");
  }
  if (r.nexthops.empty()) {
    out.push_back(label + ": no nexthops");
    return;
  }
  std::set<Nexthop> seen;
  bool blackhole = false;
  bool other = false;
  for (const Nexthop& nh : r.nexthops) {
    if (!seen.insert(nh).second) out.push_back(label + ": duplicate nexthop");
    if (has_quote(nh.vrf) || !contains(ctx.vrfs, nh.vrf)) {
      out.push_back(label + ": nexthop VRF \"" + nh.vrf + "\" is not known to staticd");
    }
    const bool needs_gateway =
        nh.kind == Nexthop::Kind::Gateway || nh.kind == Nexthop::Kind::GatewayInterface;
    const bool needs_interface =
        nh.kind == Nexthop::Kind::Interface || nh.kind == Nexthop::Kind::GatewayInterface;
    if (nh.kind == Nexthop::Kind::Blackhole) {
      blackhole = true;
    } else {
      other = true;
    }
    if (needs_gateway) {
      if (!nh.gateway) {
        out.push_back(label + ": nexthop has no gateway");
      } else if (nh.gateway->family() != r.prefix.family()) {
        out.push_back(label + ": gateway " + nh.gateway->to_string() +
                      " is not of the prefix's address family");
      } else if (nh.gateway->is_unspecified() || nh.gateway->is_multicast()) {
        out.push_back(label + ": gateway " + nh.gateway->to_string() + " is not a unicast address");
      }
    } else if (nh.gateway) {
      out.push_back(label + ": this kind of nexthop takes no gateway");
    }
    if (needs_interface) {
      if (!valid_interface_name(nh.interface)) {
        out.push_back(
            label + ": interface name \"" + nh.interface +
            "\" is invalid (1..15 characters, no '/', quotes or spaces, not Null0/reject/blackhole)");
      } else if (ctx.interface_exists && !ctx.interface_exists(nh.interface)) {
        out.push_back(label + ": interface " + nh.interface + " does not exist");
      }
    } else if (!nh.interface.empty()) {
      out.push_back(label + ": this kind of nexthop takes no interface");
    }
  }
  if (blackhole && other) out.push_back(label + ": a blackhole cannot be mixed with other nexthops");
}

void check_prefix_list(const PrefixList& pl, const ValidationContext& ctx, std::vector<std::string>& out) {
  const std::string label = "prefix-list " + pl.name;
  const std::string& owned = ctx.ownership.prefix_list_prefix;
  if (!valid_prefix_list_name(pl.name)) {
    out.push_back(label + ": name must be 1..63 characters of A-Z a-z 0-9 _ . -");
  }
  if (owned.empty() || pl.name.compare(0, owned.size(), owned) != 0) {
    out.push_back(label + ": name does not start with our prefix \"" + owned + "\"");
  }
  std::set<IpPrefix> seen;
  for (const IpPrefix& p : pl.prefixes) {
    if (p.family() != pl.family) out.push_back(label + ": " + p.to_string() + " is not of the list's family");
    if (!p.is_masked()) {
      out.push_back(label + ": " + p.to_string() + " has host bits set (did you mean " +
                    p.masked().to_string() + "?)");
    }
    if (!seen.insert(p).second) out.push_back(label + ": " + p.to_string() + " is listed twice");
  }
}

void check_route_map_entry(const RouteMapEntry& e, const FrrState& want, const ValidationContext& ctx,
                           std::vector<std::string>& out) {
  const std::string label = "route-map " + e.map + " entry " + std::to_string(e.sequence);
  const Ownership& own = ctx.ownership;
  if (has_quote(e.map) || e.map.empty()) out.push_back(label + ": invalid route-map name");
  if (!contains(own.route_maps, e.map)) out.push_back(label + ": route-map is not one of ours");
  if (e.sequence < own.min_sequence || e.sequence > own.max_sequence || e.sequence == 0) {
    out.push_back(label + ": sequence is outside our range " + std::to_string(own.min_sequence) + ".." +
                  std::to_string(own.max_sequence));
  }
  if (e.match_tag.has_value() == e.match_prefix_list.has_value()) {
    out.push_back(label + ": needs exactly one match (a tag or a prefix-list)");
  }
  if (e.match_prefix_list) {
    const auto& name = *e.match_prefix_list;
    const bool listed =
        std::any_of(want.prefix_lists.begin(), want.prefix_lists.end(),
                    [&](const PrefixList& p) { return p.name == name && p.family == e.family; });
    const std::string& owned = own.prefix_list_prefix;
    if (owned.empty() || name.compare(0, owned.size(), owned) != 0 || !listed) {
      out.push_back(label + ": prefix-list " + name + " is not one of our " +
                    (e.family == IpFamily::V4 ? "IPv4" : "IPv6") + " prefix-lists");
    }
  }
  if (e.community && !valid_community(*e.community)) {
    out.push_back(label + ": community \"" + *e.community + "\" is not valid");
  }
  if (e.as_path_prepend.size() > 10) out.push_back(label + ": as-path prepend takes at most 10 ASNs");
  if (std::find(e.as_path_prepend.begin(), e.as_path_prepend.end(), 0U) != e.as_path_prepend.end()) {
    out.push_back(label + ": as-path prepend ASNs must be 1..4294967295");
  }
  // local_preference is a uint32, so 0..4294967295 holds by construction.
}

}  // namespace

bool valid_interface_name(std::string_view name) {
  if (name.empty() || name.size() > 15) return false;
  if (name == "Null0" || name == "reject" || name == "blackhole") return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == '\'' || c == '"' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
           static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

bool valid_community(std::string_view community) {
  static constexpr std::string_view kWellKnown[] = {"internet",  "local-AS",  "no-advertise",
                                                    "no-export", "blackhole", "graceful-shutdown"};
  if (community.empty()) return false;
  std::size_t start = 0;
  while (start <= community.size()) {
    std::size_t space = community.find(' ', start);
    if (space == std::string_view::npos) space = community.size();
    const std::string_view token = community.substr(start, space - start);
    if (token.empty()) return false;  // leading, trailing or double space
    if (std::find(std::begin(kWellKnown), std::end(kWellKnown), token) == std::end(kWellKnown)) {
      const std::size_t colon = token.find(':');
      if (colon == std::string_view::npos || !is_u16(token.substr(0, colon)) ||
          !is_u16(token.substr(colon + 1))) {
        return false;
      }
    }
    start = space + 1;
  }
  return true;
}

std::vector<std::string> validate(const FrrState& want, const ValidationContext& ctx) {
  std::vector<std::string> out;
  std::set<std::tuple<std::string, IpPrefix, std::uint8_t>> route_keys;
  for (const StaticRoute& r : want.routes) {
    check_route(r, ctx, out);
    if (!route_keys.insert({r.vrf, r.prefix, r.distance}).second) {
      out.push_back(route_label(r) + ": listed twice (one path-list per VRF, prefix and distance)");
    }
  }
  std::set<std::pair<IpFamily, std::string>> list_keys;
  for (const PrefixList& pl : want.prefix_lists) {
    check_prefix_list(pl, ctx, out);
    if (!list_keys.insert({pl.family, pl.name}).second)
      out.push_back("prefix-list " + pl.name + ": listed twice");
  }
  std::set<std::pair<std::string, std::uint32_t>> entry_keys;
  for (const RouteMapEntry& e : want.route_map_entries) {
    check_route_map_entry(e, want, ctx, out);
    if (!entry_keys.insert({e.map, e.sequence}).second) {
      out.push_back("route-map " + e.map + " entry " + std::to_string(e.sequence) + ": listed twice");
    }
  }
  return out;
}

}  // namespace wgfo::frr

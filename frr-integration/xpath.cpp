// XPath and value builders (see xpath.hpp for the layouts and where they come from). Plain string
// assembly; every function is total so that callers need no error paths.

#include "frr-integration/xpath.hpp"

namespace wgfo::frr {
namespace {

constexpr std::string_view kTableId = "[table-id='0']";

// The key predicates shared by a nexthop (8.4 / 10.3) and a flattened path-list entry (10.7).
std::string nexthop_keys(const Nexthop& nh) {
  std::string gateway = nh.gateway && nh.kind != Nexthop::Kind::Blackhole ? nh.gateway->to_string() : "";
  std::string interface =
      nh.kind == Nexthop::Kind::Interface || nh.kind == Nexthop::Kind::GatewayInterface ? nh.interface : std::string(kInterfaceNone);
  return "[nh-type='" + std::string(nh_type(nh)) + "'][vrf=" + xpath_quote(nh.vrf) +
         "][gateway=" + xpath_quote(gateway) + "][interface=" + xpath_quote(interface) + "]";
}

std::string prefix_leaf(IpFamily family) {
  return family == IpFamily::V4 ? "ipv4-prefix" : "ipv6-prefix";
}

}  // namespace

std::string xpath_quote(std::string_view value) {
  const char q = value.find('\'') == std::string_view::npos ? '\'' : '"';
  std::string out;
  out.reserve(value.size() + 2);
  out += q;
  out += value;
  out += q;
  return out;
}

std::string_view afi_safi(IpFamily family) {
  return family == IpFamily::V4 ? "frr-routing:ipv4-unicast" : "frr-routing:ipv6-unicast";
}

std::string_view nh_type(const Nexthop& nh) {
  const bool v6 = nh.gateway && nh.gateway->is_v6();
  switch (nh.kind) {
    case Nexthop::Kind::Interface:
      return "ifindex";
    case Nexthop::Kind::Gateway:
      return v6 ? "ip6" : "ip4";
    case Nexthop::Kind::GatewayInterface:
      return v6 ? "ip6-ifindex" : "ip4-ifindex";
    case Nexthop::Kind::Blackhole:
      return "blackhole";
  }
  return "blackhole";
}

std::string staticd_root(std::string_view vrf) {
  return "/frr-routing:routing/control-plane-protocols/control-plane-protocol[type='frr-staticd:staticd']"
         "[name='staticd'][vrf=" +
         xpath_quote(vrf) + "]/frr-staticd:staticd";
}

std::string route_list_xpath(StaticdSchema schema, const StaticRoute& route) {
  std::string path = staticd_root(route.vrf) + "/route-list[prefix='" + route.prefix.to_string() + "']";
  if (schema != StaticdSchema::Frr8_4) path += "[src-prefix='::/0']";
  path += "[afi-safi='";
  path += afi_safi(route.prefix.family());
  path += "']";
  return path;
}

std::string path_list_xpath(StaticdSchema schema, const StaticRoute& route) {
  if (schema == StaticdSchema::Frr10_7) return {};
  return route_list_xpath(schema, route) + "/path-list" + std::string(kTableId) + "[distance='" +
         std::to_string(route.distance) + "']";
}

std::string nexthop_xpath(StaticdSchema schema, const StaticRoute& route, const Nexthop& nh) {
  if (schema == StaticdSchema::Frr10_7) {
    return route_list_xpath(schema, route) + "/path-list" + std::string(kTableId) + nexthop_keys(nh);
  }
  return path_list_xpath(schema, route) + "/frr-nexthops/nexthop" + nexthop_keys(nh);
}

std::string tag_xpath(StaticdSchema schema, const StaticRoute& route, const Nexthop& nh) {
  if (schema == StaticdSchema::Frr10_7) return nexthop_xpath(schema, route, nh) + "/tag";
  return path_list_xpath(schema, route) + "/tag";
}

std::string distance_xpath(const StaticRoute& route, const Nexthop& nh) {
  return nexthop_xpath(StaticdSchema::Frr10_7, route, nh) + "/distance";
}

std::vector<PathValue> nexthop_updates(StaticdSchema schema, const StaticRoute& route, const Nexthop& nh) {
  std::vector<PathValue> out;
  const std::string path = nexthop_xpath(schema, route, nh);
  if (schema == StaticdSchema::Frr10_7) {
    out.push_back({path + "/distance", std::to_string(route.distance)});
    out.push_back({path + "/tag", std::to_string(route.tag)});
  }
  if (nh.kind == Nexthop::Kind::Blackhole) {
    out.push_back({path + "/bh-type", "null"});
  } else {
    out.push_back({path, ""});
  }
  return out;
}

std::vector<PathValue> static_route_updates(StaticdSchema schema, const StaticRoute& route) {
  std::vector<PathValue> out;
  if (schema != StaticdSchema::Frr10_7 && !route.nexthops.empty()) {
    out.push_back({tag_xpath(schema, route, route.nexthops.front()), std::to_string(route.tag)});
  }
  for (const Nexthop& nh : route.nexthops) {
    auto more = nexthop_updates(schema, route, nh);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

std::string prefix_list_xpath(IpFamily family, std::string_view name) {
  return std::string("/frr-filter:lib/prefix-list[type='") + (family == IpFamily::V4 ? "ipv4" : "ipv6") +
         "'][name=" + xpath_quote(name) + "]";
}

std::string prefix_list_entry_xpath(IpFamily family, std::string_view name, std::uint32_t sequence) {
  return prefix_list_xpath(family, name) + "/entry[sequence='" + std::to_string(sequence) + "']";
}

std::uint32_t prefix_list_sequence(std::size_t index) {
  return static_cast<std::uint32_t>(5 * (index + 1));
}

std::vector<PathValue> prefix_list_updates(const PrefixList& list) {
  std::vector<PathValue> out;
  if (list.prefixes.empty()) {
    out.push_back({prefix_list_xpath(list.family, list.name), ""});
    return out;
  }
  for (std::size_t i = 0; i < list.prefixes.size(); ++i) {
    const std::string entry = prefix_list_entry_xpath(list.family, list.name, prefix_list_sequence(i));
    out.push_back({entry + "/action", "permit"});
    out.push_back({entry + "/" + prefix_leaf(list.family), list.prefixes[i].to_string()});
  }
  return out;
}

std::string route_map_xpath(std::string_view map) {
  return "/frr-route-map:lib/route-map[name=" + xpath_quote(map) + "]";
}

std::string route_map_entry_xpath(std::string_view map, std::uint32_t sequence) {
  return route_map_xpath(map) + "/entry[sequence='" + std::to_string(sequence) + "']";
}

std::string match_condition_xpath(std::string_view map, std::uint32_t sequence, std::string_view condition) {
  return route_map_entry_xpath(map, sequence) + "/match-condition[condition='" + std::string(condition) +
         "']";
}

std::string set_action_xpath(std::string_view map, std::uint32_t sequence, std::string_view action) {
  return route_map_entry_xpath(map, sequence) + "/set-action[action='" + std::string(action) + "']";
}

std::string community_value(std::string_view community) {
  return std::string(community) + " additive";
}

std::string as_path_value(const std::vector<std::uint32_t>& asns) {
  std::string out;
  for (std::uint32_t asn : asns) {
    if (!out.empty()) out += ' ';
    out += std::to_string(asn);
  }
  return out;
}

std::vector<PathValue> route_map_entry_updates(const RouteMapEntry& e) {
  std::vector<PathValue> out;
  out.push_back({route_map_entry_xpath(e.map, e.sequence) + "/action", "permit"});
  if (e.match_tag) {
    out.push_back({match_condition_xpath(e.map, e.sequence, kMatchTag) + "/rmap-match-condition/tag",
                   std::to_string(*e.match_tag)});
  }
  if (e.match_prefix_list) {
    const auto condition = e.family == IpFamily::V4 ? kMatchIpv4PrefixList : kMatchIpv6PrefixList;
    out.push_back({match_condition_xpath(e.map, e.sequence, condition) + "/rmap-match-condition/list-name",
                   *e.match_prefix_list});
  }
  if (e.community) {
    out.push_back({set_action_xpath(e.map, e.sequence, kSetCommunity) +
                       "/rmap-set-action/frr-bgp-route-map:community-string",
                   community_value(*e.community)});
  }
  if (e.local_preference) {
    out.push_back({set_action_xpath(e.map, e.sequence, kSetLocalPreference) +
                       "/rmap-set-action/frr-bgp-route-map:local-pref",
                   std::to_string(*e.local_preference)});
  }
  if (!e.as_path_prepend.empty()) {
    out.push_back({set_action_xpath(e.map, e.sequence, kAsPathPrepend) +
                       "/rmap-set-action/frr-bgp-route-map:prepend-as-path",
                   as_path_value(e.as_path_prepend)});
  }
  return out;
}

}  // namespace wgfo::frr

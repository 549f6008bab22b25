// Get(CONFIG) JSON -> StaticdObserved / BgpdObserved (see frr_parse.hpp). The JSON is RFC 7951 as
// libyang prints it: module-qualified names where the module changes, 64-bit numbers as strings, type
// empty as [null]. A reply is never trusted: every member is looked up and type-checked, and the first
// problem becomes the single error line. Internally that is a ParseError thrown and caught at the two
// public functions, which keeps the walkers readable without letting anything escape.

#include "frr-integration/frr_parse.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "frr-integration/xpath.hpp"

namespace wgfo::frr {
namespace {

using Json = nlohmann::json;

struct ParseError {
  std::string message;
};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw ParseError{where.empty() ? what : where + ": " + what};
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

Json parse_json(std::string_view text, const char* what) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail("", std::string(what) + " is not JSON");
  if (!j.is_object()) fail("", std::string(what) + " is not a JSON object");
  return j;
}

// Member `key` of `obj`, or nullptr when absent.
const Json* member(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// A list member: absent means no instances.
const Json& array_member(const Json& obj, const char* key, const std::string& where) {
  static const Json kEmpty = Json::array();
  const Json* m = member(obj, key);
  if (m == nullptr) return kEmpty;
  if (!m->is_array()) fail(where, std::string("\"") + key + "\" is not a list");
  return *m;
}

const std::string& string_member(const Json& obj, const char* key, const std::string& where) {
  const Json* m = member(obj, key);
  if (m == nullptr) fail(where, std::string("missing \"") + key + "\"");
  if (!m->is_string()) fail(where, std::string("\"") + key + "\" is not a string");
  return m->get_ref<const std::string&>();
}

// An unsigned number, printed as a JSON number or (64-bit types) a string of digits.
std::uint64_t uint_value(const Json& v, const std::string& where, const char* key, std::uint64_t max) {
  std::uint64_t out = 0;
  bool ok = false;
  if (v.is_number_unsigned()) {
    out = v.get<std::uint64_t>();
    ok = true;
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    ok = !s.empty() && ec == std::errc{} && end == s.data() + s.size();
  }
  if (!ok || out > max) fail(where, std::string("\"") + key + "\" is not a number 0.." + std::to_string(max));
  return out;
}

std::uint64_t uint_member(const Json& obj, const char* key, const std::string& where, std::uint64_t max,
                          std::optional<std::uint64_t> fallback = std::nullopt) {
  const Json* m = member(obj, key);
  if (m == nullptr) {
    if (fallback) return *fallback;
    fail(where, std::string("missing \"") + key + "\"");
  }
  return uint_value(*m, where, key, max);
}

std::string scalar_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_null()) return "";
  return v.dump();
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return !prefix.empty() && s.substr(0, prefix.size()) == prefix;
}

// ---- staticd ---------------------------------------------------------------------------------------

Nexthop parse_nexthop(const Json& nh, IpFamily family, const std::string& where) {
  if (!nh.is_object()) fail(where, "not an object");
  const std::string& type = string_member(nh, "nh-type", where);
  const std::string& vrf = string_member(nh, "vrf", where);
  const std::string& gateway = string_member(nh, "gateway", where);
  const std::string& interface = string_member(nh, "interface", where);
  const bool has_interface = interface != kInterfaceNone;
  Nexthop out;
  out.vrf = vrf;
  auto gateway_of = [&](IpFamily want) {
    const auto gw = IpAddress::parse(gateway);
    if (!gw || gw->family() != want) {
      fail(where, "gateway " + in_quotes(gateway) + " is not an IPv" + (want == IpFamily::V4 ? "4" : "6") +
                      " address");
    }
    return *gw;
  };
  if (type == "blackhole") {
    out.kind = Nexthop::Kind::Blackhole;
  } else if (type == "ifindex") {
    if (!has_interface || interface.empty()) fail(where, "interface nexthop without an interface");
    out.kind = Nexthop::Kind::Interface;
    out.interface = interface;
  } else if (type == "ip4" || type == "ip6") {
    // A gateway nexthop written with interface '' (not '(null)') cannot be addressed the way the CLI and
    // we address it, so it is refused rather than silently mis-keyed.
    if (has_interface)
      fail(where, "gateway nexthop with interface " + in_quotes(interface) + " (expected \"(null)\")");
    out.kind = Nexthop::Kind::Gateway;
    out.gateway = gateway_of(type == "ip4" ? IpFamily::V4 : IpFamily::V6);
  } else if (type == "ip4-ifindex" || type == "ip6-ifindex") {
    if (!has_interface || interface.empty()) fail(where, "gateway+interface nexthop without an interface");
    out.kind = Nexthop::Kind::GatewayInterface;
    out.interface = interface;
    out.gateway = gateway_of(type == "ip4-ifindex" ? IpFamily::V4 : IpFamily::V6);
  } else {
    fail(where, "unknown nh-type " + in_quotes(type));
  }
  if (out.gateway && out.gateway->family() != family) fail(where, "gateway family differs from the prefix's");
  return out;
}

void parse_route_list(const Json& rl, const std::string& vrf, const Ownership& own, const std::string& where,
                      StaticdObserved& out) {
  if (!rl.is_object()) fail(where, "not an object");
  const std::string& prefix_text = string_member(rl, "prefix", where);
  const auto prefix = IpPrefix::parse(prefix_text);
  if (!prefix || !prefix->is_masked()) fail(where, "prefix " + in_quotes(prefix_text) + " is not a prefix");
  const std::string& afi = string_member(rl, "afi-safi", where);
  if (afi != afi_safi(IpFamily::V4) && afi != afi_safi(IpFamily::V6)) return;  // mroutes: not ours to model
  if (afi != afi_safi(prefix->family()))
    fail(where, "afi-safi " + in_quotes(afi) + " does not match " + prefix_text);
  const Json& paths = array_member(rl, "path-list", where);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::string pwhere = where + " path-list[" + std::to_string(i) + "]";
    const Json& pl = paths[i];
    if (!pl.is_object()) fail(pwhere, "not an object");
    StaticRoute route;
    route.vrf = vrf;
    route.prefix = *prefix;
    route.distance = static_cast<std::uint8_t>(uint_member(pl, "distance", pwhere, 255));
    route.tag = static_cast<std::uint32_t>(uint_member(pl, "tag", pwhere, 0xffffffffU, 0));
    const auto table = uint_member(pl, "table-id", pwhere, 0xffffffffU);
    if (table != 0) {
      out.other_tables.push_back(std::move(route));
      continue;
    }
    const Json* nhs = member(pl, "frr-nexthops");
    if (nhs != nullptr) {
      if (!nhs->is_object()) fail(pwhere, "\"frr-nexthops\" is not an object");
      const Json& list = array_member(*nhs, "nexthop", pwhere);
      for (std::size_t k = 0; k < list.size(); ++k) {
        route.nexthops.push_back(
            parse_nexthop(list[k], prefix->family(), pwhere + " nexthop[" + std::to_string(k) + "]"));
      }
    }
    std::sort(route.nexthops.begin(), route.nexthops.end());
    const bool owned =
        std::find(own.route_tags.begin(), own.route_tags.end(), route.tag) != own.route_tags.end();
    (owned ? out.owned : out.foreign).push_back(std::move(route));
  }
}

StaticdObserved parse_staticd_json(const Json& root, const Ownership& own) {
  StaticdObserved out;
  const Json* routing = member(root, "frr-routing:routing");
  if (routing == nullptr) return out;
  if (!routing->is_object()) fail("", "\"frr-routing:routing\" is not an object");
  const Json* cpps = member(*routing, "control-plane-protocols");
  if (cpps == nullptr) return out;
  if (!cpps->is_object()) fail("", "\"control-plane-protocols\" is not an object");
  const Json& protocols = array_member(*cpps, "control-plane-protocol", "");
  for (std::size_t p = 0; p < protocols.size(); ++p) {
    const std::string where = "control-plane-protocol[" + std::to_string(p) + "]";
    const Json& proto = protocols[p];
    if (!proto.is_object()) fail(where, "not an object");
    if (string_member(proto, "type", where) != "frr-staticd:staticd") continue;
    const std::string& vrf = string_member(proto, "vrf", where);
    const Json* staticd = member(proto, "frr-staticd:staticd");
    if (staticd == nullptr) continue;
    if (!staticd->is_object()) fail(where, "\"frr-staticd:staticd\" is not an object");
    const Json& lists = array_member(*staticd, "route-list", where);
    for (std::size_t r = 0; r < lists.size(); ++r) {
      parse_route_list(lists[r], vrf, own, "route-list[" + std::to_string(r) + "]", out);
    }
  }
  std::sort(out.owned.begin(), out.owned.end());
  std::sort(out.foreign.begin(), out.foreign.end());
  std::sort(out.other_tables.begin(), out.other_tables.end());
  return out;
}

// ---- bgpd ------------------------------------------------------------------------------------------

// Leaves FRR prints because of with_defaults although nobody set them; they are not content.
bool is_default_leaf(std::string_view name, const Json& value) {
  return name == "exit-policy" && value.is_string() &&
         value.get_ref<const std::string&>() == "permit-or-deny";
}

// The key leaf of each list that can appear under an owned entry.
const char* list_key(std::string_view list) {
  if (list == "match-condition") return "condition";
  if (list == "set-action") return "action";
  return nullptr;
}

// Records every node below `obj` (whose own path is `path`) as XPath + value; `skip` is the list key
// of `obj` itself, already part of `path`.
void walk(const Json& obj, const std::string& path, std::string_view skip, std::vector<PathValue>& out) {
  for (const auto& [name, value] : obj.items()) {
    if (name == skip) continue;
    const std::string child = path + "/" + name;
    if (value.is_object()) {
      out.push_back({child, ""});
      walk(value, child, "", out);
    } else if (value.is_array()) {
      if (value.size() == 1 && value[0].is_null()) {  // type empty
        out.push_back({child, ""});
        continue;
      }
      const char* key = list_key(name);
      for (const Json& item : value) {
        if (item.is_object()) {
          if (key == nullptr) fail(path, "unsupported list " + in_quotes(name));
          const Json* k = member(item, key);
          if (k == nullptr || !(k->is_string() || k->is_number()))
            fail(child, std::string("missing \"") + key + "\"");
          const std::string instance = child + "[" + key + "=" + xpath_quote(scalar_text(*k)) + "]";
          out.push_back({instance, ""});
          walk(item, instance, key, out);
        } else {  // leaf-list
          out.push_back({child + "[.=" + xpath_quote(scalar_text(item)) + "]", scalar_text(item)});
        }
      }
    } else if (!is_default_leaf(name, value)) {
      out.push_back({child, scalar_text(value)});
    }
  }
}

std::optional<std::uint32_t> parse_u32(std::string_view s) {
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

RouteMapEntry typed_entry(const Json& entry, const std::string& map, std::uint32_t sequence,
                          const std::string& where) {
  RouteMapEntry e;
  e.map = map;
  e.sequence = sequence;
  for (const Json& m : array_member(entry, "match-condition", where)) {
    if (!m.is_object()) fail(where, "match-condition is not an object");
    const std::string& condition = string_member(m, "condition", where);
    const Json* body = member(m, "rmap-match-condition");
    if (body == nullptr || !body->is_object()) continue;
    if (condition == kMatchTag) {
      if (const Json* tag = member(*body, "tag"))
        e.match_tag = static_cast<std::uint32_t>(uint_value(*tag, where, "tag", 0xffffffffU));
    } else if (condition == kMatchIpv4PrefixList || condition == kMatchIpv6PrefixList) {
      const Json* name = member(*body, "list-name");
      if (name != nullptr && name->is_string()) {
        e.match_prefix_list = name->get<std::string>();
        e.family = condition == kMatchIpv4PrefixList ? IpFamily::V4 : IpFamily::V6;
      }
    }
  }
  for (const Json& s : array_member(entry, "set-action", where)) {
    if (!s.is_object()) fail(where, "set-action is not an object");
    const std::string& action = string_member(s, "action", where);
    const Json* body = member(s, "rmap-set-action");
    if (body == nullptr || !body->is_object()) continue;
    auto text = [&](const char* leaf) -> std::optional<std::string> {
      const Json* v = member(*body, leaf);
      if (v == nullptr || !v->is_string()) return std::nullopt;
      return v->get<std::string>();
    };
    if (action == kSetCommunity) {
      if (auto c = text("frr-bgp-route-map:community-string")) {
        constexpr std::string_view kAdditive = " additive";
        if (c->size() > kAdditive.size() &&
            c->compare(c->size() - kAdditive.size(), kAdditive.size(), kAdditive) == 0) {
          c->resize(c->size() - kAdditive.size());
        }
        e.community = std::move(*c);
      }
    } else if (action == kSetLocalPreference) {
      if (auto lp = text("frr-bgp-route-map:local-pref")) e.local_preference = parse_u32(*lp);
    } else if (action == kAsPathPrepend) {
      if (auto path = text("frr-bgp-route-map:prepend-as-path")) {
        std::string_view rest = *path;
        while (!rest.empty()) {
          const std::size_t sp = rest.find(' ');
          const auto asn = parse_u32(rest.substr(0, sp));
          if (!asn) {
            e.as_path_prepend.clear();
            break;
          }
          e.as_path_prepend.push_back(*asn);
          rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
        }
      }
    }
  }
  return e;
}

void parse_route_maps(const Json& root, const Ownership& own, BgpdObserved& out) {
  const Json* lib = member(root, "frr-route-map:lib");
  if (lib == nullptr) return;
  if (!lib->is_object()) fail("", "\"frr-route-map:lib\" is not an object");
  const Json& maps = array_member(*lib, "route-map", "");
  for (std::size_t m = 0; m < maps.size(); ++m) {
    const std::string where = "route-map[" + std::to_string(m) + "]";
    if (!maps[m].is_object()) fail(where, "not an object");
    const std::string& name = string_member(maps[m], "name", where);
    out.route_maps_present.push_back(name);
    const bool our_map =
        std::find(own.route_maps.begin(), own.route_maps.end(), name) != own.route_maps.end();
    const Json& entries = array_member(maps[m], "entry", where);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const std::string ewhere = where + " entry[" + std::to_string(i) + "]";
      const Json& entry = entries[i];
      if (!entry.is_object()) fail(ewhere, "not an object");
      const auto sequence = static_cast<std::uint32_t>(uint_member(entry, "sequence", ewhere, 65535));
      const std::string path = route_map_entry_xpath(name, sequence);
      if (!our_map || sequence < own.min_sequence || sequence > own.max_sequence) {
        out.foreign_paths.push_back(path);
        continue;
      }
      out.owned_nodes.push_back({path, ""});
      walk(entry, path, "sequence", out.owned_nodes);
      out.route_map_entries.push_back(typed_entry(entry, name, sequence, ewhere));
    }
  }
}

void parse_filters(const Json& root, const Ownership& own, BgpdObserved& out) {
  const Json* lib = member(root, "frr-filter:lib");
  if (lib == nullptr) return;
  if (!lib->is_object()) fail("", "\"frr-filter:lib\" is not an object");
  const Json& lists = array_member(*lib, "prefix-list", "");
  for (std::size_t l = 0; l < lists.size(); ++l) {
    const std::string where = "prefix-list[" + std::to_string(l) + "]";
    if (!lists[l].is_object()) fail(where, "not an object");
    const std::string& type = string_member(lists[l], "type", where);
    if (type != "ipv4" && type != "ipv6") fail(where, "type " + in_quotes(type) + " is not ipv4 or ipv6");
    const IpFamily family = type == "ipv4" ? IpFamily::V4 : IpFamily::V6;
    const std::string& name = string_member(lists[l], "name", where);
    const std::string path = prefix_list_xpath(family, name);
    if (!starts_with(name, own.prefix_list_prefix)) {
      out.foreign_paths.push_back(path);
      continue;
    }
    out.owned_nodes.push_back({path, ""});
    PrefixList typed{name, family, {}};
    std::map<std::uint32_t, IpPrefix> permits;
    const Json& entries = array_member(lists[l], "entry", where);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const std::string ewhere = where + " entry[" + std::to_string(i) + "]";
      const Json& entry = entries[i];
      if (!entry.is_object()) fail(ewhere, "not an object");
      const auto sequence = static_cast<std::uint32_t>(uint_member(entry, "sequence", ewhere, 0xffffffffU));
      const std::string epath = prefix_list_entry_xpath(family, name, sequence);
      out.owned_nodes.push_back({epath, ""});
      walk(entry, epath, "sequence", out.owned_nodes);
      const Json* action = member(entry, "action");
      const Json* prefix = member(entry, family == IpFamily::V4 ? "ipv4-prefix" : "ipv6-prefix");
      if (action != nullptr && action->is_string() && *action == "permit" && prefix != nullptr &&
          prefix->is_string()) {
        const auto p = IpPrefix::parse(prefix->get<std::string>());
        if (!p || p->family() != family)
          fail(ewhere, "prefix " + in_quotes(prefix->get<std::string>()) + " is not a prefix");
        permits.emplace(sequence, *p);
      }
    }
    for (const auto& [seq, p] : permits) typed.prefixes.push_back(p);
    out.prefix_lists.push_back(std::move(typed));
  }
}

}  // namespace

std::variant<StaticdObserved, std::string> parse_staticd(std::string_view json, const Ownership& ownership,
                                                         StaticdSchema schema) {
  if (schema != StaticdSchema::Frr8_4)
    return std::string("staticd reply: only the FRR 8.4 layout can be read");
  try {
    return parse_staticd_json(parse_json(json, "the reply"), ownership);
  } catch (const ParseError& e) {
    return "staticd reply: " + e.message;
  } catch (const std::exception& e) {
    return std::string("staticd reply: ") + e.what();
  }
}

std::variant<BgpdObserved, std::string> parse_bgpd(std::string_view route_maps_json,
                                                   std::string_view filter_json, const Ownership& ownership) {
  BgpdObserved out;
  try {
    parse_route_maps(parse_json(route_maps_json, "the route-map reply"), ownership, out);
  } catch (const ParseError& e) {
    return "bgpd route-map reply: " + e.message;
  } catch (const std::exception& e) {
    return std::string("bgpd route-map reply: ") + e.what();
  }
  try {
    parse_filters(parse_json(filter_json, "the filter reply"), ownership, out);
  } catch (const ParseError& e) {
    return "bgpd filter reply: " + e.message;
  } catch (const std::exception& e) {
    return std::string("bgpd filter reply: ") + e.what();
  }
  std::sort(out.owned_nodes.begin(), out.owned_nodes.end(),
            [](const PathValue& a, const PathValue& b) { return a.path < b.path; });
  std::sort(out.foreign_paths.begin(), out.foreign_paths.end());
  return out;
}

}  // namespace wgfo::frr

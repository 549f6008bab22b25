// Route intent (see the header for the mapping). Distances: 10 per preference step leaves room for
// an operator's own floating statics between ours; 250 for the kill switch stays below 255, which
// zebra never installs.

#include "controller/route_intent.hpp"

#include <algorithm>

namespace wgfo {

namespace {

constexpr std::uint8_t kDistanceStep = 10;
constexpr std::uint8_t kKillSwitchDistance = 250;

// The distinct non-empty degraded signals in config order; a route's signal index is its position.
std::vector<BgpSignal> distinct_signals(const Config& config) {
  std::vector<BgpSignal> out;
  for (const auto& r : config.routes) {
    if (!r.bgp.degraded.empty() && std::find(out.begin(), out.end(), r.bgp.degraded) == out.end()) {
      out.push_back(r.bgp.degraded);
    }
  }
  return out;
}

std::size_t signal_index(const std::vector<BgpSignal>& signals, const BgpSignal& s) {
  return static_cast<std::size_t>(std::find(signals.begin(), signals.end(), s) - signals.begin());
}

frr::RouteMapEntry entry_for(const FrrConfig& frr, std::uint32_t sequence, const BgpSignal& s) {
  frr::RouteMapEntry e;
  e.map = frr.route_map;
  e.sequence = sequence;
  e.community = s.community;
  e.local_preference = s.local_preference;
  e.as_path_prepend = s.as_path_prepend;
  return e;
}

std::string prefix_list_name(std::size_t k, IpFamily family) {
  return "WGFO-S" + std::to_string(k + 1) + (family == IpFamily::V4 ? "-4" : "-6");
}

}  // namespace

bool usable(TunnelState s) {
  return s == TunnelState::Up || s == TunnelState::Degraded;
}

frr::Ownership ownership_of(const FrrConfig& frr) {
  frr::Ownership o;
  o.route_tags.clear();
  for (std::uint32_t i = 0; i < FrrConfig::kOwnedTags; ++i) o.route_tags.push_back(frr.route_tag + i);
  if (frr.bgpd) o.route_maps = {frr.route_map};
  return o;
}

std::vector<RouteView> route_views(const Config& config, const TunnelStateOf& state_of) {
  std::vector<RouteView> out;
  for (const auto& r : config.routes) {
    RouteView v{r.prefix, {}, false, false};
    for (const auto& name : r.via) {
      if (!usable(state_of(name))) continue;
      v.active.push_back(name);
      if (r.mode == RouteConfig::Mode::ActivePassive) break;
    }
    v.kill_switch = r.kill_switch && v.active.empty();
    v.signalled = !r.bgp.degraded.empty() &&
                  std::any_of(v.active.begin(), v.active.end(),
                              [&](const std::string& t) { return state_of(t) == TunnelState::Degraded; });
    out.push_back(std::move(v));
  }
  return out;
}

frr::FrrState route_intent(const Config& config, const TunnelStateOf& state_of) {
  const FrrConfig& frr = config.frr;
  const bool bgp = frr.bgpd.has_value();
  const bool by_tag = frr.bgp_signalling == FrrConfig::BgpSignalling::Tag;
  const auto signals = distinct_signals(config);
  const auto views = route_views(config, state_of);

  frr::FrrState s;
  std::vector<std::vector<IpPrefix>> signalled(signals.size());
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const RouteConfig& r = config.routes[i];
    const RouteView& v = views[i];
    std::uint32_t tag = frr.route_tag;
    if (v.signalled && bgp) {
      const std::size_t k = signal_index(signals, r.bgp.degraded);
      if (by_tag) {
        tag = frr.route_tag + 1 + static_cast<std::uint32_t>(k);
      } else {
        signalled[k].push_back(r.prefix);
      }
    }
    auto path = [&](std::uint8_t distance) -> frr::StaticRoute& {
      s.routes.push_back(frr::StaticRoute{r.prefix, distance, tag, {}, "default"});
      return s.routes.back();
    };
    if (r.mode == RouteConfig::Mode::Ecmp) {
      std::vector<frr::Nexthop> nexthops;
      for (const auto& name : v.active)
        nexthops.push_back(frr::Nexthop::via_interface(config.find_tunnel(name)->interface));
      std::sort(nexthops.begin(), nexthops.end());
      nexthops.erase(std::unique(nexthops.begin(), nexthops.end()), nexthops.end());
      if (!nexthops.empty()) path(kDistanceStep).nexthops = std::move(nexthops);
    } else {
      for (std::size_t p = 0; p < r.via.size(); ++p) {
        if (!usable(state_of(r.via[p]))) continue;
        path(static_cast<std::uint8_t>(kDistanceStep * (p + 1))).nexthops = {
            frr::Nexthop::via_interface(config.find_tunnel(r.via[p])->interface)};
      }
    }
    if (r.kill_switch) path(kKillSwitchDistance).nexthops = {frr::Nexthop::blackhole()};
  }

  if (!bgp) return s;
  for (std::size_t k = 0; k < signals.size(); ++k) {
    const auto seq = static_cast<std::uint32_t>(10 * (k + 1));
    if (by_tag) {
      auto e = entry_for(frr, seq, signals[k]);
      e.match_tag = frr.route_tag + 1 + static_cast<std::uint32_t>(k);
      s.route_map_entries.push_back(std::move(e));
      continue;
    }
    for (const IpFamily family : {IpFamily::V4, IpFamily::V6}) {
      frr::PrefixList list{prefix_list_name(k, family), family, {}};
      for (const auto& p : signalled[k]) {
        if (p.family() == family) list.prefixes.push_back(p);
      }
      if (list.prefixes.empty()) continue;
      auto e = entry_for(frr, family == IpFamily::V4 ? seq : seq + 5, signals[k]);
      e.match_prefix_list = list.name;
      e.family = family;
      s.route_map_entries.push_back(std::move(e));
      s.prefix_lists.push_back(std::move(list));
    }
  }
  return s;
}

}  // namespace wgfo

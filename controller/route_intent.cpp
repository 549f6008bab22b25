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

// A tunnel of a route, in the route's effective order.
struct Candidate {
  const std::string* name;
  TunnelRouting routing;
  bool carries() const { return usable(routing.state) || routing.standby; }
  // Sort class: UP and unusable (keeping their slots), DEGRADED, standby.
  int soft_class() const {
    if (routing.state == TunnelState::Degraded) return 1;
    if (routing.standby) return 2;
    return 0;
  }
};

// `via` with overrides applied (an overridden tunnel is inserted at its preferred position among the
// others, lowest preference first), then stably sorted by soft class relative to the best class that
// carries: tunnels of the best class keep their slots with the unusable ones, so nothing moves while
// there is nothing better to move to.
std::vector<Candidate> effective_order(const RouteConfig& r, const TunnelRoutingOf& routing_of) {
  std::vector<Candidate> plain, preferred;
  for (const auto& name : r.via) {
    Candidate c{&name, routing_of(name)};
    (c.routing.prefer ? preferred : plain).push_back(c);
  }
  std::stable_sort(preferred.begin(), preferred.end(), [](const Candidate& a, const Candidate& b) {
    return *a.routing.prefer < *b.routing.prefer;
  });
  for (const Candidate& c : preferred) {
    const std::size_t at = std::min<std::size_t>(*c.routing.prefer - 1, plain.size());
    plain.insert(plain.begin() + static_cast<std::ptrdiff_t>(at), c);
  }
  int best = 3;
  for (const Candidate& c : plain) {
    if (c.carries()) best = std::min(best, c.soft_class());
  }
  auto key = [best](const Candidate& c) { return c.carries() && c.soft_class() > best ? c.soft_class() : 0; };
  std::stable_sort(plain.begin(), plain.end(),
                   [&](const Candidate& a, const Candidate& b) { return key(a) < key(b); });
  return plain;
}

// The ECMP set: the UP tunnels, else the DEGRADED ones, else the standby ones.
std::vector<Candidate> ecmp_set(const std::vector<Candidate>& order) {
  for (const auto wanted : {0, 1, 2}) {
    std::vector<Candidate> out;
    for (const Candidate& c : order) {
      if (c.carries() && c.soft_class() == wanted) out.push_back(c);
    }
    if (!out.empty()) return out;
  }
  return {};
}

}  // namespace

frr::Ownership ownership_of(const FrrConfig& frr) {
  frr::Ownership o;
  o.route_tags.clear();
  for (std::uint32_t i = 0; i < FrrConfig::kOwnedTags; ++i) o.route_tags.push_back(frr.route_tag + i);
  if (frr.bgpd) o.route_maps = {frr.route_map};
  return o;
}

std::vector<RouteView> route_views(const Config& config, const TunnelRoutingOf& routing_of) {
  std::vector<RouteView> out;
  for (const auto& r : config.routes) {
    RouteView v{r.prefix, {}, false, false};
    const auto order = effective_order(r, routing_of);
    std::vector<Candidate> active;
    if (r.mode == RouteConfig::Mode::Ecmp) {
      active = ecmp_set(order);
    } else {
      const auto first =
          std::find_if(order.begin(), order.end(), [](const Candidate& c) { return c.carries(); });
      if (first != order.end()) active.push_back(*first);
    }
    for (const Candidate& c : active) v.active.push_back(*c.name);
    v.kill_switch = r.kill_switch && v.active.empty();
    v.signalled = !r.bgp.degraded.empty() &&
                  std::any_of(active.begin(), active.end(),
                              [](const Candidate& c) { return c.routing.state != TunnelState::Up; });
    out.push_back(std::move(v));
  }
  return out;
}

frr::FrrState route_intent(const Config& config, const TunnelRoutingOf& routing_of) {
  const FrrConfig& frr = config.frr;
  const bool bgp = frr.bgpd.has_value();
  const bool by_tag = frr.bgp_signalling == FrrConfig::BgpSignalling::Tag;
  const auto signals = distinct_signals(config);
  const auto views = route_views(config, routing_of);

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
      const auto order = effective_order(r, routing_of);
      for (std::size_t p = 0; p < order.size(); ++p) {
        if (!order[p].carries()) continue;
        path(static_cast<std::uint8_t>(kDistanceStep * (p + 1))).nexthops = {
            frr::Nexthop::via_interface(config.find_tunnel(*order[p].name)->interface)};
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

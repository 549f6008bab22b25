#pragma once
// Route intent: the pure function from configuration + tunnel states to what FRR must hold (an
// frr::FrrState) and to what `show routes` reports. No I/O; the programmer (frr-integration/) makes
// FRR hold the result.
//
//   active-passive  one staticd path-list per usable tunnel of `via`, at distance 10, 20, 30, ... in
//                   the order given: zebra installs the lowest, and an interface that goes down drops
//                   out at once without waiting for us (floating statics).
//   ecmp            one path-list at distance 10 whose nexthops are all usable tunnels.
//   kill_switch     a blackhole path-list at distance 250, always present, so it wins only when no
//                   tunnel path is left: the prefix never falls back to a less specific route.
//   BGP signals     a route whose active tunnel is degraded carries its `bgp.degraded` signal. Signal k
//                   (the k-th distinct signal in config order, at most 15) is expressed as
//                   tag signalling:       static route tag route_tag+1+k; a fixed route-map entry
//                                         seq 10(k+1) `match tag` -> set ... (written once)
//                   route-map signalling: prefix-lists WGFO-S<k+1>-4 / -6 holding the signalled
//                                         prefixes, entries seq 10(k+1) / 10(k+1)+5 matching them,
//                                         present only while the list is not empty.
// A tunnel is usable when it is up or degraded (DESIGN.md: a degraded path is never the reason to
// withdraw the last one).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/config.hpp"
#include "controller/core.hpp"
#include "frr-integration/frr_state.hpp"

namespace wgfo {

using TunnelStateOf = std::function<TunnelState(std::string_view tunnel_name)>;

// Whether a tunnel in state `s` may carry routes (up, or degraded).
bool usable(TunnelState s);

struct RouteView {
  IpPrefix prefix;
  std::vector<std::string> active;  // tunnels carrying the traffic (several for ecmp)
  bool kill_switch{false};          // the blackhole is what FRR should be using
  bool signalled{false};            // the route carries its degraded BGP signal
};

frr::Ownership ownership_of(const FrrConfig& frr);
frr::FrrState route_intent(const Config& config, const TunnelStateOf& state_of);
std::vector<RouteView> route_views(const Config& config, const TunnelStateOf& state_of);

}  // namespace wgfo

#pragma once
// Route intent: the pure function from configuration + tunnel states to what FRR must hold (an
// frr::FrrState) and to what `show routes` reports. No I/O; the programmer (frr-integration/) makes
// FRR hold the result.
//
//   active-passive  one staticd path-list per usable tunnel of `via`, at distance 10, 20, 30, ... by
//                   position: zebra installs the lowest, and an interface that goes down drops out at
//                   once without waiting for us (floating statics). The order is `via` with operator
//                   overrides applied, then sorted (stably) by class: UP, then DEGRADED, then standby
//                   (held down but working, health.hpp), where the best class present keeps its slots
//                   among the unusable tunnels: with everything UP a hard failure only removes the
//                   failed path-list, and a lone degraded path does not move. A soft reason thus moves
//                   a tunnel behind better ones without withdrawing it (make-before-break: it is
//                   demoted only below a path that is better), and the last usable path is never
//                   withdrawn for a soft reason.
//   ecmp            one path-list at distance 10 whose nexthops are the UP tunnels; when none is UP,
//                   the DEGRADED ones; when none of those, the standby ones.
//   kill_switch     a blackhole path-list at distance 250, always present, so it wins only when no
//                   tunnel path is left: the prefix never falls back to a less specific route.
//   BGP signals     a route whose active path is not UP (degraded, or standby) carries its
//                   `bgp.degraded` signal: other sites should prefer another way in. A route that
//                   moved to an UP backup is healthy and carries none. Signal k (the k-th distinct
//                   signal in config order, at most 15) is expressed as
//                   tag signalling:       static route tag route_tag+1+k; a fixed route-map entry
//                                         seq 10(k+1) `match tag` -> set ... (written once)
//                   route-map signalling: prefix-lists WGFO-S<k+1>-4 / -6 holding the signalled
//                                         prefixes, entries seq 10(k+1) / 10(k+1)+5 matching them,
//                                         present only while the list is not empty.
// A tunnel is usable when it is up or degraded (DESIGN.md: a degraded path is never the reason to
// withdraw the last one).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/config.hpp"
#include "controller/health.hpp"
#include "frr-integration/frr_state.hpp"

namespace wgfo {

// What routing needs to know of a tunnel (the core's view, core.hpp).
struct TunnelRouting {
  TunnelState state{TunnelState::Down};
  bool standby{false};                  // held down (hold-down, dampening) but working: a last resort
  std::optional<std::uint32_t> prefer;  // operator override: position (1 = first) in every via list

  TunnelRouting() = default;
  TunnelRouting(TunnelState s) : state(s) {}  // NOLINT(google-explicit-constructor): a plain state
};
using TunnelRoutingOf = std::function<TunnelRouting(std::string_view tunnel_name)>;

struct RouteView {
  IpPrefix prefix;
  std::vector<std::string> active;  // tunnels carrying the traffic (several for ecmp)
  bool kill_switch{false};          // the blackhole is what FRR should be using
  bool signalled{false};            // the route carries its degraded BGP signal
};

frr::Ownership ownership_of(const FrrConfig& frr);
frr::FrrState route_intent(const Config& config, const TunnelRoutingOf& routing_of);
std::vector<RouteView> route_views(const Config& config, const TunnelRoutingOf& routing_of);

}  // namespace wgfo

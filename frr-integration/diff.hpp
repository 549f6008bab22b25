#pragma once
// diff(): the smallest pair of Edits (one per daemon) that makes FRR hold `want` for everything we own,
// never touching what we do not own. The edits respect what FRR 8.4 needs to stay up and consistent:
//   - deletes name only paths that exist in the observed state (a delete that does not resolve is
//     refused, and on 8.4 some assert), at the highest ancestor left childless (frr-grpc.md §2.3): the
//     nexthop if other nexthops stay in its path-list, the path-list if other path-lists (ours or the
//     operator's) stay in its route-list, else the route-list;
//   - the candidate takes an Edit's updates before its deletes, so moving a nexthop to another distance
//     is one update and one delete in the same Edit; but see staticd_steps() for committing it;
//   - a wanted route whose (vrf, prefix, distance) key an operator's path-list holds is not written but
//     reported (we never take over an operator route); likewise a wanted prefix-list or route-map entry
//     that exists but is not ours;
//   - route-maps themselves are never deleted (a referenced but missing map denies everything, §3.2).
// Updates and deletes are sorted by path, so equal inputs give byte-equal edits (golden tests).

#include <string>
#include <vector>

#include "frr-integration/frr_parse.hpp"
#include "frr-integration/frr_state.hpp"
#include "frr-integration/northbound.hpp"
#include "frr-integration/schema.hpp"

namespace wgfo::frr {

struct Plan {
  Edit staticd;
  Edit bgpd;
  std::vector<std::string> conflicts;  // one line each; those wanted items were left out of the edits
};

Plan diff(const StaticdObserved& have_static, const BgpdObserved& have_bgp, const FrrState& want,
          StaticdSchema schema);

// diff()'s staticd Edit as up to four transactions, make-before-break. One transaction is not enough:
// FRR 8.4 hands all of a commit's deletes to zebra before its creates (staticd installs in apply_finish),
// and zebra runs its RIB between reads when staticd's messages span several (a large edit): a prefix
// whose path-lists all moved sat on its kill-switch blackhole for ~80 ms (seen in the soak, zebra's rib
// debug). Per route-list:
//   1. withdraw: nexthops that leave their prefix altogether (a tunnel down or drained): first, since
//      a failover waits on it, and what stays is what the prefix keeps anyway;
//   2. make: wanted path-lists at free distances, and nexthops joining a path-list whose own all stay
//      (never two tunnels at one distance that are not both wanted there: that would spread traffic);
//   3. break: the path-lists that change their tunnel, and the old positions of moved nexthops.
// Where some state on that way (any subset of a step's deletes, then of its creates) would select a path
// that is neither the old best nor the new one (the blackhole during a fail-back that rotates every
// distance, or a tunnel in hold-down when the withdrawn best was ahead of it), the route-list takes a
// lead instead: (1) the new best path-list at a free distance below all of ours, selected at once;
// (2) withdraw and make; (3) break; (4) the lead goes. 10.7 moves distances in place and takes no lead.
// Committed one after the other the steps end where diff() does; empty steps are left out.
std::vector<Edit> staticd_steps(const StaticdObserved& have, const FrrState& want, StaticdSchema schema);

}  // namespace wgfo::frr

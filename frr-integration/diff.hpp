#pragma once
// diff(): the smallest pair of Edits (one per daemon) that makes FRR hold `want` for everything we own,
// never touching what we do not own. The edits respect what FRR 8.4 needs to stay up and consistent:
//   - deletes name only paths that exist in the observed state (a delete that does not resolve is
//     refused, and on 8.4 some assert), at the highest ancestor left childless (frr-grpc.md §2.3): the
//     nexthop if other nexthops stay in its path-list, the path-list if other path-lists (ours or the
//     operator's) stay in its route-list, else the route-list;
//   - FRR applies all updates before all deletes, so moving a nexthop to another distance is one update
//     and one delete in the same Edit, with no window where the prefix has no route;
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

}  // namespace wgfo::frr

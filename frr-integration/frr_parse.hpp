#pragma once
// Parsing FRR's Get(CONFIG, JSON, with_defaults=true) replies back into FrrState values, split into
// what carries our ownership and what does not, so that diff() can converge what is ours and leave the
// operator's configuration alone (DESIGN.md: routes are owned by tag; adopt what carries it).
// Only the FRR 8.4 layout is read (StaticdSchema::Frr8_4). Replies are untrusted text: wrong types,
// missing keys or garbage give one error line, never a crash or an exception.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "frr-integration/frr_state.hpp"
#include "frr-integration/northbound.hpp"
#include "frr-integration/schema.hpp"

namespace wgfo::frr {

// What one Get of "/frr-routing:routing" on staticd shows.
struct StaticdObserved {
  std::vector<StaticRoute> owned;    // path-lists whose tag is one of Ownership::route_tags
  std::vector<StaticRoute> foreign;  // every other path-list (table 0): never deleted, never taken over
  // Path-lists in another table (table-id != 0), which StaticRoute cannot say. Never touched, but they
  // keep their route-list alive, so a diff deletes our path-list rather than the whole route-list.
  // Only vrf, prefix and distance are meaningful.
  std::vector<StaticRoute> other_tables;
};

// What Get "/frr-route-map:lib" and Get "/frr-filter:lib" on bgpd show.
struct BgpdObserved {
  std::vector<PrefixList> prefix_lists;  // owned lists: their permit entries with a prefix, by sequence
  std::vector<RouteMapEntry> route_map_entries;  // owned entries, as far as RouteMapEntry can say
  std::vector<std::string> route_maps_present;   // names of all route-maps seen
  // Every node under what we own, as FRR holds it: each owned prefix-list, its entries and their leaves,
  // each owned route-map entry and everything below it. Lists and containers carry "", leaves their
  // value; leaves at their YANG default are left out. diff() writes only what differs from these and
  // deletes whatever `want` does not hold, including what FrrState cannot express (a deny action, a
  // set metric, ge/le bounds), so FRR ends up holding exactly what we want.
  std::vector<PathValue> owned_nodes;
  // XPaths of prefix-lists and route-map entries that exist but are not ours: a wanted one with the
  // same path is a conflict, never a takeover.
  std::vector<std::string> foreign_paths;
};

// json = the text Get returned for "/frr-routing:routing" on staticd (FRR appends the following
// siblings, e.g. "frr-vrf:lib"; "{}" when nothing is configured).
std::variant<StaticdObserved, std::string> parse_staticd(std::string_view json, const Ownership& ownership,
                                                         StaticdSchema schema);

// route_maps_json = Get "/frr-route-map:lib", filter_json = Get "/frr-filter:lib", both on bgpd.
std::variant<BgpdObserved, std::string> parse_bgpd(std::string_view route_maps_json,
                                                   std::string_view filter_json, const Ownership& ownership);

}  // namespace wgfo::frr

// The (observed, wanted) -> Edit diff (see diff.hpp for the rules). staticd is diffed on typed routes,
// grouped by route-list, because its delete rules depend on siblings; bgpd is diffed on paths: the
// wanted leaves (xpath.hpp builders) against every observed node under what we own, which also removes
// whatever FrrState cannot express.

#include "frr-integration/diff.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "frr-integration/xpath.hpp"

namespace wgfo::frr {
namespace {

using RouteListKey = std::pair<std::string, IpPrefix>;  // (vrf, prefix)

RouteListKey route_list_of(const StaticRoute& r) {
  return {r.vrf, r.prefix};
}

std::string route_label(const StaticRoute& r) {
  std::string s = "route " + r.prefix.to_string() + " distance " + std::to_string(r.distance);
  if (r.vrf != "default") s += " vrf " + r.vrf;
  return s;
}

bool contains(const std::vector<Nexthop>& v, const Nexthop& nh) {
  return std::find(v.begin(), v.end(), nh) != v.end();
}

// Everything observed and wanted in one route-list.
struct Group {
  std::map<std::uint8_t, const StaticRoute*> owned;    // by distance
  std::map<std::uint8_t, const StaticRoute*> foreign;  // by distance (table 0)
  std::size_t other_tables = 0;
  std::map<std::uint8_t, const StaticRoute*> wanted;  // by distance, conflicts removed
};

// 8.4 / 10.3: path-lists keyed by distance, nexthops below them.
void diff_path_lists(StaticdSchema schema, const Group& g, Edit& edit) {
  for (const auto& [distance, w] : g.wanted) {
    const auto it = g.owned.find(distance);
    if (it == g.owned.end()) {
      const auto ups = static_route_updates(schema, *w);
      edit.update.insert(edit.update.end(), ups.begin(), ups.end());
      continue;
    }
    const StaticRoute& h = *it->second;
    if (h.tag != w->tag)
      edit.update.push_back({tag_xpath(schema, *w, w->nexthops.front()), std::to_string(w->tag)});
    for (const Nexthop& nh : w->nexthops) {
      if (contains(h.nexthops, nh)) continue;
      const auto ups = nexthop_updates(schema, *w, nh);
      edit.update.insert(edit.update.end(), ups.begin(), ups.end());
    }
    // The path-list keeps w's nexthops (updates run first), so the old ones go one by one.
    for (const Nexthop& nh : h.nexthops) {
      if (!contains(w->nexthops, nh)) edit.remove.push_back({nexthop_xpath(schema, h, nh), ""});
    }
  }
  const std::size_t staying = g.foreign.size() + g.other_tables + g.wanted.size();
  bool route_list_deleted = false;
  for (const auto& [distance, h] : g.owned) {
    if (g.wanted.count(distance) != 0) continue;
    if (staying > 0) {
      edit.remove.push_back({path_list_xpath(schema, *h), ""});
    } else if (!route_list_deleted) {
      edit.remove.push_back({route_list_xpath(schema, *h), ""});
      route_list_deleted = true;
    }
  }
}

// 10.7: one path-list entry per nexthop, keyed by the nexthop; distance and tag are its leaves.
void diff_nexthop_entries(const Group& g, Edit& edit) {
  constexpr StaticdSchema kSchema = StaticdSchema::Frr10_7;
  std::map<Nexthop, const StaticRoute*> have;  // our entries in this route-list, by nexthop
  for (const auto& [distance, h] : g.owned) {
    for (const Nexthop& nh : h->nexthops) have.emplace(nh, h);
  }
  std::set<Nexthop> wanted;
  for (const auto& [distance, w] : g.wanted) {
    for (const Nexthop& nh : w->nexthops) {
      wanted.insert(nh);
      const auto it = have.find(nh);
      if (it == have.end()) {
        const auto ups = nexthop_updates(kSchema, *w, nh);
        edit.update.insert(edit.update.end(), ups.begin(), ups.end());
        continue;
      }
      if (it->second->distance != w->distance)
        edit.update.push_back({distance_xpath(*w, nh), std::to_string(w->distance)});
      if (it->second->tag != w->tag)
        edit.update.push_back({tag_xpath(kSchema, *w, nh), std::to_string(w->tag)});
    }
  }
  std::size_t staying = g.other_tables + wanted.size();
  for (const auto& [distance, f] : g.foreign) staying += f->nexthops.size();
  bool route_list_deleted = false;
  for (const auto& [nh, h] : have) {
    if (wanted.count(nh) != 0) continue;
    if (staying > 0) {
      edit.remove.push_back({nexthop_xpath(kSchema, *h, nh), ""});
    } else if (!route_list_deleted) {
      edit.remove.push_back({route_list_xpath(kSchema, *h), ""});
      route_list_deleted = true;
    }
  }
}

// The operator's path-lists (without our tag) by route-list, built once per diff: an operator may hold
// thousands of statics, and every wanted route asks.
using ForeignIndex = std::map<RouteListKey, std::vector<const StaticRoute*>>;
ForeignIndex foreign_index(const StaticdObserved& have) {
  ForeignIndex index;
  for (const StaticRoute& f : have.foreign) index[route_list_of(f)].push_back(&f);
  return index;
}

// Whether an operator's path-list holds the key `r` would be written at.
bool held_by_operator(const ForeignIndex& foreign, const StaticRoute& r, StaticdSchema schema) {
  const auto it = foreign.find(route_list_of(r));
  if (it == foreign.end()) return false;
  for (const StaticRoute* f : it->second) {
    if (f->distance == r.distance) return true;
    // In 10.7 a nexthop is a key of its own: an operator's entry holds it at whatever distance.
    if (schema == StaticdSchema::Frr10_7 &&
        std::any_of(r.nexthops.begin(), r.nexthops.end(),
                    [&](const Nexthop& nh) { return contains(f->nexthops, nh); }))
      return true;
  }
  return false;
}

void diff_staticd(const StaticdObserved& have, const FrrState& want, StaticdSchema schema, Plan& plan) {
  std::map<RouteListKey, Group> groups;
  for (const StaticRoute& r : have.owned) groups[route_list_of(r)].owned.emplace(r.distance, &r);
  for (const StaticRoute& r : have.foreign) groups[route_list_of(r)].foreign.emplace(r.distance, &r);
  for (const StaticRoute& r : have.other_tables) ++groups[route_list_of(r)].other_tables;
  const ForeignIndex foreign = foreign_index(have);
  for (const StaticRoute& r : want.routes) {
    if (r.nexthops.empty()) continue;  // validate() refuses it; FRR needs at least one nexthop
    if (held_by_operator(foreign, r, schema)) {
      plan.conflicts.push_back(route_label(r) +
                               ": an operator route (without our tag) holds this key; not written");
      continue;
    }
    groups[route_list_of(r)].wanted.emplace(r.distance, &r);
  }
  for (const auto& [key, g] : groups) {
    if (schema == StaticdSchema::Frr10_7) {
      diff_nexthop_entries(g, plan.staticd);
    } else {
      diff_path_lists(schema, g, plan.staticd);
    }
  }
}

bool is_at_or_below(const std::string& path, const std::string& ancestor) {
  return path.size() >= ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
         (path.size() == ancestor.size() || path[ancestor.size()] == '/');
}

void diff_bgpd(const BgpdObserved& have, const FrrState& want, Plan& plan) {
  const std::set<std::string> foreign(have.foreign_paths.begin(), have.foreign_paths.end());
  std::vector<PathValue> desired;
  for (const PrefixList& pl : want.prefix_lists) {
    if (foreign.count(prefix_list_xpath(pl.family, pl.name)) != 0) {
      plan.conflicts.push_back("prefix-list " + pl.name + ": exists and is not ours; not written");
      continue;
    }
    const auto ups = prefix_list_updates(pl);
    desired.insert(desired.end(), ups.begin(), ups.end());
  }
  for (const RouteMapEntry& e : want.route_map_entries) {
    if (foreign.count(route_map_entry_xpath(e.map, e.sequence)) != 0) {
      plan.conflicts.push_back("route-map " + e.map + " entry " + std::to_string(e.sequence) +
                               ": exists and is not ours; not written");
      continue;
    }
    const auto ups = route_map_entry_updates(e);
    desired.insert(desired.end(), ups.begin(), ups.end());
  }
  std::map<std::string, std::string> observed;
  for (const PathValue& n : have.owned_nodes) observed.emplace(n.path, n.value);
  std::set<std::string> desired_paths;
  for (const PathValue& d : desired) {
    desired_paths.insert(d.path);
    const auto it = observed.find(d.path);
    if (it == observed.end() || it->second != d.value) plan.bgpd.update.push_back(d);
  }
  // A node stays if something wanted is at or below it; otherwise it is deleted, once, at the highest
  // unwanted node (its descendants go with it and must not be named again).
  std::vector<std::string> deleted;
  for (const auto& [path, value] : observed) {
    const bool under_deleted = std::any_of(deleted.begin(), deleted.end(),
                                           [&](const std::string& d) { return is_at_or_below(path, d); });
    if (under_deleted) continue;
    bool needed = false;
    for (auto it = desired_paths.lower_bound(path);
         !needed && it != desired_paths.end() && it->compare(0, path.size(), path) == 0; ++it) {
      needed = is_at_or_below(*it, path);
    }
    if (needed) continue;
    plan.bgpd.remove.push_back({path, ""});
    deleted.push_back(path);
  }
}

void sort_edit(Edit& edit) {
  auto by_path = [](const PathValue& a, const PathValue& b) { return a.path < b.path; };
  auto same = [](const PathValue& a, const PathValue& b) { return a.path == b.path; };
  for (auto* v : {&edit.update, &edit.remove}) {
    std::stable_sort(v->begin(), v->end(), by_path);
    v->erase(std::unique(v->begin(), v->end(), same), v->end());
  }
}

}  // namespace

Plan diff(const StaticdObserved& have_static, const BgpdObserved& have_bgp, const FrrState& want,
          StaticdSchema schema) {
  Plan plan;
  diff_staticd(have_static, want, schema, plan);
  diff_bgpd(have_bgp, want, plan);
  sort_edit(plan.staticd);
  sort_edit(plan.bgpd);
  return plan;
}

std::vector<Edit> staticd_steps(const StaticdObserved& have, const FrrState& want, StaticdSchema schema) {
  using PathKey = std::tuple<std::string, IpPrefix, std::uint8_t>;  // (vrf, prefix, distance)
  const auto path_key = [](const StaticRoute& r) { return PathKey{r.vrf, r.prefix, r.distance}; };
  // What will be written at all: diff() leaves out the same routes (and reports them).
  std::vector<StaticRoute> wanted;
  std::map<RouteListKey, std::set<Nexthop>> kept;  // the nexthops each route-list keeps
  const ForeignIndex foreign = foreign_index(have);
  for (const StaticRoute& r : want.routes) {
    if (r.nexthops.empty() || held_by_operator(foreign, r, schema)) continue;
    wanted.push_back(r);
    kept[route_list_of(r)].insert(r.nexthops.begin(), r.nexthops.end());
  }
  const auto keeps = [&](const StaticRoute& r, const Nexthop& nh) {
    const auto it = kept.find(route_list_of(r));
    return it != kept.end() && it->second.contains(nh);
  };

  // 1. withdraw: what is owned, less the nexthops that leave their route-list. A wanted route-list of
  // which nothing would stay (every nexthop replaced, no kill switch) is swapped in step 2 instead, in
  // one transaction: withdrawn on its own it would have no route at all for a step and traffic would
  // take a less specific one.
  std::map<RouteListKey, std::set<Nexthop>> staying_nexthops;
  for (const StaticRoute& r : have.owned) {
    for (const Nexthop& nh : r.nexthops) {
      if (keeps(r, nh)) staying_nexthops[route_list_of(r)].insert(nh);
    }
  }
  const auto swapped = [&](const StaticRoute& r) {
    return kept.contains(route_list_of(r)) && !staying_nexthops.contains(route_list_of(r));
  };
  std::vector<StaticRoute> staying;
  for (const StaticRoute& r : have.owned) {
    StaticRoute s = r;
    if (!swapped(r)) std::erase_if(s.nexthops, [&](const Nexthop& nh) { return !keeps(r, nh); });
    if (!s.nexthops.empty()) staying.push_back(std::move(s));
  }
  // 2. make: the staying paths with the wanted path-lists beside them. Only additions: a path-list at a
  // free distance, or nexthops joining one whose nexthops all stay. A path-list that also loses one
  // (another tunnel at that distance now) changes in step 3, in one piece: grown here it would spread
  // traffic over the old and the new tunnel, and the prefix has its better paths meanwhile anyway.
  std::map<PathKey, StaticRoute> both;
  for (const StaticRoute& r : staying) {
    if (!swapped(r)) both.emplace(path_key(r), r);
  }
  for (const StaticRoute& w : wanted) {
    auto [it, fresh] = both.try_emplace(path_key(w), w);
    StaticRoute& m = it->second;
    if (fresh) {
      m.nexthops.clear();
    } else if (!std::all_of(m.nexthops.begin(), m.nexthops.end(),
                            [&](const Nexthop& nh) { return contains(w.nexthops, nh); })) {
      continue;
    }
    m.tag = w.tag;
    for (const Nexthop& nh : w.nexthops) {
      if (contains(m.nexthops, nh)) continue;
      // 10.7 holds a nexthop once per route-list: one staying at another distance moves by its
      // distance leaf in step 3, in place.
      if (schema == StaticdSchema::Frr10_7 && staying_nexthops[route_list_of(w)].contains(nh)) continue;
      m.nexthops.push_back(nh);
    }
    if (m.nexthops.empty()) both.erase(it);
  }
  std::vector<StaticRoute> made;
  for (auto& [key, r] : both) made.push_back(std::move(r));

  // 3. break: from there to exactly what is wanted. Each step is diffed from the state the one before
  // leaves, so deletes name only what exists then.
  const auto step = [&](const std::vector<StaticRoute>& from, std::vector<StaticRoute> to) {
    StaticdObserved at = have;
    at.owned = from;
    FrrState target;
    target.routes = std::move(to);
    return diff(at, BgpdObserved{}, target, schema).staticd;
  };
  std::vector<Edit> steps;
  for (Edit e : {step(have.owned, staying), step(staying, made), step(made, wanted)}) {
    if (!e.empty()) steps.push_back(std::move(e));
  }
  return steps;
}

}  // namespace wgfo::frr

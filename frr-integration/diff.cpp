// The (observed, wanted) -> Edit diff (see diff.hpp for the rules). staticd is diffed on typed routes,
// grouped by route-list, because its delete rules depend on siblings; bgpd is diffed on paths: the
// wanted leaves (xpath.hpp builders) against every observed node under what we own, which also removes
// whatever FrrState cannot express.

#include "frr-integration/diff.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>
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

namespace {

// The path-lists (ours and the operator's) of one route-list by distance, as forwarding sees them: the
// selected path is the lowest distance with a nexthop.
using Layout = std::map<std::uint8_t, std::set<Nexthop>>;
Layout layout_of(const std::vector<StaticRoute>& owned, const std::vector<StaticRoute>& foreign) {
  Layout l;
  for (const auto* v : {&owned, &foreign}) {
    for (const StaticRoute& r : *v) l[r.distance].insert(r.nexthops.begin(), r.nexthops.end());
  }
  std::erase_if(l, [](const auto& e) { return e.second.empty(); });
  return l;
}
std::set<Nexthop> selected(const Layout& l) {
  return l.empty() ? std::set<Nexthop>{} : l.begin()->second;
}

// Whether `s` is acceptable as the selected path on the way from a route-list's old best path `was` to
// its new one `will`: one of them, or part of one (an ECMP set while it shrinks or grows).
bool acceptable(const std::set<Nexthop>& s, const std::set<Nexthop>& was, const std::set<Nexthop>& will) {
  return !s.empty() && (std::includes(was.begin(), was.end(), s.begin(), s.end()) ||
                        std::includes(will.begin(), will.end(), s.begin(), s.end()));
}

// Whether every state FRR can pass through on the way from `a` to `b` in one transaction selects an
// acceptable path. FRR 8.4 sends zebra every delete of a transaction before any create (staticd
// installs in apply_finish), in an order we do not control: first any subset of the deletes, then of
// the creates. A route-list with a path before and after must have one throughout.
bool transition_ok(const Layout& a, const Layout& b, const std::set<Nexthop>& was,
                   const std::set<Nexthop>& will) {
  Layout common;  // what no delete touches
  for (const auto& [d, nhs] : a) {
    const auto it = b.find(d);
    if (it == b.end()) continue;
    std::set<Nexthop> both;
    std::set_intersection(nhs.begin(), nhs.end(), it->second.begin(), it->second.end(),
                          std::inserter(both, both.end()));
    if (!both.empty()) common.emplace(d, std::move(both));
  }
  if (common.empty()) return a.empty() || b.empty();
  const std::uint8_t floor = common.begin()->first;  // nothing at or above it can surface
  for (const Layout* l : {&a, &b}) {
    for (auto it = l->begin(); it != l->end() && it->first <= floor; ++it) {
      if (!acceptable(it->second, was, will)) return false;
    }
  }
  return true;
}

// One route-list's way through the steps (owned path-lists only; the operator's never change).
struct RouteListPlan {
  std::vector<StaticRoute> have, wanted, foreign;
};

// make: `base` with the wanted path-lists beside it. Only additions: a path-list at a free distance, or
// nexthops joining one whose nexthops are all wanted there. A path-list that also loses one (another
// tunnel at that distance now) changes in the break step, in one piece: grown here it would spread
// traffic over the old and the new tunnel.
std::vector<StaticRoute> make(const std::vector<StaticRoute>& base, const std::vector<StaticRoute>& wanted,
                              StaticdSchema schema) {
  std::map<std::uint8_t, StaticRoute> both;
  std::set<Nexthop> present;
  for (const StaticRoute& r : base) {
    both.emplace(r.distance, r);
    present.insert(r.nexthops.begin(), r.nexthops.end());
  }
  for (const StaticRoute& w : wanted) {
    auto [it, fresh] = both.try_emplace(w.distance, w);
    StaticRoute& m = it->second;
    if (fresh) {
      m.nexthops.clear();
    } else if (!std::all_of(m.nexthops.begin(), m.nexthops.end(),
                            [&](const Nexthop& nh) { return contains(w.nexthops, nh); })) {
      continue;
    }
    m.tag = w.tag;
    for (const Nexthop& nh : w.nexthops) {
      // 10.7 holds a nexthop once per route-list: one present at another distance moves by its
      // distance leaf in the break step, in place.
      if (contains(m.nexthops, nh) || (schema == StaticdSchema::Frr10_7 && present.contains(nh))) continue;
      m.nexthops.push_back(nh);
    }
    if (m.nexthops.empty()) both.erase(it);
  }
  std::vector<StaticRoute> out;
  for (auto& [distance, r] : both) out.push_back(std::move(r));
  return out;
}

// The lead: the wanted best path at a distance below everything of ours, so that it is selected from
// the first step on and every later change happens behind it. At its own distance if that is free and
// already lowest; else the highest free distance below ours. None if there is no room (or the best path
// at the end is the operator's, which no change of ours decides).
std::optional<StaticRoute> lead_of(const RouteListPlan& p) {
  if (p.wanted.empty()) return std::nullopt;
  const StaticRoute& front = *std::min_element(
      p.wanted.begin(), p.wanted.end(), [](const auto& x, const auto& y) { return x.distance < y.distance; });
  std::set<std::uint8_t> taken;
  for (const auto* v : {&p.have, &p.wanted, &p.foreign}) {
    for (const StaticRoute& r : *v) taken.insert(r.distance);
  }
  for (const StaticRoute& f : p.foreign) {
    if (f.distance < front.distance) return std::nullopt;
  }
  StaticRoute lead = front;
  if (*taken.begin() == front.distance &&
      std::none_of(p.have.begin(), p.have.end(), [&](const auto& r) { return r.distance == front.distance; }))
    return lead;
  if (*taken.begin() <= 1) return std::nullopt;
  lead.distance = static_cast<std::uint8_t>(*taken.begin() - 1);
  return lead;
}

// The owned states of one route-list from `have` to `wanted` (see staticd_steps in diff.hpp); each
// consecutive pair becomes one transaction.
std::vector<std::vector<StaticRoute>> route_list_states(const RouteListPlan& p, StaticdSchema schema) {
  std::set<Nexthop> kept;
  for (const StaticRoute& r : p.wanted) kept.insert(r.nexthops.begin(), r.nexthops.end());
  std::vector<StaticRoute> staying;  // withdraw: less the nexthops that leave the route-list
  for (StaticRoute s : p.have) {
    std::erase_if(s.nexthops, [&](const Nexthop& nh) { return !kept.contains(nh); });
    if (!s.nexthops.empty()) staying.push_back(std::move(s));
  }
  // Of a wanted route-list of which nothing stays, nothing is withdrawn alone: it would have no route
  // for a step and its traffic would take a less specific one. It is swapped whole in the make step.
  const bool swapped = !p.wanted.empty() && staying.empty();
  const auto& first = swapped ? p.have : staying;
  std::vector<std::vector<StaticRoute>> plain{
      p.have, first, make(swapped ? std::vector<StaticRoute>{} : first, p.wanted, schema), p.wanted,
      p.wanted};
  if (schema == StaticdSchema::Frr10_7) return plain;  // distances move in place there

  std::vector<Layout> layouts;  // plain's states as forwarding sees them: from have to wanted
  for (const auto& state : plain) layouts.push_back(layout_of(state, p.foreign));
  const auto was = selected(layouts.front()), will = selected(layouts.back());
  bool plain_ok = true;
  for (std::size_t i = 0; plain_ok && i + 1 < layouts.size(); ++i) {
    plain_ok = transition_ok(layouts[i], layouts[i + 1], was, will);
  }
  const auto lead = plain_ok ? std::nullopt : lead_of(p);
  if (!lead) return plain;
  const auto with_lead = [&](std::vector<StaticRoute> v) {
    if (std::none_of(v.begin(), v.end(), [&](const auto& r) { return r.distance == lead->distance; }))
      v.push_back(*lead);
    return v;
  };
  const auto lead_and_staying = with_lead(staying);
  return {p.have, with_lead(p.have), make(lead_and_staying, p.wanted, schema), with_lead(p.wanted), p.wanted};
}

}  // namespace

std::vector<Edit> staticd_steps(const StaticdObserved& have, const FrrState& want, StaticdSchema schema) {
  // What will be written at all: diff() leaves out the same routes (and reports them).
  std::map<RouteListKey, RouteListPlan> plans;
  const ForeignIndex foreign = foreign_index(have);
  for (const StaticRoute& r : want.routes) {
    if (r.nexthops.empty() || held_by_operator(foreign, r, schema)) continue;
    plans[route_list_of(r)].wanted.push_back(r);
  }
  for (const StaticRoute& r : have.owned) plans[route_list_of(r)].have.push_back(r);
  for (auto& [key, p] : plans) {
    if (const auto it = foreign.find(key); it != foreign.end()) {
      for (const StaticRoute* f : it->second) p.foreign.push_back(*f);
    }
  }
  std::vector<std::vector<StaticRoute>> states(5);
  for (const auto& [key, p] : plans) {
    const auto mine = route_list_states(p, schema);
    for (std::size_t i = 0; i < states.size(); ++i)
      states[i].insert(states[i].end(), mine[i].begin(), mine[i].end());
  }
  // Each step is diffed from the state the one before leaves, so deletes name only what exists then.
  std::vector<Edit> steps;
  for (std::size_t i = 0; i + 1 < states.size(); ++i) {
    StaticdObserved at = have;
    at.owned = states[i];
    FrrState target;
    target.routes = states[i + 1];
    Edit e = diff(at, BgpdObserved{}, target, schema).staticd;
    if (!e.empty()) steps.push_back(std::move(e));
  }
  return steps;
}

}  // namespace wgfo::frr

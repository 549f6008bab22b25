// staticd_steps() against every state FRR 8.4 can pass through. A model route-list applies each step's
// Edit the way staticd hands it to zebra: any subset of its deletes first, then any subset of its
// creates (on top of all deletes). In every such state the selected path (lowest distance with a
// nexthop) must be the old best path or the new one, never another tunnel, the blackhole in place of a
// tunnel or no route at all; and the last step must end exactly where diff() does. Random layouts of 4
// tunnels at distances 10..40 (gaps for down tunnels) and a kill switch, like route intent writes them.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <sstream>

#include "frr-integration/diff.hpp"
#include "tests/frr-integration/frr_test_util.hpp"

namespace wgfo::frr {
namespace {

using namespace test_util;
using Model = std::map<int, std::set<std::string>>;  // distance -> nexthops (their xpath suffix)

// (distance or -1 for the whole route-list, nexthop suffix or "" for the whole path-list)
std::pair<int, std::string> parse(const std::string& path) {
  const auto d = path.find("[distance='");
  if (d == std::string::npos) return {-1, ""};
  const int distance = std::stoi(path.substr(d + 11));
  const std::string list = "/frr-nexthops/nexthop";
  const auto nh = path.find(list);
  if (nh == std::string::npos) return {distance, ""};
  // The nexthop's keys only: a leaf below it (bh-type) names the same nexthop.
  return {distance, path.substr(nh, path.find('/', nh + list.size()) - nh)};
}

void apply_delete(Model& m, const PathValue& pv) {
  const auto [distance, nh] = parse(pv.path);
  if (distance < 0) {
    m.clear();
  } else if (nh.empty()) {
    m.erase(distance);
  } else if (m[distance].erase(nh) == 0 || m[distance].empty()) {
    m.erase(distance);
  }
}

void apply_update(Model& m, const PathValue& pv) {
  const auto [distance, nh] = parse(pv.path);
  if (!nh.empty()) m[distance].insert(nh);  // a tag leaf alone installs nothing
}

std::set<std::string> selected(const Model& m) {
  return m.empty() ? std::set<std::string>{} : m.begin()->second;
}

Model model_of(const std::vector<StaticRoute>& routes) {
  StaticdObserved none;
  FrrState w;
  w.routes = routes;
  Model m;
  for (const PathValue& pv : diff(none, BgpdObserved{}, w, StaticdSchema::Frr8_4).staticd.update)
    apply_update(m, pv);
  return m;
}

std::vector<StaticRoute> random_layout(std::mt19937& rng) {
  std::vector<int> tunnels{0, 1, 2, 3};
  std::shuffle(tunnels.begin(), tunnels.end(), rng);
  std::vector<StaticRoute> out;
  for (std::size_t p = 0; p < tunnels.size(); ++p) {
    if (rng() % 4 == 0) continue;  // down: its slot stays empty
    out.push_back(route("10.20.0.0/24", static_cast<std::uint8_t>(10 * (p + 1)),
                        {Nexthop::via_interface("wg" + std::to_string(tunnels[p]))}));
  }
  if (rng() % 3 != 0) out.push_back(route("10.20.0.0/24", 250, {Nexthop::blackhole()}));
  return out;
}

std::string show(const Model& m) {
  std::ostringstream os;
  for (const auto& [d, nhs] : m) {
    os << d << ":";
    for (const auto& nh : nhs) {
      const auto i = nh.find("[interface='") + 12;
      os << nh.substr(i, nh.find('\'', i) - i) << " ";
    }
  }
  return os.str();
}

TEST(StaticdStepsProperty, EveryStateOnTheWaySelectsTheOldOrTheNewBestPath) {
  std::mt19937 rng(20261203);
  int with_lead = 0;
  for (int round = 0; round < 3000; ++round) {
    StaticdObserved have;
    have.owned = random_layout(rng);
    FrrState want;
    want.routes = random_layout(rng);
    const Model start = model_of(have.owned), end = model_of(want.routes);
    const auto was = selected(start), will = selected(end);
    const auto steps = staticd_steps(have, want, StaticdSchema::Frr8_4);
    SCOPED_TRACE("from " + show(start) + " to " + show(end));
    Model at = start;
    for (const Edit& e : steps) {
      for (const PathValue& pv : e.update) with_lead += parse(pv.path).first == 9 ? 1 : 0;
      ASSERT_LE(e.remove.size(), 12U);
      ASSERT_LE(e.update.size(), 12U);
      const auto check = [&](const Model& m, const char* phase) {
        const auto s = selected(m);
        if (start.empty() || end.empty()) return;  // a route that appears or goes: nothing to keep
        EXPECT_TRUE(s == was || s == will) << phase << ": " << show(m);
      };
      // Every subset of `list` applied on top of `at`, checked; then all of it, for the next phase.
      const auto every_subset = [&](const std::vector<PathValue>& list,
                                    void (*apply)(Model&, const PathValue&), const char* phase) {
        for (unsigned mask = 0; mask < (1U << list.size()); ++mask) {
          Model m = at;
          for (std::size_t i = 0; i < list.size(); ++i) {
            if (mask & (1U << i)) apply(m, list[i]);
          }
          check(m, phase);
        }
        for (const PathValue& pv : list) apply(at, pv);
      };
      every_subset(e.remove, apply_delete, "deletes");
      every_subset(e.update, apply_update, "creates");
    }
    EXPECT_EQ(show(at), show(end));
  }
  EXPECT_GT(with_lead, 100);  // the lead is exercised, not just the plain steps
}

}  // namespace
}  // namespace wgfo::frr

// diff(): golden edits for each kind of change (add, remove with and without a foreign sibling, ECMP
// add/remove, distance move, tag flip, conflicts, prefix-list and route-map changes, unmodelled children),
// on hand-built observed states and on the states parsed from real FRR 8.4 replies (data/).

#include "frr-integration/diff.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/frr-integration/frr_test_util.hpp"

#include <fstream>
#include <sstream>

#include "frr-integration/xpath.hpp"

namespace wgfo::frr {
namespace {

using namespace test_util;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kP =
    "/frr-routing:routing/control-plane-protocols/control-plane-protocol[type='frr-staticd:staticd']"
    "[name='staticd'][vrf='default']/frr-staticd:staticd";
const std::string kRl20 = kP + "/route-list[prefix='10.20.0.0/16'][afi-safi='frr-routing:ipv4-unicast']";
const std::string kWg0 =
    "/frr-nexthops/nexthop[nh-type='ifindex'][vrf='default'][gateway=''][interface='wg0']";
const std::string kWg1 =
    "/frr-nexthops/nexthop[nh-type='ifindex'][vrf='default'][gateway=''][interface='wg1']";
std::string pl20(int distance) {
  return kRl20 + "/path-list[table-id='0'][distance='" + std::to_string(distance) + "']";
}

Plan static_diff(const StaticdObserved& have, std::vector<StaticRoute> want,
                 StaticdSchema schema = StaticdSchema::Frr8_4) {
  FrrState w;
  w.routes = std::move(want);
  return diff(have, BgpdObserved{}, w, schema);
}

TEST(DiffStaticd, AddRoute) {
  const auto plan = static_diff({}, {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")})});
  EXPECT_THAT(plan.staticd.update,
              ElementsAre(PathValue{pl20(10) + kWg0, ""}, PathValue{pl20(10) + "/tag", "4242"}));
  EXPECT_THAT(plan.staticd.remove, IsEmpty());
  EXPECT_TRUE(plan.bgpd.empty());
  EXPECT_THAT(plan.conflicts, IsEmpty());
}

TEST(DiffStaticd, RemoveLastRouteDeletesTheRouteList) {
  StaticdObserved have;
  have.owned = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")})};
  const auto plan = static_diff(have, {});
  EXPECT_THAT(plan.staticd.update, IsEmpty());
  EXPECT_THAT(plan.staticd.remove, ElementsAre(PathValue{kRl20, ""}));
}

TEST(DiffStaticd, RemoveTwoOfOursDeletesTheRouteListOnce) {
  StaticdObserved have;
  have.owned = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")}),
                route("10.20.0.0/16", 250, {Nexthop::blackhole()})};
  EXPECT_THAT(static_diff(have, {}).staticd.remove, ElementsAre(PathValue{kRl20, ""}));
}

TEST(DiffStaticd, RemoveRouteBesideAForeignPathListDeletesOnlyOurPathList) {
  StaticdObserved have;
  have.owned = {route("10.20.0.0/16", 20, {Nexthop::via_interface("wg1")})};
  have.foreign = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")}, 0)};
  const auto plan = static_diff(have, {});
  EXPECT_THAT(plan.staticd.remove, ElementsAre(PathValue{pl20(20), ""}));
  EXPECT_THAT(plan.staticd.update, IsEmpty());
}

TEST(DiffStaticd, PathListInAnotherTableKeepsTheRouteList) {
  StaticdObserved have;
  have.owned = {route("10.20.0.0/16", 20, {Nexthop::via_interface("wg1")})};
  have.other_tables = {route("10.20.0.0/16", 20, {}, 0)};
  EXPECT_THAT(static_diff(have, {}).staticd.remove, ElementsAre(PathValue{pl20(20), ""}));
}

TEST(DiffStaticd, EcmpAddAndRemoveOneNexthop) {
  StaticdObserved have;
  have.owned = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")})};
  const auto add = static_diff(
      have, {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0"), Nexthop::via_interface("wg1")})});
  EXPECT_THAT(add.staticd.update, ElementsAre(PathValue{pl20(10) + kWg1, ""}));
  EXPECT_THAT(add.staticd.remove, IsEmpty());

  have.owned = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0"), Nexthop::via_interface("wg1")})};
  const auto remove = static_diff(have, {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg1")})});
  EXPECT_THAT(remove.staticd.update, IsEmpty());
  EXPECT_THAT(remove.staticd.remove, ElementsAre(PathValue{pl20(10) + kWg0, ""}));
}

TEST(DiffStaticd, ReplaceTheOnlyNexthopIsUpdateThenDelete) {
  StaticdObserved have;
  have.owned = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")})};
  const auto plan = static_diff(have, {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg1")})});
  EXPECT_THAT(plan.staticd.update, ElementsAre(PathValue{pl20(10) + kWg1, ""}));
  EXPECT_THAT(plan.staticd.remove, ElementsAre(PathValue{pl20(10) + kWg0, ""}));
}

TEST(DiffStaticd, MoveNexthopToAnotherDistance) {
  StaticdObserved have;
  have.owned = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")})};
  const auto plan = static_diff(have, {route("10.20.0.0/16", 20, {Nexthop::via_interface("wg0")})});
  EXPECT_THAT(plan.staticd.update,
              ElementsAre(PathValue{pl20(20) + kWg0, ""}, PathValue{pl20(20) + "/tag", "4242"}));
  EXPECT_THAT(plan.staticd.remove, ElementsAre(PathValue{pl20(10), ""}));
}

TEST(DiffStaticd, TagFlipUpdatesOnlyTheTag) {
  StaticdObserved have;
  have.owned = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")}, 4243)};
  const auto plan = static_diff(have, {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")}, 4242)});
  EXPECT_THAT(plan.staticd.update, ElementsAre(PathValue{pl20(10) + "/tag", "4242"}));
  EXPECT_THAT(plan.staticd.remove, IsEmpty());
}

TEST(DiffStaticd, ForeignKeyIsAConflictNotATakeover) {
  StaticdObserved have;
  have.foreign = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")}, 0)};
  const auto plan = static_diff(have, {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg1")}),
                                       route("10.20.0.0/16", 250, {Nexthop::blackhole()})});
  EXPECT_THAT(plan.conflicts, ElementsAre(HasSubstr("route 10.20.0.0/16 distance 10: an operator route")));
  // The other distance is still written, the operator's path-list is never named.
  EXPECT_THAT(
      plan.staticd.update,
      ElementsAre(
          PathValue{pl20(250) + "/frr-nexthops/nexthop[nh-type='blackhole'][vrf='default'][gateway='']"
                                "[interface='(null)']/bh-type",
                    "null"},
          PathValue{pl20(250) + "/tag", "4242"}));
  EXPECT_THAT(plan.staticd.remove, IsEmpty());
}

TEST(DiffStaticd, Frr107MovesADistanceByItsLeaf) {
  StaticdObserved have;
  have.owned = {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0"), Nexthop::via_interface("wg1")})};
  const auto plan = static_diff(have,
                                {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")}),
                                 route("10.20.0.0/16", 20, {Nexthop::via_interface("wg1")})},
                                StaticdSchema::Frr10_7);
  const std::string rl =
      kP + "/route-list[prefix='10.20.0.0/16'][src-prefix='::/0'][afi-safi='frr-routing:ipv4-unicast']";
  EXPECT_THAT(
      plan.staticd.update,
      ElementsAre(PathValue{rl + "/path-list[table-id='0'][nh-type='ifindex'][vrf='default'][gateway='']"
                                 "[interface='wg1']/distance",
                            "20"}));
  EXPECT_THAT(plan.staticd.remove, IsEmpty());
  const auto gone =
      static_diff(have, {route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")})}, StaticdSchema::Frr10_7);
  EXPECT_THAT(
      gone.staticd.remove,
      ElementsAre(PathValue{rl + "/path-list[table-id='0'][nh-type='ifindex'][vrf='default'][gateway='']"
                                 "[interface='wg1']",
                            ""}));
  EXPECT_THAT(static_diff(have, {}, StaticdSchema::Frr10_7).staticd.remove, ElementsAre(PathValue{rl, ""}));
}

Ownership ownership() {
  Ownership o;
  o.route_tags = {4242};
  o.route_maps = {"WG-FAILOVER"};
  o.max_sequence = 65000;
  return o;
}

TEST(DiffReal, AdoptingWhatAlreadyMatchesIsAnEmptyPlan) {
  const auto have = std::get<StaticdObserved>(
      parse_staticd(data("staticd_routing.json"), ownership(), StaticdSchema::Frr8_4));
  Ownership narrow = ownership();
  narrow.max_sequence = 25;              // entries 10 and 20 only
  narrow.prefix_list_prefix = "WGFO-V";  // WGFO-V4 and WGFO-V6 only
  const auto bgp =
      std::get<BgpdObserved>(parse_bgpd(data("bgpd_route_map.json"), data("bgpd_filter.json"), narrow));
  FrrState want;
  want.routes = have.owned;
  want.prefix_lists = bgp.prefix_lists;
  want.route_map_entries = bgp.route_map_entries;
  const auto plan = diff(have, bgp, want, StaticdSchema::Frr8_4);
  EXPECT_TRUE(plan.staticd.empty());
  EXPECT_TRUE(plan.bgpd.empty()) << (plan.bgpd.update.empty() ? plan.bgpd.remove[0].path
                                                              : plan.bgpd.update[0].path);
  EXPECT_THAT(plan.conflicts, IsEmpty());
}

TEST(DiffReal, WithdrawEverythingLeavesTheOperatorAlone) {
  const auto have = std::get<StaticdObserved>(
      parse_staticd(data("staticd_routing.json"), ownership(), StaticdSchema::Frr8_4));
  const auto bgp =
      std::get<BgpdObserved>(parse_bgpd(data("bgpd_route_map.json"), data("bgpd_filter.json"), ownership()));
  const auto plan = diff(have, bgp, FrrState{}, StaticdSchema::Frr8_4);
  const std::string v6 = kP + "/route-list[prefix='2001:db8:2";
  EXPECT_THAT(
      plan.staticd.remove,
      ElementsAre(
          PathValue{kRl20, ""},
          PathValue{kP + "/route-list[prefix='10.21.0.0/16'][afi-safi='frr-routing:ipv4-unicast']", ""},
          PathValue{kP + "/route-list[prefix='10.22.0.0/16'][afi-safi='frr-routing:ipv4-unicast']", ""},
          // 10.23.0.0/16 keeps the operator's distance-10 path-list
          PathValue{kP + "/route-list[prefix='10.23.0.0/16'][afi-safi='frr-routing:ipv4-unicast']"
                         "/path-list[table-id='0'][distance='20']",
                    ""},
          PathValue{v6 + "0::/48'][afi-safi='frr-routing:ipv6-unicast']", ""},
          PathValue{v6 + "1::/48'][afi-safi='frr-routing:ipv6-unicast']", ""}));
  const std::string rm = "/frr-route-map:lib/route-map[name='WG-FAILOVER']";
  const std::string pl = "/frr-filter:lib/prefix-list";
  EXPECT_THAT(plan.bgpd.remove, ElementsAre(PathValue{pl + "[type='ipv4'][name='WGFO-D']", ""},
                                            PathValue{pl + "[type='ipv4'][name='WGFO-V4']", ""},
                                            PathValue{pl + "[type='ipv4'][name='WGFO-X']", ""},
                                            PathValue{pl + "[type='ipv6'][name='WGFO-V6']", ""},
                                            PathValue{rm + "/entry[sequence='10']", ""},
                                            PathValue{rm + "/entry[sequence='20']", ""},
                                            PathValue{rm + "/entry[sequence='30']", ""}));
  EXPECT_THAT(plan.staticd.update, IsEmpty());
  EXPECT_THAT(plan.bgpd.update, IsEmpty());
}

TEST(DiffReal, UnmodelledChildrenOfOwnedEntriesAreRemoved) {
  const auto bgp =
      std::get<BgpdObserved>(parse_bgpd(data("bgpd_route_map.json"), data("bgpd_filter.json"), ownership()));
  FrrState want;
  want.prefix_lists = {PrefixList{"WGFO-V6", IpFamily::V6, {pfx("2001:db8:20::/48")}},
                       PrefixList{"WGFO-X", IpFamily::V4, {pfx("10.30.0.0/16")}},
                       PrefixList{"WGFO-D", IpFamily::V4, {pfx("10.31.0.0/16")}}};
  RouteMapEntry e30;
  e30.map = "WG-FAILOVER";
  e30.sequence = 30;
  e30.match_prefix_list = "WGFO-V6";
  e30.family = IpFamily::V6;
  want.route_map_entries = {e30};
  const auto plan = diff(StaticdObserved{}, bgp, want, StaticdSchema::Frr8_4);
  const std::string rm = "/frr-route-map:lib/route-map[name='WG-FAILOVER']";
  const std::string pl = "/frr-filter:lib/prefix-list";
  // WGFO-D's deny becomes a permit; WGFO-X loses its le bound; entry 30 loses its set metric.
  EXPECT_THAT(
      plan.bgpd.update,
      ElementsAre(PathValue{pl + "[type='ipv4'][name='WGFO-D']/entry[sequence='5']/action", "permit"}));
  EXPECT_THAT(
      plan.bgpd.remove,
      ElementsAre(
          PathValue{pl + "[type='ipv4'][name='WGFO-V4']", ""},
          PathValue{
              pl + "[type='ipv4'][name='WGFO-X']/entry[sequence='5']/ipv4-prefix-length-lesser-or-equal", ""},
          PathValue{rm + "/entry[sequence='10']", ""}, PathValue{rm + "/entry[sequence='20']", ""},
          PathValue{rm + "/entry[sequence='30']/set-action[action='frr-route-map:set-metric']", ""}));
}

TEST(DiffReal, PrefixListAndRouteMapChanges) {
  const auto bgp =
      std::get<BgpdObserved>(parse_bgpd(data("bgpd_route_map.json"), data("bgpd_filter.json"), ownership()));
  FrrState want;
  want.prefix_lists = {
      PrefixList{"WGFO-V4", IpFamily::V4, {pfx("10.99.0.0/16")}},  // change seq 5, drop seq 10
      PrefixList{"WGFO-NEW", IpFamily::V4, {pfx("10.50.0.0/16")}}};
  RouteMapEntry e10;  // entry 10: community changes, local-preference goes, prepend stays
  e10.map = "WG-FAILOVER";
  e10.sequence = 10;
  e10.match_prefix_list = "WGFO-V4";
  e10.community = "65000:999";
  e10.as_path_prepend = {65001, 65001};
  RouteMapEntry e20;  // entry 20: match tag -> match prefix-list
  e20.map = "WG-FAILOVER";
  e20.sequence = 20;
  e20.match_prefix_list = "WGFO-NEW";
  e20.community = "65000:300";
  RouteMapEntry e40;  // new entry
  e40.map = "WG-FAILOVER";
  e40.sequence = 40;
  e40.match_tag = 7;
  e40.local_preference = 10;
  want.route_map_entries = {e10, e20, e40};
  const auto plan = diff(StaticdObserved{}, bgp, want, StaticdSchema::Frr8_4);
  const std::string rm = "/frr-route-map:lib/route-map[name='WG-FAILOVER']";
  const std::string v4 = "/frr-filter:lib/prefix-list[type='ipv4'][name='WGFO-V4']";
  const std::string nw = "/frr-filter:lib/prefix-list[type='ipv4'][name='WGFO-NEW']";
  EXPECT_THAT(
      plan.bgpd.update,
      ElementsAre(
          PathValue{nw + "/entry[sequence='5']/action", "permit"},
          PathValue{nw + "/entry[sequence='5']/ipv4-prefix", "10.50.0.0/16"},
          PathValue{v4 + "/entry[sequence='5']/ipv4-prefix", "10.99.0.0/16"},
          PathValue{rm + "/entry[sequence='10']/set-action[action='frr-bgp-route-map:set-community']"
                         "/rmap-set-action/frr-bgp-route-map:community-string",
                    "65000:999 additive"},
          PathValue{rm + "/entry[sequence='20']/match-condition[condition='frr-route-map:ipv4-prefix-list']"
                         "/rmap-match-condition/list-name",
                    "WGFO-NEW"},
          PathValue{rm + "/entry[sequence='40']/action", "permit"},
          PathValue{rm + "/entry[sequence='40']/match-condition[condition='frr-route-map:match-tag']"
                         "/rmap-match-condition/tag",
                    "7"},
          PathValue{rm + "/entry[sequence='40']/set-action[action='frr-bgp-route-map:set-local-preference']"
                         "/rmap-set-action/frr-bgp-route-map:local-pref",
                    "10"}));
  EXPECT_THAT(
      plan.bgpd.remove,
      ElementsAre(
          PathValue{"/frr-filter:lib/prefix-list[type='ipv4'][name='WGFO-D']", ""},
          PathValue{v4 + "/entry[sequence='10']", ""},
          PathValue{"/frr-filter:lib/prefix-list[type='ipv4'][name='WGFO-X']", ""},
          PathValue{"/frr-filter:lib/prefix-list[type='ipv6'][name='WGFO-V6']", ""},
          PathValue{rm + "/entry[sequence='10']/set-action[action='frr-bgp-route-map:set-local-preference']",
                    ""},
          PathValue{rm + "/entry[sequence='20']/match-condition[condition='frr-route-map:match-tag']", ""},
          PathValue{rm + "/entry[sequence='30']", ""}));
  EXPECT_THAT(plan.conflicts, IsEmpty());
}

TEST(DiffReal, ForeignPrefixListsAndEntriesAreConflicts) {
  const auto bgp =
      std::get<BgpdObserved>(parse_bgpd(data("bgpd_route_map.json"), data("bgpd_filter.json"), ownership()));
  FrrState want;
  want.prefix_lists = {PrefixList{"OPERATOR", IpFamily::V4, {pfx("10.0.0.0/8")}}};
  RouteMapEntry catch_all;
  catch_all.map = "WG-FAILOVER";
  catch_all.sequence = 65535;
  catch_all.match_tag = 1;
  want.route_map_entries = {catch_all};
  const auto plan = diff(StaticdObserved{}, bgp, want, StaticdSchema::Frr8_4);
  EXPECT_THAT(plan.conflicts,
              ElementsAre(HasSubstr("prefix-list OPERATOR"), HasSubstr("route-map WG-FAILOVER entry 65535")));
  EXPECT_THAT(plan.bgpd.update, IsEmpty());
  for (const auto& r : plan.bgpd.remove) {
    EXPECT_EQ(r.path.find("OPERATOR"), std::string::npos);
    EXPECT_EQ(r.path.find("65535"), std::string::npos);
  }
}

}  // namespace
}  // namespace wgfo::frr

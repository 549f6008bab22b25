// staticd_steps(): the make-before-break split of a staticd edit. Golden steps for the soak's cases
// (every path-list of a prefix moves one distance up; a fail-back that rotates every distance; a
// withdrawn best with a held-down tunnel behind it), a nexthop that leaves (withdrawn first), a prefix
// whose nexthops are all replaced, 10.7's in-place moves, operator conflicts, and the plain cases that
// stay one transaction. diff_steps_property_test.cpp checks every state FRR can pass through.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "frr-integration/diff.hpp"
#include "tests/frr-integration/frr_test_util.hpp"

namespace wgfo::frr {
namespace {

using namespace test_util;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kRl =
    "/frr-routing:routing/control-plane-protocols/control-plane-protocol[type='frr-staticd:staticd']"
    "[name='staticd'][vrf='default']/frr-staticd:staticd"
    "/route-list[prefix='10.20.0.0/24'][afi-safi='frr-routing:ipv4-unicast']";
std::string pl(int distance) {
  return kRl + "/path-list[table-id='0'][distance='" + std::to_string(distance) + "']";
}
std::string wg(int n) {
  return "/frr-nexthops/nexthop[nh-type='ifindex'][vrf='default'][gateway=''][interface='wg" +
         std::to_string(n) + "']";
}
StaticRoute via(std::uint8_t distance, int n) {
  return route("10.20.0.0/24", distance, {Nexthop::via_interface("wg" + std::to_string(n))});
}
StaticRoute blackhole() {
  return route("10.20.0.0/24", 250, {Nexthop::blackhole()});
}
FrrState want(std::vector<StaticRoute> routes) {
  FrrState s;
  s.routes = std::move(routes);
  return s;
}
StaticdObserved owning(std::vector<StaticRoute> routes) {
  StaticdObserved s;
  s.owned = std::move(routes);
  return s;
}

TEST(StaticdSteps, PathListsThatMoveAreAddedBesideTheOldOnesThenTheOldOnesGo) {
  // wg0 came back as standby: wg1 and wg2 move from 20, 30 up to 10, 20. One transaction deleted the
  // old path-lists before creating the new ones in zebra, and the prefix fell onto its blackhole.
  const auto have = owning({via(20, 1), via(30, 2), blackhole()});
  const auto steps =
      staticd_steps(have, want({via(10, 1), via(20, 2), via(40, 0), blackhole()}), StaticdSchema::Frr8_4);
  ASSERT_EQ(steps.size(), 2U);
  // First the free distances: 10 (wg1, now the best path) and 40 ...
  EXPECT_THAT(steps[0].update,
              ElementsAre(PathValue{pl(10) + wg(1), ""}, PathValue{pl(10) + "/tag", "4242"},
                          PathValue{pl(40) + wg(0), ""}, PathValue{pl(40) + "/tag", "4242"}));
  EXPECT_THAT(steps[0].remove, IsEmpty());
  // ... then 20 changes from wg1 to wg2 in one piece (never wg1 and wg2 together) and 30 goes.
  EXPECT_THAT(steps[1].update, ElementsAre(PathValue{pl(20) + wg(2), ""}));
  EXPECT_THAT(steps[1].remove, ElementsAre(PathValue{pl(20) + wg(1), ""}, PathValue{pl(30), ""}));
}

TEST(StaticdSteps, ANexthopThatLeavesIsWithdrawnFirst) {
  const auto have = owning({via(10, 0), via(20, 1), via(30, 2), blackhole()});
  const auto steps = staticd_steps(have, want({via(10, 1), via(20, 2), blackhole()}), StaticdSchema::Frr8_4);
  ASSERT_EQ(steps.size(), 3U);
  EXPECT_THAT(steps[0].update, IsEmpty());
  EXPECT_THAT(steps[0].remove, ElementsAre(PathValue{pl(10), ""}));
  EXPECT_THAT(steps[1].update,
              ElementsAre(PathValue{pl(10) + wg(1), ""}, PathValue{pl(10) + "/tag", "4242"}));
  EXPECT_THAT(steps[1].remove, IsEmpty());
  EXPECT_THAT(steps[2].update, ElementsAre(PathValue{pl(20) + wg(2), ""}));
  EXPECT_THAT(steps[2].remove, ElementsAre(PathValue{pl(20) + wg(1), ""}, PathValue{pl(30), ""}));
}

TEST(StaticdSteps, PlainChangesStayOneTransactionAsDiffMakesIt) {
  const auto have = owning({via(10, 0), via(20, 1), blackhole()});
  for (const FrrState& w :
       {want({via(20, 1), blackhole()}),                          // a failover
        want({via(10, 0), via(20, 1), via(30, 2), blackhole()}),  // a tunnel back
        want({via(10, 0), via(20, 1)}),                           // kill switch off
        want({via(10, 0), route("10.20.0.0/24", 20, {Nexthop::via_interface("wg1")}, 4243),
              blackhole()})}) {  // a BGP signal's tag
    const auto steps = staticd_steps(have, w, StaticdSchema::Frr8_4);
    ASSERT_EQ(steps.size(), 1U);
    EXPECT_EQ(steps[0], diff(have, BgpdObserved{}, w, StaticdSchema::Frr8_4).staticd);
  }
  EXPECT_THAT(staticd_steps(have, want({via(10, 0), via(20, 1), blackhole()}), StaticdSchema::Frr8_4),
              IsEmpty());
  // Everything gone: the route-list goes at once.
  const auto gone = staticd_steps(have, want({}), StaticdSchema::Frr8_4);
  ASSERT_EQ(gone.size(), 1U);
  EXPECT_THAT(gone[0].remove, ElementsAre(PathValue{kRl, ""}));
}

TEST(StaticdSteps, AnEcmpSetThatOnlyGrowsGrowsInTheMakeStep) {
  // wg2 becomes best at 10 while 20 grows to wg1 + wg0. Changed in place, 10 would be empty for a moment
  // and the prefix would spread over wg1 + wg0, neither the old best nor the new: wg2 leads from 9.
  const auto have = owning({via(10, 0), via(20, 1), blackhole()});
  const FrrState w = want(
      {via(10, 2), route("10.20.0.0/24", 20, {Nexthop::via_interface("wg1"), Nexthop::via_interface("wg0")}),
       blackhole()});
  const auto steps = staticd_steps(have, w, StaticdSchema::Frr8_4);
  ASSERT_EQ(steps.size(), 4U);
  EXPECT_THAT(steps[0].update, ElementsAre(PathValue{pl(9) + wg(2), ""}, PathValue{pl(9) + "/tag", "4242"}));
  EXPECT_THAT(steps[1].update, ElementsAre(PathValue{pl(20) + wg(0), ""}));  // 20 grows to wg1 + wg0
  EXPECT_THAT(steps[1].remove, IsEmpty());
  EXPECT_THAT(steps[2].update, ElementsAre(PathValue{pl(10) + wg(2), ""}));  // 10 turns from wg0 to wg2
  EXPECT_THAT(steps[2].remove, ElementsAre(PathValue{pl(10) + wg(0), ""}));
  EXPECT_THAT(steps[3].update, IsEmpty());
  EXPECT_THAT(steps[3].remove, ElementsAre(PathValue{pl(9), ""}));
}

TEST(StaticdSteps, AFailBackThatRotatesEveryDistanceGoesBehindALead) {
  // wg0's hold-down passed: it returns to 10 and everything else moves one back. Every path-list
  // changes its tunnel; in one transaction all four would be deleted before any is created, and the
  // prefix would sit on its blackhole.
  const auto have = owning({via(10, 1), via(20, 2), via(30, 3), via(40, 0), blackhole()});
  const auto steps = staticd_steps(have, want({via(10, 0), via(20, 1), via(30, 2), via(40, 3), blackhole()}),
                                   StaticdSchema::Frr8_4);
  ASSERT_EQ(steps.size(), 3U);
  EXPECT_THAT(steps[0].update, ElementsAre(PathValue{pl(9) + wg(0), ""}, PathValue{pl(9) + "/tag", "4242"}));
  EXPECT_THAT(steps[0].remove, IsEmpty());
  EXPECT_EQ(steps[1].update.size(), 4U);
  EXPECT_EQ(steps[1].remove.size(), 4U);
  EXPECT_THAT(steps[2].update, IsEmpty());
  EXPECT_THAT(steps[2].remove, ElementsAre(PathValue{pl(9), ""}));
}

TEST(StaticdSteps, AWithdrawnBestDoesNotExposeATunnelThatIsNotTheNextBest) {
  // The soak's case: wg0 went down; wg3 is the new best, wg1 (in fail-back hold-down) sits behind it in
  // the new order but ahead of it in the old. Withdrawn first, wg0 would hand the prefix to wg1.
  const auto have = owning({via(10, 0), via(20, 1), via(30, 3), blackhole()});
  const auto steps = staticd_steps(have, want({via(10, 3), via(20, 1), blackhole()}), StaticdSchema::Frr8_4);
  ASSERT_EQ(steps.size(), 4U);
  EXPECT_THAT(steps[0].update, ElementsAre(PathValue{pl(9) + wg(3), ""}, PathValue{pl(9) + "/tag", "4242"}));
  EXPECT_THAT(steps[0].remove, IsEmpty());
  EXPECT_THAT(steps[1].update, ElementsAre(PathValue{pl(10) + wg(3), ""}));
  EXPECT_THAT(steps[1].remove, ElementsAre(PathValue{pl(10) + wg(0), ""}));
  EXPECT_THAT(steps[2].remove, ElementsAre(PathValue{pl(30), ""}));
  EXPECT_THAT(steps[3].remove, ElementsAre(PathValue{pl(9), ""}));
}

TEST(StaticdSteps, APrefixOfWhichNothingStaysGetsItsNewPathFirst) {
  // Withdrawn first, or swapped in one transaction (deletes reach zebra first), 10.20.0.0/24 would have
  // no route for a moment (no kill switch) and its traffic would take a less specific route.
  const auto have = owning({via(10, 0)});
  const auto steps = staticd_steps(have, want({via(20, 1)}), StaticdSchema::Frr8_4);
  ASSERT_EQ(steps.size(), 3U);
  EXPECT_THAT(steps[0].update, ElementsAre(PathValue{pl(9) + wg(1), ""}, PathValue{pl(9) + "/tag", "4242"}));
  EXPECT_THAT(steps[1].update,
              ElementsAre(PathValue{pl(20) + wg(1), ""}, PathValue{pl(20) + "/tag", "4242"}));
  EXPECT_THAT(steps[1].remove, ElementsAre(PathValue{pl(10), ""}));
  EXPECT_THAT(steps[2].remove, ElementsAre(PathValue{pl(9), ""}));
  // 10.7 has no lead: the swap is one transaction.
  const auto swap = staticd_steps(have, want({via(20, 1)}), StaticdSchema::Frr10_7);
  ASSERT_EQ(swap.size(), 1U);
  EXPECT_EQ(swap[0], diff(have, BgpdObserved{}, want({via(20, 1)}), StaticdSchema::Frr10_7).staticd);
}

TEST(StaticdSteps, Frr107MovesInPlaceInOneStep) {
  const auto have = owning({via(20, 1), via(30, 2)});
  const FrrState w = want({via(10, 1), via(20, 2)});
  const auto steps = staticd_steps(have, w, StaticdSchema::Frr10_7);
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0], diff(have, BgpdObserved{}, w, StaticdSchema::Frr10_7).staticd);
  EXPECT_THAT(steps[0].remove, IsEmpty());
  EXPECT_EQ(steps[0].update.size(), 2U);  // the two distance leaves
}

TEST(StaticdSteps, AnOperatorsKeyIsNeitherWrittenNorCounted) {
  auto have = owning({via(20, 1)});
  have.foreign = {route("10.20.0.0/24", 10, {Nexthop::via_interface("wg9")}, 0)};
  EXPECT_THAT(staticd_steps(have, want({via(10, 0), via(20, 1)}), StaticdSchema::Frr8_4), IsEmpty());
  // Moving ours to the operator's distance leaves ours where it is: nothing is wanted that can be written.
  const auto steps = staticd_steps(have, want({via(10, 1)}), StaticdSchema::Frr8_4);
  ASSERT_EQ(steps.size(), 1U);
  EXPECT_EQ(steps[0], diff(have, BgpdObserved{}, want({via(10, 1)}), StaticdSchema::Frr8_4).staticd);
}

}  // namespace
}  // namespace wgfo::frr

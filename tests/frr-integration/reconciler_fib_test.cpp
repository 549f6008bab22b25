// Reconciler's kernel read-back: what counts as installed, when a lagging kernel becomes drift, and the
// drift repair (withdraw and re-add, sparing an operator's path-list), driven with the fixture's fake
// clock, fake staticd and fake FIB (reconciler_fixture.hpp).

#include "tests/frr-integration/reconciler_fixture.hpp"

namespace wgfo::frr::reconciler_test {
namespace {

IpPrefix prefix(const char* text) {
  return *IpPrefix::parse(text);
}

struct ReconcilerFibTest : ReconcilerTest {
  // With read-back: the first desired state, committed.
  void start_with(std::vector<StaticRoute> routes) {
    make(/*with_fib=*/true);
    step();
    want(std::move(routes));
    now += options.coalesce;
    step();
  }
};

FibRoute kernel_route(const char* p, int ifindex) {
  FibRoute k;
  k.prefix = prefix(p);
  k.protocol = 196;
  k.nexthops = {FibNexthop{ifindex, std::nullopt}};
  return k;
}

TEST_F(ReconcilerFibTest, ReadBackMarksInstalledAndRepairsPersistentDrift) {
  start_with({route("10.20.0.0/16", 10, {kWg0}, 4242), route("10.20.0.0/16", 20, {kWg1}, 4242)});
  ASSERT_EQ(staticd.commits.size(), 1U);
  kernel = {kernel_route("10.20.0.0/16", 10)};  // zebra installed the distance-10 path via wg0
  now += options.fib_settle;
  step();
  EXPECT_TRUE(rec->status().installed.at(prefix("10.20.0.0/16")));
  EXPECT_EQ(rec->status().drift, 0U);

  staticd.apply = [&](const Edit& e) {
    staticd.held = e.update.empty() ? std::vector<StaticRoute>{} : staticd.after_commit;
  };
  up.erase("wg0");  // wg0 went down: zebra should now use wg1, but the kernel still says wg0
  now += options.probe_interval;
  step();
  EXPECT_FALSE(rec->status().installed.at(prefix("10.20.0.0/16")));
  EXPECT_EQ(rec->status().drift, 0U);  // once is not drift: zebra may be on its way
  now += options.fib_grace;
  step();
  EXPECT_EQ(rec->status().drift, 1U);
  EXPECT_EQ(rec->status().drift_repairs, 1U);
  ASSERT_GE(staticd.commits.size(), 2U);
  EXPECT_FALSE(staticd.commits[1].remove.empty());  // withdrawn ...
  EXPECT_EQ(staticd.commits.size(), 3U);            // ... and re-added in the same step
  kernel = {kernel_route("10.20.0.0/16", 11)};
  now += options.fib_settle;
  step();
  EXPECT_TRUE(rec->status().installed.at(prefix("10.20.0.0/16")));
}

TEST_F(ReconcilerFibTest, DriftRepairRereadsStaticdAndSparesAnOperatorPathListAddedSince) {
  start_with({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  ASSERT_EQ(staticd.commits.size(), 1U);
  // An operator adds a path-list to our route-list in vtysh; the cached view does not know it yet.
  const auto theirs = route("10.20.0.0/16", 200, {Nexthop::via_interface("eth9")}, 0);
  staticd.held.push_back(theirs);
  staticd.apply = [&](const Edit&) {};  // nothing changes what "FRR" holds
  now += options.fib_settle;
  step();  // the kernel has nothing: suspect
  now += options.fib_grace;
  step();  // still nothing: drift, withdrawn and re-added
  ASSERT_EQ(rec->status().drift, 1U);
  ASSERT_GE(staticd.commits.size(), 2U);
  // The withdrawal names our path-list; the route-list itself (with theirs in it) stays.
  ASSERT_EQ(staticd.commits[1].remove.size(), 1U);
  EXPECT_TRUE(staticd.commits[1].remove[0].path.ends_with("/path-list[table-id='0'][distance='10']"))
      << staticd.commits[1].remove[0].path;
}

TEST_F(ReconcilerFibTest, ANewExpectationGivesTheKernelItsGraceAgain) {
  start_with({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.fib_settle;
  step();                                           // not in the kernel yet: suspect once
  want({route("10.20.0.0/16", 20, {kWg1}, 4242)});  // the next change, before the grace is over
  now += options.coalesce;
  step();
  now += options.fib_settle;
  step();  // the kernel lags again, but behind a different route: not twice the same
  EXPECT_EQ(rec->status().drift, 0U);
  now += options.fib_grace;
  step();
  EXPECT_EQ(rec->status().drift, 1U);  // still not there after the grace: drift
}

TEST_F(ReconcilerFibTest, ACommitForOtherPrefixesGivesALaggingKernelItsGraceAgain) {
  // In the soak zebra took a 100-prefix commit in order; a prefix it had not reached yet was judged
  // again 20 ms after the next commit and withdrawn and re-added although it was only late.
  start_with({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.fib_settle;
  step();  // not in the kernel yet: suspect
  now += options.fib_grace / 2;
  want({route("10.20.0.0/16", 10, {kWg0}, 4242), route("10.30.0.0/16", 10, {kWg1}, 4242)});
  now += options.coalesce;
  step();
  ASSERT_EQ(staticd.commits.size(), 2U);
  now += options.fib_settle;
  step();  // the same expectation, still late, but zebra is busy with the new commit
  EXPECT_EQ(rec->status().drift, 0U);
  now += options.fib_grace;
  step();
  EXPECT_EQ(rec->status().drift, 2U);  // both still missing a grace after the last commit: drift
}

TEST_F(ReconcilerFibTest, ConstantChurnPostponesADriftRepairOnlySoLong) {
  start_with({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.fib_settle;
  step();  // suspect from here
  std::uint8_t distance = 20;
  while (rec->status().drift == 0 && distance < 250) {
    now += options.fib_grace / 2;  // another prefix changes every half grace
    want({route("10.20.0.0/16", 10, {kWg0}, 4242), route("10.30.0.0/16", distance, {kWg1}, 4242)});
    distance = static_cast<std::uint8_t>(distance + 10);
    now += options.coalesce;
    step();
    now += options.fib_settle;
    step();
  }
  EXPECT_GE(rec->status().drift, 1U);
  EXPECT_LT(distance, 20 + 10 * 2 * 11);  // judged within 10 graces, not postponed for ever
}

TEST_F(ReconcilerFibTest, KillSwitchBlackholeCountsAsInstalled) {
  start_with({route("10.20.0.0/16", 250, {Nexthop::blackhole()}, 4242)});
  FibRoute k;
  k.prefix = prefix("10.20.0.0/16");
  k.type = 6;  // RTN_BLACKHOLE
  kernel = {k};
  now += options.fib_settle;
  step();
  EXPECT_TRUE(rec->status().installed.at(prefix("10.20.0.0/16")));
}

// ---- observers: commit reports and convergence ----

TEST_F(ReconcilerFibTest, WithReadBackConvergedWaitsForTheKernelToMatch) {
  make(/*with_fib=*/true);
  step();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  step();
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_EQ(rec->status().converged_version, 1U);
  EXPECT_TRUE(converged.empty());  // FRR holds it; the kernel has not been looked at
  now += options.fib_settle;
  step();  // zebra has not installed it yet
  EXPECT_EQ(rec->status().fib_checks, 1U);
  EXPECT_TRUE(converged.empty());
  kernel = {kernel_route("10.20.0.0/16", 10)};
  now += options.fib_grace;
  step();
  EXPECT_EQ(rec->status().fib_checks, 2U);
  EXPECT_EQ(converged, (std::vector<Converged>{{1, true, now}}));
  now += options.probe_interval;  // later checks that match again report nothing new
  step();
  EXPECT_EQ(converged.size(), 1U);
}

TEST_F(ReconcilerFibTest, WithReadBackAChangeWithoutStaticEditIsCheckedToo) {
  staticd.held = {route("10.20.0.0/16", 10, {kWg0}, 4242)};
  kernel = {kernel_route("10.20.0.0/16", 10)};
  make(/*with_fib=*/true);
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  EXPECT_EQ(step(), now + options.fib_settle);  // a check is due though nothing was committed
  EXPECT_TRUE(staticd.commits.empty());
  EXPECT_TRUE(converged.empty());
  now += options.fib_settle;
  step();
  EXPECT_EQ(converged, (std::vector<Converged>{{1, true, now}}));
}

}  // namespace
}  // namespace wgfo::frr::reconciler_test

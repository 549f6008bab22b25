// Reconciler (frr-integration/reconciler.hpp): adoption, coalescing, retries, refusals, restart
// re-push, kernel read-back and the observers (commit reports, convergence), driven step by step with a
// fake clock and an in-memory northbound; and Programmer's version numbering.
// The fake renders its route table in the JSON shape FRR 8.4 answers Get(CONFIG) with, and "applies"
// a commit by taking the state the test says the commit should produce: the edits themselves are
// checked by diff_test and against real FRR in the lab.
#include "frr-integration/reconciler.hpp"

#include <gtest/gtest.h>

#include "tests/frr-integration/frr_test_util.hpp"

#include <deque>
#include <nlohmann/json.hpp>

#include "frr-integration/programmer.hpp"
#include "frr-integration/xpath.hpp"

namespace wgfo::frr {
namespace {

using namespace test_util;

using namespace std::chrono_literals;
const Clock::time_point kT0 = Clock::time_point{} + 1000h;

IpPrefix prefix(const char* text) {
  return *IpPrefix::parse(text);
}

// FRR 8.4's answer to Get(CONFIG, "/frr-routing:routing", JSON, with defaults) for these routes.
std::string staticd_json(const std::vector<StaticRoute>& routes) {
  if (routes.empty()) return "{}";
  nlohmann::json lists = nlohmann::json::array();
  for (const auto& r : routes) {
    const bool v6 = r.prefix.family() == IpFamily::V6;
    nlohmann::json nexthops = nlohmann::json::array();
    for (const auto& n : r.nexthops) {
      nlohmann::json j{{"nh-type", std::string(nh_type(n))},
                       {"vrf", n.vrf},
                       {"gateway", n.gateway ? n.gateway->to_string() : ""},
                       {"interface", n.interface.empty() ? "(null)" : n.interface},
                       {"onlink", false}};
      if (n.kind == Nexthop::Kind::Blackhole) j["bh-type"] = "null";
      nexthops.push_back(j);
    }
    nlohmann::json path{
        {"table-id", 0}, {"distance", r.distance}, {"tag", r.tag}, {"frr-nexthops", {{"nexthop", nexthops}}}};
    auto it = std::find_if(lists.begin(), lists.end(),
                           [&](const nlohmann::json& l) { return l["prefix"] == r.prefix.to_string(); });
    if (it == lists.end()) {
      lists.push_back({{"prefix", r.prefix.to_string()},
                       {"afi-safi", v6 ? "frr-routing:ipv6-unicast" : "frr-routing:ipv4-unicast"},
                       {"path-list", nlohmann::json::array()}});
      it = lists.end() - 1;
    }
    (*it)["path-list"].push_back(path);
  }
  nlohmann::json doc{{"frr-routing:routing",
                      {{"control-plane-protocols",
                        {{"control-plane-protocol",
                          {{{"type", "frr-staticd:staticd"},
                            {"name", "staticd"},
                            {"vrf", "default"},
                            {"frr-staticd:staticd", {{"route-list", lists}}}}}}}}}},
                     {"frr-vrf:lib", {{"vrf", {{{"name", "default"}}}}}}};
  return doc.dump();
}

class FakeStaticd final : public Northbound {
 public:
  std::vector<StaticRoute> held;          // what "FRR" holds, owned and foreign
  std::vector<StaticRoute> after_commit;  // what it holds after the next successful commit
  std::deque<NbError> commit_errors;      // scripted failures, one per commit
  std::vector<Edit> commits;              // successful and failed commit attempts
  bool down{false};
  std::vector<std::string> modules{"frr-filter", "frr-interface", "frr-routing", "frr-staticd", "frr-vrf"};
  std::uint64_t epoch{1};
  int gets{0};
  std::function<void(const Edit&)> apply;  // how a successful commit changes `held`; default: after_commit
  CommitInfo answer{1, true, 3ms};         // what a successful commit returns

  NbResult<Capabilities> get_capabilities() override {
    if (down) return NbError{NbError::Kind::Unavailable, "connection refused"};
    return Capabilities{"8.4.4", modules};
  }
  NbResult<std::string> get_config(const std::string& path) override {
    EXPECT_EQ(path, "/frr-routing:routing");
    ++gets;
    if (down) return NbError{NbError::Kind::Unavailable, "connection refused"};
    return staticd_json(held);
  }
  NbResult<CommitInfo> commit(const Edit& edit, const std::string&) override {
    commits.push_back(edit);
    if (down) return NbError{NbError::Kind::Unavailable, "connection refused"};
    if (!commit_errors.empty()) {
      NbError e = commit_errors.front();
      commit_errors.pop_front();
      return e;
    }
    if (apply) {
      apply(edit);
    } else {
      held = after_commit;
    }
    return answer;
  }
  std::uint64_t connection_epoch() const override { return epoch; }
};

const Nexthop kWg0 = Nexthop::via_interface("wg0");
const Nexthop kWg1 = Nexthop::via_interface("wg1");

struct ReconcilerTest : ::testing::Test {
  FakeStaticd staticd;
  Ownership ownership;  // tags {4242}
  ReconcilerOptions options;
  std::vector<FibRoute> kernel;
  std::map<std::string, int, std::less<>> up{{"wg0", 10}, {"wg1", 11}};
  FibAccess fib{[this]() -> std::variant<std::vector<FibRoute>, std::string> { return kernel; },
                [this](std::string_view n) -> std::optional<int> {
                  auto it = up.find(n);
                  return it == up.end() ? std::nullopt : std::optional<int>(it->second);
                }};
  std::optional<Reconciler> rec;
  Clock::time_point now = kT0;
  struct Converged {
    std::uint64_t version;
    bool fib_verified;
    Clock::time_point at;
    friend bool operator==(const Converged&, const Converged&) = default;
  };
  std::vector<CommitReport> reports;
  std::vector<Converged> converged;

  void make(bool with_fib = false) {
    options.on_commit = [this](const CommitReport& r) { reports.push_back(r); };
    options.on_converged = [this](std::uint64_t v, bool fib_verified, Clock::time_point at) {
      converged.push_back({v, fib_verified, at});
    };
    rec.emplace(staticd, nullptr, ownership, options, with_fib ? fib : FibAccess{});
  }
  Clock::time_point step() { return rec->step(now); }
  void want(std::vector<StaticRoute> routes) {
    staticd.after_commit = routes;
    FrrState s;
    s.routes = std::move(routes);
    rec->set_desired(std::move(s), now);
  }
  bool edit_mentions(const Edit& e, std::string_view text) const {
    for (const auto& list : {e.update, e.remove}) {
      for (const auto& pv : list) {
        if (pv.path.find(text) != std::string::npos) return true;
      }
    }
    return false;
  }
};

TEST_F(ReconcilerTest, NothingIsWrittenBeforeTheFirstDesiredState) {
  staticd.held = {route("10.20.0.0/16", 10, {kWg0}, 4242)};  // adopted, not yet judged
  make();
  step();
  now += 40s;  // past a reconcile interval, too
  step();
  EXPECT_TRUE(staticd.commits.empty());
}

TEST_F(ReconcilerTest, AdoptsWhatAlreadyMatchesWithoutACommit) {
  staticd.held = {route("10.20.0.0/16", 10, {kWg0}, 4242),
                  route("192.0.2.0/24", 1, {Nexthop::blackhole()}, 0)};
  make();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.coalesce;
  step();
  EXPECT_EQ(staticd.gets, 1);
  EXPECT_TRUE(staticd.commits.empty());
  EXPECT_EQ(rec->status().converged_version, rec->status().desired_version);
  EXPECT_TRUE(rec->status().staticd.reachable);
}

TEST_F(ReconcilerTest, RemovesOnlyOwnedStaleRoutes) {
  const auto foreign = route("192.0.2.0/24", 1, {Nexthop::blackhole()}, 0);
  staticd.held = {route("10.99.0.0/16", 10, {kWg0}, 4242), foreign};
  make();
  want({route("10.20.0.0/16", 10, {kWg1}, 4242)});
  staticd.after_commit.push_back(foreign);
  now += options.coalesce;
  step();
  // Make-before-break (diff.hpp): what leaves goes first, then what is new.
  ASSERT_EQ(staticd.commits.size(), 2U);
  const Edit& gone = staticd.commits[0];
  const Edit& added = staticd.commits[1];
  EXPECT_TRUE(gone.update.empty());
  EXPECT_TRUE(edit_mentions(gone, "10.99.0.0/16"));
  EXPECT_TRUE(added.remove.empty());
  EXPECT_TRUE(edit_mentions(added, "10.20.0.0/16"));
  for (const Edit* e : {&gone, &added}) EXPECT_FALSE(edit_mentions(*e, "192.0.2.0/24"));
}

TEST_F(ReconcilerTest, AChangeAfterQuietGoesOutAtOnceAndFollowersCoalesce) {
  make();
  step();  // probe + read: nothing desired yet
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  step();  // quiet before: no window to wait for (a failover must not wait)
  ASSERT_EQ(staticd.commits.size(), 1U);
  now += 2ms;
  want({route("10.20.0.0/16", 20, {kWg1}, 4242)});  // inside the window the send opened
  EXPECT_EQ(step(), kT0 + options.coalesce);        // wakes when that window closes
  EXPECT_EQ(staticd.commits.size(), 1U);
  now += 1ms;
  want({route("10.20.0.0/16", 30, {kWg1}, 4242)});
  step();
  EXPECT_EQ(staticd.commits.size(), 1U);
  now = kT0 + options.coalesce;
  step();
  ASSERT_EQ(staticd.commits.size(), 2U);  // the two followers went out together
  EXPECT_TRUE(edit_mentions(staticd.commits[1], "distance='30'"));
  EXPECT_FALSE(edit_mentions(staticd.commits[1], "distance='20'"));  // the middle state never went out
  EXPECT_EQ(rec->status().converged_version, 3U);
  now += options.coalesce;  // quiet again
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  step();
  EXPECT_EQ(staticd.commits.size(), 3U);
}

TEST_F(ReconcilerTest, BusyIsRetriedWithGrowingBackoff) {
  make();
  step();
  staticd.commit_errors = {{NbError::Kind::Busy, "running configuration is locked by another client"},
                           {NbError::Kind::Busy, "there's already another transaction in progress"}};
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.coalesce;
  EXPECT_EQ(step(), now + options.backoff_min);
  EXPECT_EQ(staticd.commits.size(), 1U);
  EXPECT_NE(rec->status().staticd.last_error.find("locked"), std::string::npos);
  now += options.backoff_min - 1ms;
  step();
  EXPECT_EQ(staticd.commits.size(), 1U);  // not before the backoff
  now += 1ms;
  EXPECT_EQ(step(), now + 2 * options.backoff_min);
  EXPECT_EQ(staticd.commits.size(), 2U);
  now += 2 * options.backoff_min;
  step();
  EXPECT_EQ(staticd.commits.size(), 3U);
  EXPECT_EQ(rec->status().converged_version, rec->status().desired_version);
  EXPECT_TRUE(rec->status().staticd.last_error.empty());
  EXPECT_EQ(rec->status().staticd.failures, 2U);
}

TEST_F(ReconcilerTest, RejectedIsNotRetriedUntilTheDesiredStateChanges) {
  make();
  step();
  staticd.commit_errors = {{NbError::Kind::Rejected, "EditCandidate: INVALID_ARGUMENT: Failed to update"}};
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.coalesce;
  step();
  ASSERT_EQ(staticd.commits.size(), 1U);
  // The re-read after the refusal finds FRR unchanged, and the last accepted state (nothing) is what
  // FRR already holds: no further commit for this desired state, however long we wait.
  for (int i = 0; i < 50; ++i) {
    now += 100ms;
    step();
  }
  EXPECT_EQ(staticd.commits.size(), 1U);
  EXPECT_NE(rec->status().converged_version, rec->status().desired_version);
  want({route("10.20.0.0/16", 20, {kWg1}, 4242)});
  now += options.coalesce;
  step();
  EXPECT_EQ(staticd.commits.size(), 2U);
  EXPECT_EQ(rec->status().converged_version, rec->status().desired_version);
}

TEST_F(ReconcilerTest, ARejectionOfAnEditFromAnOldViewIsRetriedAfterAReRead) {
  make();
  step();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.coalesce;
  step();
  staticd.held.clear();  // changed behind our back: the next edit's delete names a path that is gone
  staticd.commit_errors = {{NbError::Kind::Rejected, "EditCandidate: INVALID_ARGUMENT: Failed to remove"}};
  want({route("10.20.0.0/16", 20, {kWg1}, 4242)});
  now += options.coalesce;
  step();
  ASSERT_EQ(staticd.commits.size(), 2U);
  const int gets = staticd.gets;
  now += options.backoff_min;
  step();
  EXPECT_EQ(staticd.gets, gets + 1);  // re-read, then the right edit
  ASSERT_EQ(staticd.commits.size(), 3U);
  EXPECT_TRUE(staticd.commits[2].remove.empty());
  EXPECT_EQ(rec->status().converged_version, rec->status().desired_version);
}

TEST_F(ReconcilerTest, ApplyFailedIsUndoneByRepushingTheLastAcceptedState) {
  make();
  step();
  const auto good = route("10.20.0.0/16", 10, {kWg0}, 4242);
  want({good});
  now += options.coalesce;
  step();
  ASSERT_EQ(staticd.commits.size(), 1U);
  // FRR stores the next change yet reports an APPLY-time error (OK + error_message).
  const auto bad = route("10.20.0.0/16", 20, {kWg1}, 4242);
  staticd.commit_errors = {{NbError::Kind::ApplyFailed, "Commit: applied with errors: % malformed"}};
  want({bad});
  now += options.coalesce;
  step();
  ASSERT_EQ(staticd.commits.size(), 2U);
  staticd.held = {bad};  // what FRR kept despite the error
  staticd.after_commit = {good};
  now += options.backoff_min;
  step();
  ASSERT_EQ(staticd.commits.size(), 3U);  // the revert
  EXPECT_TRUE(edit_mentions(staticd.commits[2], "distance='10'"));
  EXPECT_EQ(staticd.held, std::vector{good});
  for (int i = 0; i < 20; ++i) {  // and it stays at that: no loop of reverts
    now += 100ms;
    step();
  }
  EXPECT_EQ(staticd.commits.size(), 3U);
}

TEST_F(ReconcilerTest, ANewConnectionMeansReReadAndRePush) {
  make();
  step();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.coalesce;
  step();
  ASSERT_EQ(staticd.commits.size(), 1U);
  const int gets = staticd.gets;
  staticd.held.clear();  // staticd restarted: gRPC-made config is gone
  ++staticd.epoch;
  now += 1ms;
  step();
  EXPECT_EQ(staticd.gets, gets + 1);
  ASSERT_EQ(staticd.commits.size(), 2U);
  EXPECT_TRUE(edit_mentions(staticd.commits[1], "10.20.0.0/16"));
  EXPECT_EQ(rec->status().staticd.restarts, 1U);
}

TEST_F(ReconcilerTest, AProbeThatRecoversMeansRePush) {
  make();
  step();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.coalesce;
  step();
  staticd.down = true;
  now += options.probe_interval;
  step();
  EXPECT_FALSE(rec->status().staticd.reachable);
  staticd.down = false;
  staticd.held.clear();
  now += options.probe_interval;
  step();
  EXPECT_TRUE(rec->status().staticd.reachable);
  ASSERT_EQ(staticd.commits.size(), 2U);
  EXPECT_EQ(rec->status().staticd.restarts, 1U);
}

TEST_F(ReconcilerTest, AnotherDaemonOnThePortIsNeverWritten) {
  staticd.modules = {"frr-bfdd", "frr-interface"};
  make();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.coalesce;
  step();
  EXPECT_TRUE(staticd.commits.empty());
  EXPECT_EQ(staticd.gets, 0);
  EXPECT_NE(rec->status().staticd.last_error.find("not staticd"), std::string::npos);
}

TEST_F(ReconcilerTest, PeriodicReconcileRepairsAnOperatorDeletion) {
  make();
  step();
  const auto r = route("10.20.0.0/16", 10, {kWg0}, 4242);
  want({r});
  now += options.coalesce;
  step();
  staticd.held.clear();  // someone removed our route in vtysh
  now += options.reconcile_interval;
  step();
  ASSERT_EQ(staticd.commits.size(), 2U);
  EXPECT_EQ(staticd.held, std::vector{r});
  EXPECT_EQ(rec->status().reconciles, 1U);
}

FibRoute kernel_route(const char* p, int ifindex) {
  FibRoute k;
  k.prefix = prefix(p);
  k.protocol = 196;
  k.nexthops = {FibNexthop{ifindex, std::nullopt}};
  return k;
}

TEST_F(ReconcilerTest, ReadBackMarksInstalledAndRepairsPersistentDrift) {
  make(/*with_fib=*/true);
  step();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242), route("10.20.0.0/16", 20, {kWg1}, 4242)});
  now += options.coalesce;
  step();
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

TEST_F(ReconcilerTest, DriftRepairRereadsStaticdAndSparesAnOperatorPathListAddedSince) {
  make(/*with_fib=*/true);
  step();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.coalesce;
  step();
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

TEST_F(ReconcilerTest, ANewExpectationGivesTheKernelItsGraceAgain) {
  make(/*with_fib=*/true);
  step();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  now += options.coalesce;
  step();
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

TEST_F(ReconcilerTest, KillSwitchBlackholeCountsAsInstalled) {
  make(/*with_fib=*/true);
  step();
  want({route("10.20.0.0/16", 250, {Nexthop::blackhole()}, 4242)});
  now += options.coalesce;
  step();
  FibRoute k;
  k.prefix = prefix("10.20.0.0/16");
  k.type = 6;  // RTN_BLACKHOLE
  kernel = {k};
  now += options.fib_settle;
  step();
  EXPECT_TRUE(rec->status().installed.at(prefix("10.20.0.0/16")));
}

// ---- observers: commit reports and convergence ----

TEST_F(ReconcilerTest, ASuccessfulCommitIsReportedWithItsVersionTransactionAndDuration) {
  make();
  step();
  staticd.answer = CommitInfo{77, true, 4ms};
  rec->set_desired(FrrState{.routes = {route("10.20.0.0/16", 10, {kWg0}, 4242)}}, 41, now);
  staticd.after_commit = {route("10.20.0.0/16", 10, {kWg0}, 4242)};
  step();
  ASSERT_EQ(reports.size(), 1U);
  const CommitReport& r = reports[0];
  EXPECT_EQ(r.daemon, "staticd");
  EXPECT_EQ(r.version, 41U);  // the caller's numbering
  EXPECT_EQ(rec->status().desired_version, 41U);
  EXPECT_EQ(r.transaction_id, 77U);
  EXPECT_EQ(r.duration, 4ms);
  EXPECT_TRUE(r.ok && r.changed && r.error.empty() && !r.repair);
  // A version at or below the current one cannot go backwards.
  rec->set_desired(FrrState{}, 7, now);
  EXPECT_EQ(rec->status().desired_version, 42U);
}

TEST_F(ReconcilerTest, FailedCommitsAreReportedAndSoIsTheRetry) {
  make();
  step();
  staticd.commit_errors = {{NbError::Kind::Busy, "running configuration is locked by another client", 2ms}};
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  step();
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_FALSE(reports[0].ok);
  EXPECT_EQ(reports[0].version, 1U);
  EXPECT_EQ(reports[0].duration, 2ms);
  EXPECT_NE(reports[0].error.find("locked"), std::string::npos);
  EXPECT_TRUE(converged.empty());
  now += options.backoff_min;
  step();
  ASSERT_EQ(reports.size(), 2U);
  EXPECT_TRUE(reports[1].ok);
  EXPECT_EQ(reports[1].version, 1U);
  EXPECT_EQ(converged, (std::vector<Converged>{{1, false, now}}));
}

TEST_F(ReconcilerTest, ANoChangeCommitIsReportedWithTransactionZero) {
  make();
  step();
  staticd.answer = CommitInfo{0, false, 1ms};  // FRR: ABORTED "no changes to apply"
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  step();
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_TRUE(reports[0].ok);
  EXPECT_FALSE(reports[0].changed);
  EXPECT_EQ(reports[0].transaction_id, 0U);
  EXPECT_EQ(reports[0].duration, 1ms);
}

TEST_F(ReconcilerTest, ConvergedOncePerVersionWithoutReadBackAndNeverForARefusedOne) {
  staticd.held = {route("10.20.0.0/16", 10, {kWg0}, 4242)};
  make();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});  // already held: converges without a commit
  step();
  EXPECT_TRUE(reports.empty());
  EXPECT_EQ(converged, (std::vector<Converged>{{1, false, kT0}}));
  now += options.reconcile_interval;  // a periodic re-read that finds nothing to do: no second report
  step();
  EXPECT_EQ(converged.size(), 1U);
  // Refused twice: once from the cached view (retried after a re-read), once from a fresh one (final).
  staticd.commit_errors = {{NbError::Kind::Rejected, "Commit: INVALID_ARGUMENT: no"},
                           {NbError::Kind::Rejected, "Commit: INVALID_ARGUMENT: no"}};
  want({route("10.20.0.0/16", 20, {kWg1}, 4242)});
  for (int i = 0; i < 10; ++i) {
    now += 100ms;
    step();
  }
  EXPECT_EQ(converged.size(), 1U);
  ASSERT_EQ(reports.size(), 2U);
  EXPECT_FALSE(reports[1].ok);
  EXPECT_EQ(reports[1].version, 2U);
}

TEST_F(ReconcilerTest, WithReadBackConvergedWaitsForTheKernelToMatch) {
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

TEST_F(ReconcilerTest, WithReadBackAChangeWithoutStaticEditIsCheckedToo) {
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

TEST_F(ReconcilerTest, AThrowingObserverDoesNotEndTheStep) {
  make();
  options.on_commit = [](const CommitReport&) { throw std::runtime_error("observer bug"); };
  rec.emplace(staticd, nullptr, ownership, options, FibAccess{});
  step();
  want({route("10.20.0.0/16", 10, {kWg0}, 4242)});
  EXPECT_NO_THROW(step());
  EXPECT_EQ(rec->status().converged_version, 1U);
  EXPECT_EQ(converged.size(), 1U);
}

// ---- Programmer: apply() numbering ----

TEST(ProgrammerVersionTest, SubmitNamesTheVersionTheReportsCarry) {
  auto owned = std::make_unique<FakeStaticd>();
  FakeStaticd* fake = owned.get();
  fake->after_commit = {route("10.20.0.0/16", 10, {kWg0}, 4242)};
  std::mutex mu;
  std::vector<std::uint64_t> converged;
  ReconcilerOptions options;
  options.on_converged = [&](std::uint64_t v, bool, Clock::time_point) {
    const std::lock_guard lock(mu);
    converged.push_back(v);
  };
  Programmer programmer(std::move(owned), nullptr, ValidationContext{}, options);
  const ApplyResult bad = programmer.submit(FrrState{.routes = {route("10.20.0.0/16", 10, {})}});
  EXPECT_TRUE(bad.version == 0 && !bad.problems.empty());
  const ApplyResult first = programmer.submit(FrrState{.routes = fake->after_commit});
  EXPECT_TRUE(first.version == 1 && first.problems.empty());
  ASSERT_TRUE(programmer.wait_converged(10s));
  EXPECT_EQ(programmer.status().desired_version, 1U);
  EXPECT_TRUE(programmer.apply(FrrState{.routes = fake->after_commit}).empty());  // version 2
  const ApplyResult third = programmer.submit(FrrState{.routes = fake->after_commit});
  EXPECT_EQ(third.version, 3U);
  ASSERT_TRUE(programmer.wait_converged(10s));
  EXPECT_EQ(programmer.status().desired_version, 3U);
  const std::lock_guard lock(mu);
  ASSERT_FALSE(converged.empty());
  EXPECT_EQ(converged.front(), 1U);
  EXPECT_EQ(converged.back(), 3U);  // 2 may have been merged into 3 and never reported on its own
}

}  // namespace
}  // namespace wgfo::frr

// Reconciler (frr-integration/reconciler.hpp): adoption, coalescing, retries, refusals, restart
// re-push and the observers (commit reports, convergence), driven step by step with the fixture's fake
// clock and in-memory northbound (reconciler_fixture.hpp); and Programmer's version numbering. Kernel
// read-back and drift: reconciler_fib_test.cpp.

#include "frr-integration/programmer.hpp"
#include "tests/frr-integration/reconciler_fixture.hpp"

namespace wgfo::frr::reconciler_test {
namespace {

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
  // Backups added (one transaction each; a move of the best path would take several, diff.hpp).
  want({route("10.20.0.0/16", 10, {kWg0}, 4242), route("10.20.0.0/16", 20, {kWg1}, 4242)});
  EXPECT_EQ(step(), kT0 + options.coalesce);  // inside the window the send opened: wakes when it closes
  EXPECT_EQ(staticd.commits.size(), 1U);
  now += 1ms;
  want({route("10.20.0.0/16", 10, {kWg0}, 4242), route("10.20.0.0/16", 30, {kWg1}, 4242)});
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
  want({good, bad});
  now += options.coalesce;
  step();
  ASSERT_EQ(staticd.commits.size(), 2U);
  staticd.held = {good, bad};  // what FRR kept despite the error
  staticd.after_commit = {good};
  now += options.backoff_min;
  step();
  ASSERT_EQ(staticd.commits.size(), 3U);  // the revert
  EXPECT_TRUE(edit_mentions(staticd.commits[2], "distance='20'"));
  EXPECT_TRUE(staticd.commits[2].update.empty());
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
}  // namespace wgfo::frr::reconciler_test

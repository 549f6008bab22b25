// Observer (controller/observer.hpp): audit records wait for the FRR commits that carry them and are
// written at convergence with the transaction ids; the detection-to-FIB clock starts at the first
// decision after the last route change and is read only when the FIB was checked; a bounded backlog
// while FRR does not converge; flush at stop; a config without audit writes nothing; a drift repair is a
// record of its own.

#include "controller/observer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace wgfo {
namespace {

using namespace std::chrono_literals;
using Mono = Observer::Clock;
using Sys = std::chrono::system_clock;

const Mono::time_point kT0 = Mono::time_point{} + 1000s;
const Sys::time_point kWall = Sys::time_point{} + 1795555827s;

RouteView view(const char* prefix, std::vector<std::string> active) {
  return RouteView{*IpPrefix::parse(prefix), std::move(active), false, false};
}

TunnelEvent event(const char* tunnel, TunnelState from, TunnelState to, const char* cause) {
  return TunnelEvent{kWall, tunnel, from, to, cause};
}

frr::CommitReport commit(const char* daemon, std::uint64_t version, std::uint32_t id, bool ok = true) {
  frr::CommitReport r;
  r.daemon = daemon;
  r.version = version;
  r.transaction_id = id;
  r.changed = true;
  r.duration = 3ms;
  r.ok = ok;
  return r;
}

std::vector<std::pair<std::string, TunnelState>> states(TunnelState primary, TunnelState backup) {
  return {{"primary", primary}, {"backup", backup}};
}

// The value of one exposition line ("name value"), or -1 when absent.
double sample(const Metrics& m, const std::string& name) {
  std::istringstream in(m.text());
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

class ObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wgfo-observer-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    config_.tunnels.resize(2);
    config_.tunnels[0].name = "primary";
    config_.tunnels[1].name = "backup";
    config_.audit = AuditConfig{dir_ + "/audit.log"};
    obs_.apply(config_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<nlohmann::json> lines() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ + "/audit.log");
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  // Steady state: primary carries 10.20/16 and version 1 converged (its record written).
  void steady() {
    obs_.on_routes(1, {view("10.20.0.0/16", {"primary"})}, states(TunnelState::Up, TunnelState::Up), kWall);
    obs_.on_converged(1, true, kT0);
  }

  std::string dir_;
  Config config_;
  Observer obs_;
};

TEST_F(ObserverTest, AFailoverIsWrittenAtConvergenceWithItsCauseAndTransactionIds) {
  steady();
  obs_.on_event(
      event("primary", TunnelState::Up, TunnelState::Down, "bfd down: control-detection-time-expired"),
      kT0 + 1s);
  obs_.on_routes(2, {view("10.20.0.0/16", {"backup"})}, states(TunnelState::Down, TunnelState::Up),
                 kWall + 1s);
  EXPECT_EQ(lines().size(), 1u) << "written before FRR held it";
  obs_.on_commit(commit("staticd", 2, 41));
  obs_.on_commit(commit("bgpd", 2, 17));
  obs_.on_converged(2, true, kT0 + 1s + 40ms);

  const auto l = lines();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[1]["version"], 2);
  EXPECT_EQ(l[1]["prefix"], "10.20.0.0/16");
  EXPECT_EQ(l[1]["before"]["active"], nlohmann::json::array({"primary"}));
  EXPECT_EQ(l[1]["after"]["active"], nlohmann::json::array({"backup"}));
  ASSERT_EQ(l[1]["cause"].size(), 1u);
  EXPECT_EQ(l[1]["cause"][0]["cause"], "bfd down: control-detection-time-expired");
  EXPECT_EQ(l[1]["tunnels"]["primary"], "down");
  EXPECT_EQ(l[1]["frr"]["staticd"]["transaction_id"], 41);
  EXPECT_EQ(l[1]["frr"]["bgpd"]["transaction_id"], 17);
  EXPECT_EQ(obs_.pending(), 0u);

  EXPECT_EQ(sample(obs_.metrics(), "wgfailover_detection_to_fib_seconds_count"), 1);
  EXPECT_NEAR(sample(obs_.metrics(), "wgfailover_detection_to_fib_seconds_sum"), 0.040, 1e-9);
}

TEST_F(ObserverTest, TheClockStartsAtTheDecisionThatMovedRoutesNotAtAnEarlierOneThatDidNot) {
  steady();
  obs_.on_event(event("primary", TunnelState::Up, TunnelState::Degraded, "loss 12%"), kT0 + 1s);
  obs_.on_routes(2, {view("10.20.0.0/16", {"primary"})}, states(TunnelState::Degraded, TunnelState::Up),
                 kWall + 1s);
  obs_.on_event(event("primary", TunnelState::Degraded, TunnelState::Down, "bfd down"), kT0 + 5s);
  obs_.on_routes(3, {view("10.20.0.0/16", {"backup"})}, states(TunnelState::Down, TunnelState::Up),
                 kWall + 5s);
  obs_.on_converged(3, true, kT0 + 5s + 25ms);

  EXPECT_NEAR(sample(obs_.metrics(), "wgfailover_detection_to_fib_seconds_sum"), 0.025, 1e-9);
  const auto l = lines();
  ASSERT_EQ(l.size(), 2u) << "the DEGRADED step changed no route";
  EXPECT_EQ(l[1]["cause"].size(), 2u) << "both decisions since the previous change are its cause";
}

TEST_F(ObserverTest, WithoutAFibCheckTheRecordIsWrittenButNoLatencyIsMade) {
  steady();
  obs_.on_event(event("primary", TunnelState::Up, TunnelState::Down, "link removed"), kT0 + 1s);
  obs_.on_routes(2, {view("10.20.0.0/16", {"backup"})}, states(TunnelState::Down, TunnelState::Up), kWall);
  obs_.on_converged(2, false, kT0 + 2s);
  EXPECT_EQ(lines().size(), 2u);
  EXPECT_EQ(sample(obs_.metrics(), "wgfailover_detection_to_fib_seconds_count"), 0);
}

TEST_F(ObserverTest, FailedRepairAndLaterCommitsLeaveIdsAlone) {
  steady();
  obs_.on_routes(2, {view("10.20.0.0/16", {"backup"})}, states(TunnelState::Down, TunnelState::Up), kWall);
  obs_.on_commit(commit("staticd", 2, 50, false));  // rejected: no id
  frr::CommitReport repair = commit("staticd", 2, 51);
  repair.repair = true;
  obs_.on_commit(repair);
  obs_.on_commit(commit("staticd", 1, 52));  // version 1's commit cannot carry a change made under 2
  obs_.on_commit(commit("staticd", 2, 53));
  obs_.on_commit(commit("staticd", 2, 54));  // a retry after 53: the first successful one names it
  obs_.on_converged(2, true, kT0 + 1s);
  const auto l = lines();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[1]["frr"]["staticd"]["transaction_id"], 53);
  EXPECT_TRUE(l[1]["frr"]["bgpd"].is_null());
  EXPECT_EQ(sample(obs_.metrics(), "wgfailover_frr_commit_duration_seconds_count{daemon=\"staticd\"}"), 5);
}

TEST_F(ObserverTest, ADriftRepairIsAuditedAtOnceButNeverAheadOfAPendingChange) {
  steady();
  frr::CommitReport repair = commit("staticd", 1, 60);
  repair.repair = true;
  repair.repaired = {*IpPrefix::parse("10.20.0.0/16")};
  obs_.on_commit(repair);
  auto l = lines();
  ASSERT_EQ(l.size(), 2u);  // no convergence to wait for: the desired state did not change
  EXPECT_EQ(l[1]["repair"], "kernel FIB drift: withdrawn and re-added");
  EXPECT_EQ(l[1]["before"], l[1]["after"]);
  EXPECT_EQ(l[1]["after"]["active"], nlohmann::json::array({"primary"}));
  EXPECT_EQ(l[1]["cause"], nlohmann::json::array());
  EXPECT_EQ(l[1]["tunnels"]["primary"], "up");
  EXPECT_EQ(l[1]["frr"]["staticd"]["transaction_id"], 60);
  EXPECT_FALSE(l[0].contains("repair"));  // a route change has no such key

  obs_.on_routes(2, {view("10.20.0.0/16", {"backup"})}, states(TunnelState::Down, TunnelState::Up), kWall);
  repair.version = 2;
  repair.transaction_id = 61;
  obs_.on_commit(repair);
  EXPECT_EQ(lines().size(), 2u);  // behind the failover, which waits for FRR
  obs_.on_commit(commit("staticd", 2, 62));
  obs_.on_converged(2, true, kT0 + 1s);
  l = lines();
  ASSERT_EQ(l.size(), 4u);
  EXPECT_FALSE(l[2].contains("repair"));
  EXPECT_EQ(l[2]["frr"]["staticd"]["transaction_id"], 62);
  EXPECT_EQ(l[3]["repair"], "kernel FIB drift: withdrawn and re-added");
  EXPECT_EQ(l[3]["after"]["active"], nlohmann::json::array({"backup"}));
  EXPECT_EQ(l[3]["frr"]["staticd"]["transaction_id"], 61);
}

TEST_F(ObserverTest, BacklogIsBoundedWhileFrrDoesNotConvergeAndFlushedAtStop) {
  steady();
  const std::size_t n = Observer::kMaxPending + 10;
  for (std::size_t i = 0; i < n; ++i) {
    const bool even = i % 2 == 0;
    obs_.on_routes(2 + i, {view("10.20.0.0/16", {even ? "backup" : "primary"})},
                   states(TunnelState::Up, TunnelState::Up), kWall);
  }
  EXPECT_EQ(obs_.pending(), Observer::kMaxPending);
  EXPECT_EQ(lines().size(), 1u + 10u) << "the oldest were written without ids";
  obs_.flush();
  EXPECT_EQ(obs_.pending(), 0u);
  EXPECT_EQ(lines().size(), 1u + n);
}

TEST_F(ObserverTest, NoAuditSectionWritesNothingAndRemovedTunnelsLoseTheirSeries) {
  config_.audit.reset();
  config_.tunnels.pop_back();
  obs_.metrics().on_event(event("backup", TunnelState::Up, TunnelState::Down, "x"));
  ASSERT_NE(obs_.metrics().text().find("tunnel=\"backup\""), std::string::npos);
  obs_.apply(config_);
  EXPECT_EQ(obs_.audit(), nullptr);
  steady();
  obs_.on_routes(2, {view("10.20.0.0/16", {"backup"})}, states(TunnelState::Down, TunnelState::Up), kWall);
  obs_.on_converged(2, true, kT0 + 1s);
  EXPECT_EQ(obs_.pending(), 0u);
  EXPECT_TRUE(lines().empty());
  EXPECT_EQ(obs_.metrics().text().find("tunnel=\"backup\""), std::string::npos);
}

}  // namespace
}  // namespace wgfo

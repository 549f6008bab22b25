#pragma once
// The Reconciler test fixture shared by reconciler_test.cpp and reconciler_fib_test.cpp: a fake clock, an
// in-memory staticd northbound (FakeStaticd) and a fake kernel FIB with interface states.
// The fake renders its route table in the JSON shape FRR 8.4 answers Get(CONFIG) with, and "applies"
// a commit by taking the state the test says the commit should produce: the edits themselves are
// checked by diff_test and against real FRR in the lab.

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "frr-integration/reconciler.hpp"
#include "frr-integration/xpath.hpp"
#include "tests/frr-integration/frr_test_util.hpp"

// Not in an anonymous namespace: both test files define tests on this one fixture class.
namespace wgfo::frr::reconciler_test {

using namespace test_util;

using namespace std::chrono_literals;
inline const Clock::time_point kT0 = Clock::time_point{} + 1000h;

// FRR 8.4's answer to Get(CONFIG, "/frr-routing:routing", JSON, with defaults) for these routes.
inline std::string staticd_json(const std::vector<StaticRoute>& routes) {
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

inline const Nexthop kWg0 = Nexthop::via_interface("wg0");
inline const Nexthop kWg1 = Nexthop::via_interface("wg1");

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
}  // namespace wgfo::frr::reconciler_test

// frr_commit: how fast route changes reach the kernel through staticd, three ways side by side.
//   batched     N prefixes moved from wg0 to wg1 in ONE northbound transaction (what the daemon does)
//   per-prefix  the same move as N transactions, one prefix each
//   vtysh       the same move as one `vtysh -f FILE` of 2N config lines (what an operator script does)
//   failover    what the daemon really sends when wg0 fails: each prefix also has a floating path via
//               wg1 at distance 20, and the distance-10 path-lists via wg0 are deleted in one commit
//   anchor      the prefixes are recursive, via one anchor address whose /32 has a path via wg0 at 10
//               and via wg1 at 20; failover deletes that one wg0 path and zebra re-resolves them all
// Each is timed until the command returns and until the kernel FIB shows every prefix on wg1 (read
// back over rtnetlink every millisecond). Plus the latency of a single-route commit (p50/p99), in an
// empty staticd and beside the N routes.
// Prints figures; never passes or fails on them. Run inside a site with staticd -M grpc:PORT, wg0 and
// wg1 up (tests/bench/frr_commit.sh builds that lab).
//
//   frr_commit [--staticd H:P] [--n N] [--runs R] [--single K]

#include <net/if.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "frr-integration/diff.hpp"
#include "frr-integration/fib.hpp"
#include "frr-integration/frr_parse.hpp"
#include "frr-integration/northbound_client.hpp"

namespace {

using namespace wgfo;
using namespace wgfo::frr;
using Ms = std::chrono::duration<double, std::milli>;
using SteadyClock = std::chrono::steady_clock;

constexpr std::uint32_t kTag = 4242;

[[noreturn]] void die(const std::string& why) {
  std::cerr << "frr_commit: " << why << '\n';
  std::exit(1);
}

std::vector<StaticRoute> routes_via(const std::string& ifname, int n, std::uint8_t distance = 10) {
  std::vector<StaticRoute> out;
  for (int i = 0; i < n; ++i) {
    const auto p =
        IpPrefix::parse("10." + std::to_string(100 + i / 256) + "." + std::to_string(i % 256) + ".0/24");
    out.push_back(StaticRoute{*p, distance, kTag, {Nexthop::via_interface(ifname)}, "default"});
  }
  return out;
}

StaticdObserved observe(NorthboundClient& nb) {
  Ownership own;
  own.route_tags = {kTag};
  auto json = nb.get_config("/frr-routing:routing");
  if (auto* e = std::get_if<NbError>(&json)) die("Get: " + e->message);
  auto parsed = parse_staticd(std::get<std::string>(json), own, StaticdSchema::Frr8_4);
  if (auto* why = std::get_if<std::string>(&parsed)) die(*why);
  return std::get<StaticdObserved>(std::move(parsed));
}

void commit(NorthboundClient& nb, const StaticdObserved& have, const std::vector<StaticRoute>& want) {
  FrrState s;
  s.routes = want;
  const Plan plan = diff(have, BgpdObserved{}, s, StaticdSchema::Frr8_4);
  auto r = nb.commit(plan.staticd, "frr_commit bench");
  if (auto* e = std::get_if<NbError>(&r)) die("commit: " + e->message);
}

// Until every prefix of `routes` is in the kernel via `ifindex`; returns false after 30 s.
bool wait_fib(const std::vector<StaticRoute>& routes, int ifindex) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (SteadyClock::now() < deadline) {
    auto dump = read_fib();
    if (auto* why = std::get_if<std::string>(&dump)) die("read_fib: " + *why);
    std::vector<IpPrefix> on;
    for (const auto& k : std::get<std::vector<FibRoute>>(dump)) {
      if (k.nexthops.size() == 1 && k.nexthops[0].ifindex == ifindex) on.push_back(k.prefix);
    }
    std::sort(on.begin(), on.end());
    const bool all = std::all_of(routes.begin(), routes.end(), [&](const StaticRoute& r) {
      return std::binary_search(on.begin(), on.end(), r.prefix);
    });
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}
double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0
                   : v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

std::string vtysh_file(const std::vector<StaticRoute>& from, const std::vector<StaticRoute>& to) {
  std::string path = "/tmp/frr_commit_vtysh." + std::to_string(getpid()) + ".conf";
  std::ofstream f(path);
  // `vtysh -f` reads the file as configuration: lines go straight to config mode.
  for (std::size_t i = 0; i < from.size(); ++i) {
    f << "ip route " << to[i].prefix.to_string() << " " << to[i].nexthops[0].interface << " tag " << kTag
      << " 10\n";
    f << "no ip route " << from[i].prefix.to_string() << " " << from[i].nexthops[0].interface << " tag "
      << kTag << " 10\n";
  }
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = "127.0.0.1:50051";
  int n = 1000;
  int runs = 5;
  int singles = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--staticd")
      target = argv[i + 1];
    else if (a == "--n")
      n = std::stoi(argv[i + 1]);
    else if (a == "--runs")
      runs = std::stoi(argv[i + 1]);
    else if (a == "--single")
      singles = std::stoi(argv[i + 1]);
    else
      die("unknown argument " + a);
  }
  const int wg0 = static_cast<int>(if_nametoindex("wg0"));
  const int wg1 = static_cast<int>(if_nametoindex("wg1"));
  if (wg0 == 0 || wg1 == 0) die("wg0 and wg1 must exist in this namespace");

  NorthboundClient nb(target);
  const auto from = routes_via("wg0", n);
  const auto to = routes_via("wg1", n);
  auto floating = from;  // failover mode: wg0 at 10 and wg1 at 20, then only wg1 at 20
  const auto backup = routes_via("wg1", n, 20);
  floating.insert(floating.end(), backup.begin(), backup.end());
  // anchor mode: every prefix via 100.64.0.1, which resolves over wg0 (10) or wg1 (20).
  const auto anchor = *IpAddress::parse("100.64.0.1");
  const auto anchor_prefix = IpPrefix(anchor, 32);
  std::vector<StaticRoute> recursive;
  for (const auto& r : from)
    recursive.push_back(StaticRoute{r.prefix, 10, kTag, {Nexthop::via_gateway(anchor)}, "default"});
  const StaticRoute anchor_wg1{anchor_prefix, 20, kTag, {Nexthop::via_interface("wg1")}, "default"};
  auto anchored = recursive;
  anchored.push_back(StaticRoute{anchor_prefix, 10, kTag, {Nexthop::via_interface("wg0")}, "default"});
  anchored.push_back(anchor_wg1);
  auto anchored_failed = recursive;
  anchored_failed.push_back(anchor_wg1);
  constexpr int kModes = 5;
  std::vector<double> cmd[kModes], fib[kModes];
  const char* names[kModes] = {"batched (1 commit)", "per-prefix (N commits)", "vtysh -f (2N lines)",
                               "failover (1 commit)", "anchor (1 path)"};

  for (int run = 0; run < runs; ++run) {
    for (int mode = 0; mode < kModes; ++mode) {
      commit(nb, observe(nb), mode == 3 ? floating : mode == 4 ? anchored : from);  // reset: all on wg0
      if (!wait_fib(from, wg0)) die("reset did not reach the kernel");
      const StaticdObserved have = observe(nb);
      const auto t0 = SteadyClock::now();
      if (mode == 0) {
        commit(nb, have, to);
      } else if (mode == 1) {
        for (std::size_t i = 0; i < from.size(); ++i) {
          StaticdObserved one;
          one.owned = {from[i]};
          commit(nb, one, {to[i]});
        }
      } else if (mode == 3) {
        commit(nb, have, backup);
      } else if (mode == 4) {
        commit(nb, have, anchored_failed);
      } else {
        const std::string file = vtysh_file(from, to);
        const std::string command = "vtysh -f " + file + " >/dev/null";
        if (std::system(command.c_str()) != 0) die("vtysh failed: " + command);
        std::remove(file.c_str());
      }
      const auto t1 = SteadyClock::now();
      if (!wait_fib(mode == 3 ? backup : to, wg1))
        die(std::string(names[mode]) + ": not all prefixes reached the kernel");
      const auto t2 = SteadyClock::now();
      cmd[mode].push_back(Ms(t1 - t0).count());
      fib[mode].push_back(Ms(t2 - t0).count());
    }
  }

  // Single-route commit latency: one prefix flipped between wg0 and wg1, commit round trip only, with
  // staticd otherwise empty and with the N routes present (FRR copies and diffs the whole config on
  // every transaction, so the size of the config is what a commit costs).
  auto single_commits = [&](const std::vector<StaticRoute>& background, int count) {
    commit(nb, observe(nb), background);
    std::vector<double> out;
    const auto extra = IpPrefix::parse("10.99.0.0/24");
    const StaticRoute a{*extra, 10, kTag, {Nexthop::via_interface("wg0")}, "default"};
    const StaticRoute b{*extra, 10, kTag, {Nexthop::via_interface("wg1")}, "default"};
    StaticdObserved one;
    for (int i = 0; i < count; ++i) {
      const StaticRoute& want = (i % 2 == 0) ? a : b;
      const auto t0 = SteadyClock::now();
      commit(nb, one, {want});
      out.push_back(Ms(SteadyClock::now() - t0).count());
      one.owned = {want};
    }
    return out;
  };
  const auto single = single_commits({}, singles);
  const auto single_loaded = single_commits(from, std::max(1, singles / 4));
  commit(nb, observe(nb), {});

  std::printf("frr_commit: %d prefixes moved wg0 -> wg1, median of %d runs (ms)\n", n, runs);
  std::printf("%-24s %12s %14s %10s\n", "method", "command ms", "all-in-FIB ms", "vs batched");
  for (int mode = 0; mode < kModes; ++mode) {
    std::printf("%-24s %12.1f %14.1f %9.1fx\n", names[mode], median(cmd[mode]), median(fib[mode]),
                median(fib[mode]) / median(fib[0]));
  }
  std::printf("single-route commit, empty staticd (%zu commits): p50 %.2f ms, p99 %.2f ms\n", single.size(),
              percentile(single, 0.5), percentile(single, 0.99));
  std::printf("single-route commit, %d routes present (%zu commits): p50 %.2f ms, p99 %.2f ms\n", n,
              single_loaded.size(), percentile(single_loaded, 0.5), percentile(single_loaded, 0.99));
  return 0;
}

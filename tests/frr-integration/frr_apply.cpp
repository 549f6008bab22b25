// frr_apply: makes FRR hold a desired FrrState given as JSON, through the same Programmer the daemon
// uses (validation, diff, one transaction per daemon, kernel read-back), and reports the outcome. Lab
// tests and benchmarks use it to drive states the daemon's policy would only reach slowly (BGP signals,
// invalid values, thousands of prefixes). Run it inside the site's network namespace.
//
//   frr_apply [--staticd H:P] [--bgpd H:P] [--tag T] [--route-map NAME] [--timeout S] STATE.json
//
// STATE.json: {"routes": [{"prefix": "10.20.0.0/16", "distance": 10, "tag": 4242,
//                          "nexthops": ["wg0", "blackhole", "192.0.2.1", "192.0.2.1@wg1"]}],
//              "prefix_lists": [{"name": "WGFO-S1-4", "family": 4, "prefixes": ["10.20.0.0/16"]}],
//              "route_map_entries": [{"map": "WG-FAILOVER", "sequence": 10, "match_tag": 4243,
//                                     "match_prefix_list": "WGFO-S1-4", "family": 4,
//                                     "community": "65000:200", "local_preference": 50,
//                                     "as_path_prepend": [65001]}]}
// Exit 0: FRR holds the state (and, with routes, the kernel was read back); 1: refused or not
// converged, with the reason on stderr; 2: bad usage or input.

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "controller/route_intent.hpp"
#include "frr-integration/fib.hpp"
#include "frr-integration/northbound_client.hpp"
#include "frr-integration/programmer.hpp"

namespace {

using namespace wgfo;
using namespace wgfo::frr;
using nlohmann::json;

[[noreturn]] void usage_error(const std::string& why) {
  std::cerr << "frr_apply: " << why << '\n';
  std::exit(2);
}

IpPrefix prefix_of(const json& j) {
  std::string why;
  auto p = IpPrefix::parse(j.get<std::string>(), &why);
  if (!p) usage_error("bad prefix " + j.dump() + ": " + why);
  return *p;
}

Nexthop nexthop_of(const std::string& text) {
  if (text == "blackhole") return Nexthop::blackhole();
  const auto at = text.find('@');
  if (at != std::string::npos) {
    auto gw = IpAddress::parse(text.substr(0, at));
    if (!gw) usage_error("bad gateway in " + text);
    return Nexthop::via(*gw, text.substr(at + 1));
  }
  if (auto gw = IpAddress::parse(text)) return Nexthop::via_gateway(*gw);
  return Nexthop::via_interface(text);
}

FrrState state_of(const json& doc) {
  FrrState s;
  for (const auto& r : doc.value("routes", json::array())) {
    StaticRoute route{prefix_of(r.at("prefix")),
                      r.value<std::uint8_t>("distance", 1),
                      r.value<std::uint32_t>("tag", 4242),
                      {},
                      r.value<std::string>("vrf", "default")};
    for (const auto& n : r.at("nexthops")) route.nexthops.push_back(nexthop_of(n.get<std::string>()));
    std::sort(route.nexthops.begin(), route.nexthops.end());
    s.routes.push_back(std::move(route));
  }
  for (const auto& l : doc.value("prefix_lists", json::array())) {
    PrefixList list{
        l.at("name").get<std::string>(), l.value("family", 4) == 6 ? IpFamily::V6 : IpFamily::V4, {}};
    for (const auto& p : l.at("prefixes")) list.prefixes.push_back(prefix_of(p));
    s.prefix_lists.push_back(std::move(list));
  }
  for (const auto& e : doc.value("route_map_entries", json::array())) {
    RouteMapEntry entry;
    entry.map = e.at("map").get<std::string>();
    entry.sequence = e.at("sequence").get<std::uint32_t>();
    if (e.contains("match_tag")) entry.match_tag = e["match_tag"].get<std::uint32_t>();
    if (e.contains("match_prefix_list")) entry.match_prefix_list = e["match_prefix_list"].get<std::string>();
    entry.family = e.value("family", 4) == 6 ? IpFamily::V6 : IpFamily::V4;
    if (e.contains("community")) entry.community = e["community"].get<std::string>();
    if (e.contains("local_preference")) entry.local_preference = e["local_preference"].get<std::uint32_t>();
    entry.as_path_prepend = e.value("as_path_prepend", std::vector<std::uint32_t>{});
    s.route_map_entries.push_back(std::move(entry));
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string staticd = "127.0.0.1:50051";
  std::string bgpd;
  std::uint32_t tag = 4242;
  std::string route_map = "WG-FAILOVER";
  int timeout_s = 10;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--staticd")
      staticd = next();
    else if (a == "--bgpd")
      bgpd = next();
    else if (a == "--tag")
      tag = static_cast<std::uint32_t>(std::stoul(next()));
    else if (a == "--route-map")
      route_map = next();
    else if (a == "--timeout")
      timeout_s = std::stoi(next());
    else if (!a.empty() && a[0] != '-' && file.empty())
      file = a;
    else
      usage_error("unknown argument " + a);
  }
  if (file.empty())
    usage_error("usage: frr_apply [--staticd H:P] [--bgpd H:P] [--tag T] [--route-map M] STATE.json");
  std::ifstream in(file);
  if (!in) usage_error("cannot read " + file);
  FrrState desired;
  try {
    desired = state_of(json::parse(in));
  } catch (const std::exception& e) {
    usage_error(file + ": " + e.what());
  }

  // The daemon's ownership for the same frr settings (tags tag .. tag+15, the route-map with bgpd).
  FrrConfig frr_config;
  frr_config.route_tag = tag;
  frr_config.route_map = route_map;
  if (!bgpd.empty()) frr_config.bgpd = HostPort{"127.0.0.1", 50052};  // only its presence matters here
  ValidationContext validation;
  validation.ownership = ownership_of(frr_config);
  FibAccess fib{[] { return read_fib(); }, interface_index_if_up};
  Programmer programmer(std::make_unique<NorthboundClient>(staticd),
                        bgpd.empty() ? nullptr : std::make_unique<NorthboundClient>(bgpd), validation, {},
                        fib);

  const auto t0 = Clock::now();
  const auto problems = programmer.apply(desired);
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << "frr_apply: invalid: " << p << '\n';
    return 1;
  }
  const bool converged = programmer.wait_converged(std::chrono::seconds(timeout_s));
  const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  const ProgrammerStatus st = programmer.status();
  json out{{"converged", converged},
           {"ms", ms},
           {"staticd_commits", st.staticd.commits},
           {"bgpd_commits", st.bgpd.commits},
           {"staticd_error", st.staticd.last_error},
           {"bgpd_error", st.bgpd.last_error},
           {"conflicts", st.conflicts}};
  std::cout << out.dump() << '\n';
  if (!converged) {
    std::cerr << "frr_apply: not converged within " << timeout_s
              << " s: " << (st.staticd.last_error.empty() ? st.bgpd.last_error : st.staticd.last_error)
              << '\n';
    return 1;
  }
  return 0;
}

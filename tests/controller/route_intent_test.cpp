// Route intent: configuration + tunnel states -> the FrrState the programmer must make FRR hold
// (controller/route_intent.hpp). Pure: states come from a map, configs from YAML text.
#include "controller/route_intent.hpp"

#include <gtest/gtest.h>

#include <map>

namespace wgfo {
namespace {

using frr::Nexthop;

Config load(const std::string& extra_frr, const std::string& routes) {
  const std::string yaml = R"(node: a
frr:
  staticd: 127.0.0.1:50051
  route_tag: 100
)" + extra_frr + R"(
tunnels:
  - {name: primary, interface: wg0, local_address: 203.0.113.1, peer_address: 203.0.113.2}
  - {name: backup, interface: wg1, local_address: 203.0.113.5, peer_address: 203.0.113.6}
routes:
)" + routes;
  auto r = load_config_string(yaml, "t.yaml");
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : format(r.errors[0]));
  return r.config.value_or(Config{});
}

struct States {
  std::map<std::string, TunnelState, std::less<>> m;
  TunnelRoutingOf fn() const {
    return [this](std::string_view n) {
      auto it = m.find(n);
      return TunnelRouting{it == m.end() ? TunnelState::Down : it->second};
    };
  }
};

const IpPrefix kP = *IpPrefix::parse("10.20.0.0/16");

TEST(RouteIntent, ActivePassiveWritesOneFloatingStaticPerUsableTunnel) {
  const Config c = load("", "  - {prefix: 10.20.0.0/16, via: [primary, backup]}\n");
  States s{{{"primary", TunnelState::Up}, {"backup", TunnelState::Up}}};
  auto want = route_intent(c, s.fn());
  ASSERT_EQ(want.routes.size(), 2U);
  EXPECT_EQ(want.routes[0].prefix, kP);
  EXPECT_EQ(want.routes[0].distance, 10);
  EXPECT_EQ(want.routes[0].tag, 100U);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg0")});
  EXPECT_EQ(want.routes[1].distance, 20);
  EXPECT_EQ(want.routes[1].nexthops, std::vector{Nexthop::via_interface("wg1")});
  EXPECT_TRUE(want.route_map_entries.empty());
  auto views = route_views(c, s.fn());
  ASSERT_EQ(views.size(), 1U);
  EXPECT_EQ(views[0].active, std::vector<std::string>{"primary"});

  s.m["primary"] = TunnelState::Down;  // the primary's path-list goes; the backup keeps distance 20
  want = route_intent(c, s.fn());
  ASSERT_EQ(want.routes.size(), 1U);
  EXPECT_EQ(want.routes[0].distance, 20);
  EXPECT_EQ(route_views(c, s.fn())[0].active, std::vector<std::string>{"backup"});
}

TEST(RouteIntent, EcmpIsOnePathListWithEveryUpTunnel) {
  const Config c = load("", "  - {prefix: 10.20.0.0/16, mode: ecmp, via: [backup, primary]}\n");
  States s{{{"primary", TunnelState::Up}, {"backup", TunnelState::Up}}};
  auto want = route_intent(c, s.fn());
  ASSERT_EQ(want.routes.size(), 1U);
  EXPECT_EQ(want.routes[0].distance, 10);
  EXPECT_EQ(want.routes[0].nexthops,
            (std::vector{Nexthop::via_interface("wg0"), Nexthop::via_interface("wg1")}));
  EXPECT_EQ(route_views(c, s.fn())[0].active, (std::vector<std::string>{"backup", "primary"}));
  s.m["backup"] = TunnelState::AdminDown;
  want = route_intent(c, s.fn());
  ASSERT_EQ(want.routes.size(), 1U);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg0")});
}

TEST(RouteIntent, EcmpDropsDegradedMembersOnlyWhileAnotherIsUp) {
  const Config c =
      load("", "  - {prefix: 10.20.0.0/16, mode: ecmp, via: [backup, primary], kill_switch: true}\n");
  States s{{{"primary", TunnelState::Up}, {"backup", TunnelState::Degraded}}};
  auto want = route_intent(c, s.fn());
  ASSERT_EQ(want.routes.size(), 2U);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg0")});
  s.m["primary"] = TunnelState::Degraded;  // nothing is up: keep every degraded path
  want = route_intent(c, s.fn());
  EXPECT_EQ(want.routes[0].nexthops,
            (std::vector{Nexthop::via_interface("wg0"), Nexthop::via_interface("wg1")}));
  TunnelRouting standby{TunnelState::Down};
  standby.standby = true;
  s.m.erase("primary");
  States t{{{"backup", TunnelState::Degraded}}};
  auto fn = [&](std::string_view n) { return n == "primary" ? standby : t.fn()(n); };
  want = route_intent(c, fn);  // degraded beats standby
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg1")});
  auto only_standby = [&](std::string_view n) { return n == "primary" ? standby : TunnelRouting{}; };
  want = route_intent(c, only_standby);  // a last resort beats the kill switch
  ASSERT_EQ(want.routes.size(), 2U);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg0")});
  const auto v = route_views(c, only_standby)[0];
  EXPECT_EQ(v.active, std::vector<std::string>{"primary"});
  EXPECT_FALSE(v.kill_switch);
}

TEST(RouteIntent, ADegradedPrimaryGoesBehindAnUpBackupWithoutBeingWithdrawn) {
  const Config c = load("", "  - {prefix: 10.20.0.0/16, via: [primary, backup]}\n");
  States s{{{"primary", TunnelState::Degraded}, {"backup", TunnelState::Up}}};
  auto want = route_intent(c, s.fn());
  ASSERT_EQ(want.routes.size(), 2U);
  EXPECT_EQ(want.routes[0].distance, 10);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg1")});
  EXPECT_EQ(want.routes[1].distance, 20);
  EXPECT_EQ(want.routes[1].nexthops, std::vector{Nexthop::via_interface("wg0")});
  EXPECT_EQ(route_views(c, s.fn())[0].active, std::vector<std::string>{"backup"});
  // Make-before-break: a backup that is not UP is no reason to move; the last usable path stays.
  s.m["backup"] = TunnelState::Down;
  want = route_intent(c, s.fn());
  ASSERT_EQ(want.routes.size(), 1U);
  EXPECT_EQ(want.routes[0].distance, 10);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg0")});
  s.m["backup"] = TunnelState::Degraded;  // both degraded: preference order holds
  want = route_intent(c, s.fn());
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg0")});
}

TEST(RouteIntent, AStandbyTunnelIsOnlyALastResort) {
  const Config c = load("", "  - {prefix: 10.20.0.0/16, via: [primary, backup], kill_switch: true}\n");
  TunnelRouting held{TunnelState::Down};
  held.standby = true;  // e.g. in its fail-back hold-down
  TunnelRouting backup{TunnelState::Up};
  auto fn = [&](std::string_view n) { return n == "primary" ? held : backup; };
  auto want = route_intent(c, fn);
  ASSERT_EQ(want.routes.size(), 3U);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg1")});  // traffic stays here
  EXPECT_EQ(want.routes[1].nexthops, std::vector{Nexthop::via_interface("wg0")});
  EXPECT_EQ(want.routes[1].distance, 20);
  EXPECT_EQ(route_views(c, fn)[0].active, std::vector<std::string>{"backup"});
  backup = TunnelRouting{TunnelState::Down};
  want = route_intent(c, fn);
  ASSERT_EQ(want.routes.size(), 2U);  // the standby path and the blackhole behind it
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg0")});
  const auto v = route_views(c, fn)[0];
  EXPECT_EQ(v.active, std::vector<std::string>{"primary"});
  EXPECT_FALSE(v.kill_switch);
}

TEST(RouteIntent, AnOverrideMovesTheTunnelToItsPreferredPosition) {
  const Config c = load("", "  - {prefix: 10.20.0.0/16, via: [primary, backup]}\n");
  TunnelRouting preferred{TunnelState::Up};
  preferred.prefer = 1;
  auto fn = [&](std::string_view n) { return n == "backup" ? preferred : TunnelRouting{TunnelState::Up}; };
  auto want = route_intent(c, fn);
  ASSERT_EQ(want.routes.size(), 2U);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg1")});
  EXPECT_EQ(want.routes[0].distance, 10);
  preferred.prefer = 9;  // past the end: last
  want = route_intent(c, fn);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg0")});
  preferred.prefer = 1;
  preferred.state = TunnelState::Degraded;  // an override does not beat health: UP first
  want = route_intent(c, fn);
  EXPECT_EQ(want.routes[0].nexthops, std::vector{Nexthop::via_interface("wg0")});
}

TEST(RouteIntent, KillSwitchBlackholeIsAlwaysThereAndWinsOnlyWhenNothingIsUsable) {
  const Config c = load("", "  - {prefix: 2001:db8:20::/48, via: [primary, backup], kill_switch: true}\n");
  States s{{{"primary", TunnelState::Up}}};
  auto want = route_intent(c, s.fn());
  ASSERT_EQ(want.routes.size(), 2U);
  EXPECT_EQ(want.routes[1].distance, 250);
  EXPECT_EQ(want.routes[1].nexthops, std::vector{Nexthop::blackhole()});
  EXPECT_FALSE(route_views(c, s.fn())[0].kill_switch);
  s.m.clear();
  want = route_intent(c, s.fn());
  ASSERT_EQ(want.routes.size(), 1U);
  EXPECT_EQ(want.routes[0].distance, 250);
  const auto v = route_views(c, s.fn())[0];
  EXPECT_TRUE(v.kill_switch);
  EXPECT_TRUE(v.active.empty());
}

TEST(RouteIntent, NoUsableTunnelAndNoKillSwitchWithdrawsThePrefix) {
  const Config c = load("", "  - {prefix: 10.20.0.0/16, mode: ecmp, via: [primary, backup]}\n");
  EXPECT_TRUE(route_intent(c, States{}.fn()).routes.empty());
}

const char* kSignalRoutes = R"(  - prefix: 10.20.0.0/16
    via: [primary, backup]
    bgp: {degraded: {community: "65000:200", local_preference: 50}}
  - prefix: 10.30.0.0/16
    via: [backup]
    bgp: {degraded: {community: "65000:300"}}
  - prefix: 2001:db8:20::/48
    via: [primary]
    bgp: {degraded: {community: "65000:200", local_preference: 50}}
)";

TEST(RouteIntent, TagSignallingFlipsTheTagAndKeepsFixedEntries) {
  const Config c = load("  bgpd: 127.0.0.1:50052\n", kSignalRoutes);
  States s{{{"primary", TunnelState::Up}, {"backup", TunnelState::Up}}};
  auto want = route_intent(c, s.fn());
  ASSERT_EQ(want.route_map_entries.size(), 2U);  // two distinct signals, written whatever the states
  EXPECT_EQ(want.route_map_entries[0].map, "WG-FAILOVER");
  EXPECT_EQ(want.route_map_entries[0].sequence, 10U);
  EXPECT_EQ(want.route_map_entries[0].match_tag, 101U);
  EXPECT_EQ(want.route_map_entries[0].community, "65000:200");
  EXPECT_EQ(want.route_map_entries[0].local_preference, 50U);
  EXPECT_EQ(want.route_map_entries[1].sequence, 20U);
  EXPECT_EQ(want.route_map_entries[1].match_tag, 102U);
  EXPECT_TRUE(want.prefix_lists.empty());
  for (const auto& r : want.routes) EXPECT_EQ(r.tag, 100U);

  s.m["primary"] = TunnelState::Degraded;  // 10.20/16 and the IPv6 route are active on a degraded tunnel
  s.m["backup"] = TunnelState::Down;       // (with the backup up, 10.20/16 would move there instead)
  want = route_intent(c, s.fn());
  for (const auto& r : want.routes)
    EXPECT_EQ(r.tag, r.prefix == *IpPrefix::parse("10.30.0.0/16") ? 100U : 101U);
  EXPECT_EQ(want.route_map_entries.size(), 2U);
}

TEST(RouteIntent, RouteMapSignallingListsTheSignalledPrefixesPerFamily) {
  const Config c = load("  bgpd: 127.0.0.1:50052\n  bgp_signalling: route-map\n", kSignalRoutes);
  States s{{{"primary", TunnelState::Up}, {"backup", TunnelState::Up}}};
  auto want = route_intent(c, s.fn());
  EXPECT_TRUE(want.prefix_lists.empty());  // nothing signalled: no lists, no entries
  EXPECT_TRUE(want.route_map_entries.empty());

  s.m["primary"] = TunnelState::Degraded;
  s.m["backup"] = TunnelState::Down;
  want = route_intent(c, s.fn());
  ASSERT_EQ(want.prefix_lists.size(), 2U);
  EXPECT_EQ(want.prefix_lists[0].name, "WGFO-S1-4");
  EXPECT_EQ(want.prefix_lists[0].prefixes, std::vector{kP});
  EXPECT_EQ(want.prefix_lists[1].name, "WGFO-S1-6");
  EXPECT_EQ(want.prefix_lists[1].family, IpFamily::V6);
  ASSERT_EQ(want.route_map_entries.size(), 2U);
  EXPECT_EQ(want.route_map_entries[0].sequence, 10U);
  EXPECT_EQ(want.route_map_entries[0].match_prefix_list, "WGFO-S1-4");
  EXPECT_EQ(want.route_map_entries[1].sequence, 15U);
  EXPECT_EQ(want.route_map_entries[1].match_prefix_list, "WGFO-S1-6");
  for (const auto& r : want.routes) EXPECT_EQ(r.tag, 100U);  // tags never move in this mode
}

TEST(RouteIntent, WithoutBgpdNoSignalIsWritten) {
  Config c = load("  bgpd: 127.0.0.1:50052\n", kSignalRoutes);
  c.frr.bgpd.reset();  // the config loader refuses signals without bgpd; the intent must not rely on it
  States s{{{"primary", TunnelState::Degraded}, {"backup", TunnelState::Down}}};
  const auto want = route_intent(c, s.fn());
  EXPECT_TRUE(want.route_map_entries.empty());
  for (const auto& r : want.routes) EXPECT_EQ(r.tag, 100U);
  EXPECT_TRUE(route_views(c, s.fn())[0].signalled);
}

TEST(RouteIntent, OwnershipCoversTheTagBlockAndTheRouteMap) {
  FrrConfig f;
  f.route_tag = 4242;
  auto o = ownership_of(f);
  ASSERT_EQ(o.route_tags.size(), 16U);
  EXPECT_EQ(o.route_tags.front(), 4242U);
  EXPECT_EQ(o.route_tags.back(), 4257U);
  EXPECT_TRUE(o.route_maps.empty());
  f.bgpd = HostPort{"127.0.0.1", 50052};
  EXPECT_EQ(ownership_of(f).route_maps, std::vector<std::string>{"WG-FAILOVER"});
}

}  // namespace
}  // namespace wgfo

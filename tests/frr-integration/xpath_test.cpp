// Golden XPaths and values for every form the daemon writes, per staticd layout (8.4 as tested live in
// frr-grpc.md §2.2, 10.3 with src-prefix, 10.7 flattened) and for bgpd's prefix-lists and route-maps
// (frr-grpc.md §3.3). A change to any of these strings changes what FRR is asked to do.

#include "frr-integration/xpath.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/frr-integration/frr_test_util.hpp"

namespace wgfo::frr {
namespace {

using namespace test_util;

using ::testing::ElementsAre;

const std::string kP =
    "/frr-routing:routing/control-plane-protocols/control-plane-protocol[type='frr-staticd:staticd']"
    "[name='staticd'][vrf='default']/frr-staticd:staticd";

TEST(XpathStaticd, RootAndRouteList) {
  EXPECT_EQ(staticd_root("default"), kP);
  const auto r = route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")});
  EXPECT_EQ(route_list_xpath(StaticdSchema::Frr8_4, r),
            kP + "/route-list[prefix='10.20.0.0/16'][afi-safi='frr-routing:ipv4-unicast']");
  EXPECT_EQ(
      route_list_xpath(StaticdSchema::Frr10_3, r),
      kP + "/route-list[prefix='10.20.0.0/16'][src-prefix='::/0'][afi-safi='frr-routing:ipv4-unicast']");
  EXPECT_EQ(
      route_list_xpath(StaticdSchema::Frr10_7, r),
      kP + "/route-list[prefix='10.20.0.0/16'][src-prefix='::/0'][afi-safi='frr-routing:ipv4-unicast']");
  EXPECT_EQ(path_list_xpath(StaticdSchema::Frr8_4, r),
            kP + "/route-list[prefix='10.20.0.0/16'][afi-safi='frr-routing:ipv4-unicast']"
                 "/path-list[table-id='0'][distance='10']");
  EXPECT_EQ(path_list_xpath(StaticdSchema::Frr10_7, r), "");
}

TEST(XpathStaticd, Ipv4InterfaceOnly84) {
  const auto r = route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")});
  EXPECT_THAT(
      static_route_updates(StaticdSchema::Frr8_4, r),
      ElementsAre(PathValue{kP + "/route-list[prefix='10.20.0.0/16'][afi-safi='frr-routing:ipv4-unicast']"
                                 "/path-list[table-id='0'][distance='10']/tag",
                            "4242"},
                  PathValue{kP + "/route-list[prefix='10.20.0.0/16'][afi-safi='frr-routing:ipv4-unicast']"
                                 "/path-list[table-id='0'][distance='10']/frr-nexthops/nexthop"
                                 "[nh-type='ifindex'][vrf='default'][gateway=''][interface='wg0']",
                            ""}));
}

TEST(XpathStaticd, Ipv4GatewayForms84) {
  const auto r = route("10.20.0.0/16", 20, {});
  const std::string pl = kP +
                         "/route-list[prefix='10.20.0.0/16'][afi-safi='frr-routing:ipv4-unicast']"
                         "/path-list[table-id='0'][distance='20']/frr-nexthops/nexthop";
  EXPECT_EQ(nexthop_xpath(StaticdSchema::Frr8_4, r, Nexthop::via_gateway(ip("10.10.0.1"))),
            pl + "[nh-type='ip4'][vrf='default'][gateway='10.10.0.1'][interface='(null)']");
  EXPECT_EQ(nexthop_xpath(StaticdSchema::Frr8_4, r, Nexthop::via(ip("10.10.0.1"), "wg1")),
            pl + "[nh-type='ip4-ifindex'][vrf='default'][gateway='10.10.0.1'][interface='wg1']");
}

TEST(XpathStaticd, Blackhole84WritesBhType) {
  const auto r = route("10.20.0.0/16", 250, {Nexthop::blackhole()});
  const auto ups = static_route_updates(StaticdSchema::Frr8_4, r);
  ASSERT_EQ(ups.size(), 2U);
  EXPECT_EQ(ups[1].path, kP + "/route-list[prefix='10.20.0.0/16'][afi-safi='frr-routing:ipv4-unicast']"
                              "/path-list[table-id='0'][distance='250']/frr-nexthops/nexthop"
                              "[nh-type='blackhole'][vrf='default'][gateway=''][interface='(null)']/bh-type");
  EXPECT_EQ(ups[1].value, "null");
}

TEST(XpathStaticd, Ipv6Forms) {
  const auto r = route("2001:db8::/32", 10, {});
  const std::string rl84 = kP + "/route-list[prefix='2001:db8::/32'][afi-safi='frr-routing:ipv6-unicast']";
  EXPECT_EQ(nexthop_xpath(StaticdSchema::Frr8_4, r, Nexthop::via(ip("fe80::1"), "wg0")),
            rl84 +
                "/path-list[table-id='0'][distance='10']/frr-nexthops/nexthop"
                "[nh-type='ip6-ifindex'][vrf='default'][gateway='fe80::1'][interface='wg0']");
  EXPECT_EQ(nexthop_xpath(StaticdSchema::Frr8_4, r, Nexthop::via_gateway(ip("2001:db8::2"))),
            rl84 +
                "/path-list[table-id='0'][distance='10']/frr-nexthops/nexthop"
                "[nh-type='ip6'][vrf='default'][gateway='2001:db8::2'][interface='(null)']");
  EXPECT_EQ(nexthop_xpath(StaticdSchema::Frr10_3, r, Nexthop::via_interface("wg0")),
            kP + "/route-list[prefix='2001:db8::/32'][src-prefix='::/0'][afi-safi='frr-routing:ipv6-unicast']"
                 "/path-list[table-id='0'][distance='10']/frr-nexthops/nexthop"
                 "[nh-type='ifindex'][vrf='default'][gateway=''][interface='wg0']");
  EXPECT_EQ(nexthop_xpath(StaticdSchema::Frr10_7, r, Nexthop::via_gateway(ip("2001:db8::2"))),
            kP + "/route-list[prefix='2001:db8::/32'][src-prefix='::/0'][afi-safi='frr-routing:ipv6-unicast']"
                 "/path-list[table-id='0'][nh-type='ip6'][vrf='default'][gateway='2001:db8::2'][interface='("
                 "null)']");
}

TEST(XpathStaticd, Frr103KeepsTheNexthopLevel) {
  const auto r = route("10.20.0.0/16", 10, {Nexthop::via(ip("10.10.0.1"), "wg1")});
  const std::string rl =
      kP + "/route-list[prefix='10.20.0.0/16'][src-prefix='::/0'][afi-safi='frr-routing:ipv4-unicast']";
  EXPECT_THAT(
      static_route_updates(StaticdSchema::Frr10_3, r),
      ElementsAre(
          PathValue{rl + "/path-list[table-id='0'][distance='10']/tag", "4242"},
          PathValue{rl + "/path-list[table-id='0'][distance='10']/frr-nexthops/nexthop"
                         "[nh-type='ip4-ifindex'][vrf='default'][gateway='10.10.0.1'][interface='wg1']",
                    ""}));
}

TEST(XpathStaticd, Frr107FlattensDistanceAndTagIntoTheNexthopEntry) {
  const auto r = route("10.20.0.0/16", 20, {Nexthop::via_interface("wg0"), Nexthop::blackhole()});
  const std::string rl =
      kP + "/route-list[prefix='10.20.0.0/16'][src-prefix='::/0'][afi-safi='frr-routing:ipv4-unicast']";
  const std::string wg0 =
      rl + "/path-list[table-id='0'][nh-type='ifindex'][vrf='default'][gateway=''][interface='wg0']";
  const std::string bh =
      rl + "/path-list[table-id='0'][nh-type='blackhole'][vrf='default'][gateway=''][interface='(null)']";
  EXPECT_THAT(static_route_updates(StaticdSchema::Frr10_7, r),
              ElementsAre(PathValue{wg0 + "/distance", "20"}, PathValue{wg0 + "/tag", "4242"},
                          PathValue{wg0, ""}, PathValue{bh + "/distance", "20"},
                          PathValue{bh + "/tag", "4242"}, PathValue{bh + "/bh-type", "null"}));
  EXPECT_EQ(tag_xpath(StaticdSchema::Frr10_7, r, Nexthop::via_interface("wg0")), wg0 + "/tag");
  EXPECT_EQ(distance_xpath(r, Nexthop::via_interface("wg0")), wg0 + "/distance");
}

TEST(XpathStaticd, NexthopVrfAndQuoting) {
  auto r = route("10.20.0.0/16", 10, {});
  r.vrf = "red";
  Nexthop nh = Nexthop::via_interface("wg0");
  nh.vrf = "blue";
  EXPECT_EQ(
      nexthop_xpath(StaticdSchema::Frr8_4, r, nh),
      "/frr-routing:routing/control-plane-protocols/control-plane-protocol[type='frr-staticd:staticd']"
      "[name='staticd'][vrf='red']/frr-staticd:staticd/route-list[prefix='10.20.0.0/16']"
      "[afi-safi='frr-routing:ipv4-unicast']/path-list[table-id='0'][distance='10']/frr-nexthops/nexthop"
      "[nh-type='ifindex'][vrf='blue'][gateway=''][interface='wg0']");
  EXPECT_EQ(xpath_quote("a'b"), "\"a'b\"");
  EXPECT_EQ(xpath_quote("ab"), "'ab'");
}

TEST(XpathBgpd, PrefixList) {
  PrefixList pl{"WGFO-V4", IpFamily::V4, {pfx("10.20.0.0/16"), pfx("10.21.0.0/16")}};
  const std::string base = "/frr-filter:lib/prefix-list[type='ipv4'][name='WGFO-V4']";
  EXPECT_THAT(prefix_list_updates(pl),
              ElementsAre(PathValue{base + "/entry[sequence='5']/action", "permit"},
                          PathValue{base + "/entry[sequence='5']/ipv4-prefix", "10.20.0.0/16"},
                          PathValue{base + "/entry[sequence='10']/action", "permit"},
                          PathValue{base + "/entry[sequence='10']/ipv4-prefix", "10.21.0.0/16"}));
  PrefixList v6{"WGFO-V6", IpFamily::V6, {pfx("2001:db8::/32")}};
  EXPECT_THAT(
      prefix_list_updates(v6),
      ElementsAre(
          PathValue{"/frr-filter:lib/prefix-list[type='ipv6'][name='WGFO-V6']/entry[sequence='5']/action",
                    "permit"},
          PathValue{
              "/frr-filter:lib/prefix-list[type='ipv6'][name='WGFO-V6']/entry[sequence='5']/ipv6-prefix",
              "2001:db8::/32"}));
  EXPECT_THAT(prefix_list_updates(PrefixList{"WGFO-E", IpFamily::V4, {}}),
              ElementsAre(PathValue{"/frr-filter:lib/prefix-list[type='ipv4'][name='WGFO-E']", ""}));
}

TEST(XpathBgpd, RouteMapEntryWithPrefixListAndAllSets) {
  RouteMapEntry e;
  e.map = "TUNNEL-HEALTH";
  e.sequence = 10;
  e.match_prefix_list = "WGFO-V4";
  e.community = "65001:100";
  e.local_preference = 200;
  e.as_path_prepend = {65001, 65001};
  const std::string rm = "/frr-route-map:lib/route-map[name='TUNNEL-HEALTH']/entry[sequence='10']";
  EXPECT_THAT(
      route_map_entry_updates(e),
      ElementsAre(
          PathValue{rm + "/action", "permit"},
          PathValue{rm + "/match-condition[condition='frr-route-map:ipv4-prefix-list']/rmap-match-condition/"
                         "list-name",
                    "WGFO-V4"},
          PathValue{rm + "/set-action[action='frr-bgp-route-map:set-community']/rmap-set-action/"
                         "frr-bgp-route-map:community-string",
                    "65001:100 additive"},
          PathValue{rm + "/set-action[action='frr-bgp-route-map:set-local-preference']/rmap-set-action/"
                         "frr-bgp-route-map:local-pref",
                    "200"},
          PathValue{rm + "/set-action[action='frr-bgp-route-map:as-path-prepend']/rmap-set-action/"
                         "frr-bgp-route-map:prepend-as-path",
                    "65001 65001"}));
}

TEST(XpathBgpd, RouteMapEntryMatchTagAndIpv6PrefixList) {
  RouteMapEntry e;
  e.map = "WG";
  e.sequence = 20;
  e.match_tag = 4242;
  EXPECT_THAT(
      route_map_entry_updates(e),
      ElementsAre(PathValue{"/frr-route-map:lib/route-map[name='WG']/entry[sequence='20']/action", "permit"},
                  PathValue{"/frr-route-map:lib/route-map[name='WG']/entry[sequence='20']/match-condition"
                            "[condition='frr-route-map:match-tag']/rmap-match-condition/tag",
                            "4242"}));
  e.match_tag.reset();
  e.match_prefix_list = "WGFO-V6";
  e.family = IpFamily::V6;
  EXPECT_EQ(route_map_entry_updates(e).at(1).path,
            "/frr-route-map:lib/route-map[name='WG']/entry[sequence='20']/match-condition"
            "[condition='frr-route-map:ipv6-prefix-list']/rmap-match-condition/list-name");
}

}  // namespace
}  // namespace wgfo::frr

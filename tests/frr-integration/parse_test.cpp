// parse_staticd / parse_bgpd on replies captured from real FRR 8.4.4 (data/README.md), plus the
// malformed replies a broken or foreign server could send: each must give one error line, never a
// crash or an exception.

#include "frr-integration/frr_parse.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/frr-integration/frr_test_util.hpp"

#include <fstream>
#include <sstream>

namespace wgfo::frr {
namespace {

using namespace test_util;

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Ownership ownership() {
  Ownership o;
  o.route_tags = {4242};
  o.route_maps = {"WG-FAILOVER"};
  o.min_sequence = 1;
  o.max_sequence = 65000;
  o.prefix_list_prefix = "WGFO-";
  return o;
}

StaticdObserved staticd_ok(std::string_view json) {
  auto r = parse_staticd(json, ownership(), StaticdSchema::Frr8_4);
  if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
  return std::holds_alternative<StaticdObserved>(r) ? std::get<StaticdObserved>(r) : StaticdObserved{};
}

std::string staticd_err(std::string_view json) {
  auto r = parse_staticd(json, ownership(), StaticdSchema::Frr8_4);
  EXPECT_TRUE(std::holds_alternative<std::string>(r)) << json;
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(ParseStaticd, RealFrr84Reply) {
  const auto got = staticd_ok(data("staticd_routing.json"));
  EXPECT_THAT(
      got.owned,
      ElementsAre(
          route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0")}, 4242),
          route("10.20.0.0/16", 20, {Nexthop::via(ip("10.10.0.1"), "wg1")}, 4242),
          route("10.21.0.0/16", 1,
                {Nexthop::via_gateway(ip("203.0.113.2")), Nexthop::via_gateway(ip("203.0.113.6"))}, 4242),
          route("10.22.0.0/16", 10, {Nexthop::via_interface("wg0")}, 4242),
          route("10.22.0.0/16", 250, {Nexthop::blackhole()}, 4242),
          route("10.23.0.0/16", 20, {Nexthop::via_interface("wg1")}, 4242),
          route("2001:db8:20::/48", 10, {Nexthop::via_interface("wg0")}, 4242),
          route("2001:db8:20::/48", 20, {Nexthop::via(ip("fe80::1"), "wg1")}, 4242),
          route("2001:db8:21::/48", 1, {Nexthop::via_gateway(ip("2001:db8::2"))}, 4242)));
  EXPECT_THAT(got.foreign, ElementsAre(route("10.23.0.0/16", 10, {Nexthop::via_interface("wg0")}, 0),
                                       route("192.0.2.128/25", 1, {Nexthop::blackhole()}, 0)));
  EXPECT_THAT(got.other_tables, IsEmpty());
}

TEST(ParseStaticd, NothingConfigured) {
  const auto real = staticd_ok(data("staticd_empty.json"));
  EXPECT_THAT(real.owned, IsEmpty());
  EXPECT_THAT(real.foreign, IsEmpty());
  const auto empty = staticd_ok("{}");
  EXPECT_THAT(empty.owned, IsEmpty());
}

TEST(ParseStaticd, OtherTagsAreForeignAndOtherTablesSetApart) {
  const auto got =
      staticd_ok(R"J({"frr-routing:routing":{"control-plane-protocols":{"control-plane-protocol":[
    {"type":"frr-staticd:staticd","name":"staticd","vrf":"red","frr-staticd:staticd":{"route-list":[
      {"prefix":"10.1.0.0/16","afi-safi":"frr-routing:ipv4-unicast","path-list":[
        {"table-id":0,"distance":5,"tag":"7","frr-nexthops":{"nexthop":[
          {"nh-type":"ifindex","vrf":"red","gateway":"","interface":"wg0"}]}},
        {"table-id":9,"distance":5,"tag":4242,"frr-nexthops":{"nexthop":[
          {"nh-type":"ifindex","vrf":"red","gateway":"","interface":"wg0"}]}}]},
      {"prefix":"10.2.0.0/16","afi-safi":"frr-routing:ipv4-multicast","path-list":[]}]}}]}}})J");
  ASSERT_EQ(got.foreign.size(), 1U);
  EXPECT_EQ(got.foreign[0].vrf, "red");
  EXPECT_EQ(got.foreign[0].tag, 7U);
  EXPECT_EQ(got.foreign[0].nexthops.at(0).vrf, "red");
  ASSERT_EQ(got.other_tables.size(), 1U);
  EXPECT_EQ(got.other_tables[0].prefix, pfx("10.1.0.0/16"));
  EXPECT_THAT(got.owned, IsEmpty());
}

TEST(ParseStaticd, MalformedRepliesGiveOneLine) {
  EXPECT_THAT(staticd_err(""), HasSubstr("not JSON"));
  EXPECT_THAT(staticd_err("{\"frr-routing:routing\": "), HasSubstr("not JSON"));
  EXPECT_THAT(staticd_err("[1,2]"), HasSubstr("not a JSON object"));
  EXPECT_THAT(staticd_err(R"J({"frr-routing:routing": 3})J"), HasSubstr("is not an object"));
  EXPECT_THAT(
      staticd_err(R"J({"frr-routing:routing":{"control-plane-protocols":{"control-plane-protocol":{}}}})J"),
      HasSubstr("is not a list"));
  const std::string head =
      R"J({"frr-routing:routing":{"control-plane-protocols":{"control-plane-protocol":[{"type":"frr-staticd:staticd","name":"staticd","vrf":"default","frr-staticd:staticd":{"route-list":[)J";
  const std::string tail = "]}}]}}}";
  const std::string ok_pl =
      R"J("path-list":[{"table-id":0,"distance":1,"tag":4242,"frr-nexthops":{"nexthop":[{"nh-type":"ifindex","vrf":"default","gateway":"","interface":"wg0"}]}}])J";
  EXPECT_EQ(staticd_err(head + R"J({"prefix":"10.0.0.0/33","afi-safi":"frr-routing:ipv4-unicast",)J" + ok_pl +
                        "}" + tail),
            "staticd reply: route-list[0]: prefix \"10.0.0.0/33\" is not a prefix");
  EXPECT_THAT(staticd_err(head + R"J({"afi-safi":"frr-routing:ipv4-unicast"})J" + tail),
              HasSubstr("missing \"prefix\""));
  EXPECT_THAT(staticd_err(head + R"J({"prefix":"10.0.0.0/8","afi-safi":"frr-routing:ipv6-unicast"})J" + tail),
              HasSubstr("does not match"));
  EXPECT_THAT(
      staticd_err(
          head +
          R"J({"prefix":"10.0.0.0/8","afi-safi":"frr-routing:ipv4-unicast","path-list":[{"table-id":0,"distance":"x"}]})J" +
          tail),
      HasSubstr("\"distance\" is not a number"));
  EXPECT_THAT(
      staticd_err(
          head +
          R"J({"prefix":"10.0.0.0/8","afi-safi":"frr-routing:ipv4-unicast","path-list":[{"table-id":0,"distance":300}]})J" +
          tail),
      HasSubstr("distance"));
  EXPECT_THAT(
      staticd_err(
          head +
          R"J({"prefix":"10.0.0.0/8","afi-safi":"frr-routing:ipv4-unicast","path-list":[{"table-id":0,"distance":1,"frr-nexthops":{"nexthop":[{"nh-type":"ip4","vrf":"default","gateway":"fe80::1","interface":"(null)"}]}}]})J" +
          tail),
      HasSubstr("path-list[0] nexthop[0]: gateway \"fe80::1\" is not an IPv4 address"));
  EXPECT_THAT(
      staticd_err(
          head +
          R"J({"prefix":"10.0.0.0/8","afi-safi":"frr-routing:ipv4-unicast","path-list":[{"table-id":0,"distance":1,"frr-nexthops":{"nexthop":[{"nh-type":"teleport","vrf":"default","gateway":"","interface":"(null)"}]}}]})J" +
          tail),
      HasSubstr("unknown nh-type"));
  EXPECT_THAT(
      staticd_err(
          head +
          R"J({"prefix":"10.0.0.0/8","afi-safi":"frr-routing:ipv4-unicast","path-list":[{"table-id":0,"distance":1,"frr-nexthops":{"nexthop":[{"nh-type":"ip4","vrf":"default","gateway":"10.1.1.1","interface":""}]}}]})J" +
          tail),
      HasSubstr("expected \"(null)\""));
}

TEST(ParseStaticd, OnlyThe84LayoutIsRead) {
  auto r = parse_staticd("{}", ownership(), StaticdSchema::Frr10_3);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_THAT(std::get<std::string>(r), HasSubstr("8.4"));
}

BgpdObserved bgpd_ok(std::string_view rm, std::string_view filter) {
  auto r = parse_bgpd(rm, filter, ownership());
  if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
  return std::holds_alternative<BgpdObserved>(r) ? std::get<BgpdObserved>(r) : BgpdObserved{};
}

TEST(ParseBgpd, RealFrr84Replies) {
  const auto got = bgpd_ok(data("bgpd_route_map.json"), data("bgpd_filter.json"));
  EXPECT_THAT(got.route_maps_present, ElementsAre("WG-FAILOVER", "OTHER"));
  ASSERT_EQ(got.route_map_entries.size(), 3U);
  const RouteMapEntry& e10 = got.route_map_entries[0];
  EXPECT_EQ(e10.sequence, 10U);
  EXPECT_EQ(e10.match_prefix_list, "WGFO-V4");
  EXPECT_EQ(e10.family, IpFamily::V4);
  EXPECT_EQ(e10.community, "65000:200");
  EXPECT_EQ(e10.local_preference, 50U);
  EXPECT_THAT(e10.as_path_prepend, ElementsAre(65001U, 65001U));
  const RouteMapEntry& e20 = got.route_map_entries[1];
  EXPECT_EQ(e20.match_tag, 4242U);
  EXPECT_EQ(e20.community, "65000:300");
  EXPECT_FALSE(e20.local_preference.has_value());
  const RouteMapEntry& e30 = got.route_map_entries[2];
  EXPECT_EQ(e30.match_prefix_list, "WGFO-V6");
  EXPECT_EQ(e30.family, IpFamily::V6);

  ASSERT_EQ(got.prefix_lists.size(), 4U);
  EXPECT_EQ(got.prefix_lists[0],
            (PrefixList{"WGFO-V4", IpFamily::V4, {pfx("10.20.0.0/16"), pfx("10.21.0.0/16")}}));
  EXPECT_EQ(got.prefix_lists[1].name, "WGFO-X");
  EXPECT_EQ(got.prefix_lists[2], (PrefixList{"WGFO-D", IpFamily::V4, {}}));  // a deny entry is not a permit
  EXPECT_EQ(got.prefix_lists[3], (PrefixList{"WGFO-V6", IpFamily::V6, {pfx("2001:db8:20::/48")}}));

  const std::string rm = "/frr-route-map:lib/route-map[name='WG-FAILOVER']";
  EXPECT_THAT(got.foreign_paths,
              ElementsAre("/frr-filter:lib/prefix-list[type='ipv4'][name='OPERATOR']",
                          "/frr-route-map:lib/route-map[name='OTHER']/entry[sequence='10']",
                          rm + "/entry[sequence='65535']"));
  // The unmodelled set metric of entry 30 and the le bound of WGFO-X are recorded, defaults are not.
  EXPECT_THAT(
      got.owned_nodes,
      Contains(PathValue{rm + "/entry[sequence='30']/set-action[action='frr-route-map:set-metric']", ""}));
  EXPECT_THAT(got.owned_nodes,
              Contains(PathValue{rm + "/entry[sequence='30']/set-action[action='frr-route-map:set-metric']"
                                      "/rmap-set-action/value",
                                 "10"}));
  EXPECT_THAT(got.owned_nodes,
              Contains(PathValue{"/frr-filter:lib/prefix-list[type='ipv4'][name='WGFO-X']/entry[sequence='5']"
                                 "/ipv4-prefix-length-lesser-or-equal",
                                 "24"}));
  EXPECT_THAT(
      got.owned_nodes,
      Contains(PathValue{rm + "/entry[sequence='20']/match-condition[condition='frr-route-map:match-tag']"
                              "/rmap-match-condition/tag",
                         "4242"}));
  EXPECT_THAT(got.owned_nodes,
              Not(Contains(PathValue{rm + "/entry[sequence='10']/exit-policy", "permit-or-deny"})));
}

TEST(ParseBgpd, EmptyReplies) {
  const auto got = bgpd_ok("{}", "{}");
  EXPECT_THAT(got.owned_nodes, IsEmpty());
  EXPECT_THAT(got.route_maps_present, IsEmpty());
}

TEST(ParseBgpd, MalformedRepliesGiveOneLine) {
  auto err = [](std::string_view rm, std::string_view filter) {
    auto r = parse_bgpd(rm, filter, ownership());
    EXPECT_TRUE(std::holds_alternative<std::string>(r)) << rm << " / " << filter;
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
  };
  EXPECT_THAT(err("nope", "{}"), HasSubstr("bgpd route-map reply: the route-map reply is not JSON"));
  EXPECT_THAT(err("{}", "{\"frr-filter:lib\":[]}"), HasSubstr("bgpd filter reply"));
  EXPECT_THAT(err(R"J({"frr-route-map:lib":{"route-map":[{"entry":[]}]}})J", "{}"),
              HasSubstr("missing \"name\""));
  EXPECT_THAT(
      err(R"J({"frr-route-map:lib":{"route-map":[{"name":"WG-FAILOVER","entry":[{"sequence":-1}]}]}})J",
          "{}"),
      HasSubstr("\"sequence\" is not a number"));
  EXPECT_THAT(
      err(R"J({"frr-route-map:lib":{"route-map":[{"name":"WG-FAILOVER","entry":[{"sequence":1,"weird":[{"a":1}]}]}]}})J",
          "{}"),
      HasSubstr("unsupported list \"weird\""));
  EXPECT_THAT(err("{}", R"J({"frr-filter:lib":{"prefix-list":[{"type":"mac","name":"WGFO-A"}]}})J"),
              HasSubstr("type \"mac\""));
  EXPECT_THAT(
      err("{}",
          R"J({"frr-filter:lib":{"prefix-list":[{"type":"ipv4","name":"WGFO-A","entry":[{"sequence":5,"action":"permit","ipv4-prefix":"bad"}]}]}})J"),
      HasSubstr("is not a prefix"));
}

}  // namespace
}  // namespace wgfo::frr

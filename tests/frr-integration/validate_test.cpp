// validate(): one case per rule, each checked to produce its line, and a valid state that produces none.
// Several of these values would crash FRR 8.4 (unknown VRF) or be stored and only logged at APPLY time
// (a bad community), so a missed case here is a daemon-side bug, not just a late error.

#include "frr-integration/validate.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/frr-integration/frr_test_util.hpp"

namespace wgfo::frr {
namespace {

using namespace test_util;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

ValidationContext context() {
  ValidationContext c;
  c.interface_exists = [](std::string_view name) { return name == "wg0" || name == "wg1"; };
  c.vrfs = {"default", "red"};
  c.ownership.route_tags = {4242};
  c.ownership.route_maps = {"WG-FAILOVER"};
  c.ownership.min_sequence = 1;
  c.ownership.max_sequence = 1000;
  c.ownership.prefix_list_prefix = "WGFO-";
  return c;
}

FrrState valid_state() {
  FrrState s;
  s.routes = {
      route("10.20.0.0/16", 10, {Nexthop::via_interface("wg0"), Nexthop::via(ip("203.0.113.2"), "wg1")}),
      route("10.20.0.0/16", 250, {Nexthop::blackhole()}),
      route("2001:db8::/32", 10, {Nexthop::via_gateway(ip("2001:db8:1::1"))})};
  s.prefix_lists = {PrefixList{"WGFO-V4", IpFamily::V4, {pfx("10.20.0.0/16")}}};
  RouteMapEntry e;
  e.map = "WG-FAILOVER";
  e.sequence = 10;
  e.match_prefix_list = "WGFO-V4";
  e.community = "65000:200 no-export";
  e.local_preference = 0;
  e.as_path_prepend = {65001, 4294967295U};
  RouteMapEntry t;
  t.map = "WG-FAILOVER";
  t.sequence = 20;
  t.match_tag = 4242;
  s.route_map_entries = {e, t};
  return s;
}

// The single problem `edit` introduces into an otherwise valid state.
std::vector<std::string> problems(const std::function<void(FrrState&)>& edit,
                                  const ValidationContext& ctx = context()) {
  FrrState s = valid_state();
  edit(s);
  return validate(s, ctx);
}

TEST(Validate, ValidStateHasNoProblems) {
  EXPECT_THAT(validate(valid_state(), context()), IsEmpty());
}

TEST(Validate, RouteRules) {
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].prefix = pfx("10.20.1.0/16"); }),
              ElementsAre(HasSubstr("host bits set (did you mean 10.20.0.0/16?)")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].distance = 0; }),
              ElementsAre(HasSubstr("distance must be 1..254")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[1].distance = 255; }),
              ElementsAre(HasSubstr("distance must be 1..254")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].nexthops.clear(); }),
              ElementsAre(HasSubstr("no nexthops")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].nexthops.push_back(Nexthop::via_interface("wg0")); }),
              ElementsAre(HasSubstr("duplicate nexthop")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[1].nexthops.push_back(Nexthop::via_interface("wg0")); }),
              ElementsAre(HasSubstr("blackhole cannot be mixed")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].nexthops[1].gateway = ip("2001:db8::1"); }),
              ElementsAre(HasSubstr("not of the prefix's address family")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[2].nexthops[0].gateway = ip("10.0.0.1"); }),
              ElementsAre(HasSubstr("not of the prefix's address family")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].tag = 7; }),
              ElementsAre(HasSubstr("tag 7 is not one of our")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].vrf = "blue"; }),
              ElementsAre(HasSubstr("VRF \"blue\" is not known")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].nexthops[0].vrf = "blue"; }),
              ElementsAre(HasSubstr("nexthop VRF \"blue\" is not known")));
  EXPECT_THAT(problems([](FrrState& s) { s.routes.push_back(s.routes[0]); }),
              ElementsAre(HasSubstr("listed twice")));
}

TEST(Validate, InterfaceNames) {
  for (const char* bad : {"", "wg0/1", "Null0", "reject", "blackhole", "a-very-long-name", "wg'0", "wg 0"}) {
    EXPECT_THAT(problems([&](FrrState& s) { s.routes[0].nexthops[0].interface = bad; }),
                ElementsAre(HasSubstr("interface name")))
        << bad;
  }
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].nexthops[0].interface = "wg9"; }),
              ElementsAre(HasSubstr("interface wg9 does not exist")));
  ValidationContext no_lookup = context();
  no_lookup.interface_exists = nullptr;
  EXPECT_THAT(problems([](FrrState& s) { s.routes[0].nexthops[0].interface = "wg9"; }, no_lookup), IsEmpty());
  EXPECT_TRUE(valid_interface_name("123456789012345"));
  EXPECT_FALSE(valid_interface_name("1234567890123456"));
}

TEST(Validate, Communities) {
  for (const char* good : {"65000:200", "0:0", "65535:65535", "internet", "local-AS", "no-advertise",
                           "no-export", "blackhole", "graceful-shutdown", "65000:1 65000:2 no-export"}) {
    EXPECT_TRUE(valid_community(good)) << good;
  }
  for (const char* bad : {"", "foo:bar", "65536:1", "1:65536", "65000", "65000:200 ", " 65000:200",
                          "65000:200  no-export", "65000:200 additive", "-1:5", "NO-EXPORT", "65000:200'"}) {
    EXPECT_FALSE(valid_community(bad)) << bad;
  }
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[0].community = "foo:bar"; }),
              ElementsAre(HasSubstr("community \"foo:bar\" is not valid")));
}

TEST(Validate, AsPathPrepend) {
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[0].as_path_prepend.assign(11, 65001); }),
              ElementsAre(HasSubstr("at most 10 ASNs")));
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[0].as_path_prepend = {0}; }),
              ElementsAre(HasSubstr("1..4294967295")));
}

TEST(Validate, PrefixListRules) {
  EXPECT_THAT(problems([](FrrState& s) {
                s.prefix_lists.push_back({"OPERATOR", IpFamily::V4, {}});
              }),
              ElementsAre(HasSubstr("does not start with our prefix \"WGFO-\"")));
  EXPECT_THAT(problems([](FrrState& s) {
                s.prefix_lists.push_back({"WGFO-a b", IpFamily::V4, {}});
              }),
              ElementsAre(HasSubstr("1..63 characters")));
  EXPECT_THAT(problems([](FrrState& s) {
                s.prefix_lists.push_back({"WGFO-" + std::string(59, 'x'), IpFamily::V4, {}});
              }),
              ElementsAre(HasSubstr("1..63 characters")));
  EXPECT_THAT(problems([](FrrState& s) { s.prefix_lists[0].prefixes.push_back(pfx("10.1.2.3/16")); }),
              ElementsAre(HasSubstr("host bits set")));
  EXPECT_THAT(problems([](FrrState& s) { s.prefix_lists[0].prefixes.push_back(pfx("2001:db8::/32")); }),
              ElementsAre(HasSubstr("not of the list's family")));
  EXPECT_THAT(problems([](FrrState& s) { s.prefix_lists[0].prefixes.push_back(pfx("10.20.0.0/16")); }),
              ElementsAre(HasSubstr("listed twice")));
  EXPECT_THAT(problems([](FrrState& s) { s.prefix_lists.push_back(s.prefix_lists[0]); }),
              ElementsAre(HasSubstr("listed twice")));
}

TEST(Validate, RouteMapEntryRules) {
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[0].sequence = 1001; }),
              ElementsAre(HasSubstr("outside our range 1..1000")));
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[0].map = "OTHER"; }),
              ElementsAre(HasSubstr("not one of ours")));
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[0].match_tag = 5; }),
              ElementsAre(HasSubstr("exactly one match")));
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[1].match_tag.reset(); }),
              ElementsAre(HasSubstr("exactly one match")));
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[0].match_prefix_list = "WGFO-MISSING"; }),
              ElementsAre(HasSubstr("prefix-list WGFO-MISSING is not one of our IPv4 prefix-lists")));
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[0].family = IpFamily::V6; }),
              ElementsAre(HasSubstr("not one of our IPv6 prefix-lists")));
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries.push_back(s.route_map_entries[0]); }),
              ElementsAre(HasSubstr("listed twice")));
  EXPECT_THAT(problems([](FrrState& s) { s.route_map_entries[0].map = "WG'X"; }),
              ElementsAre(HasSubstr("invalid route-map name"), HasSubstr("not one of ours")));
}

}  // namespace
}  // namespace wgfo::frr

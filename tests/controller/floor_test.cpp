// The kill switch's kernel floor, pure parts: the rules it wants, their wire form (checked against
// bytes iproute2 produces for the same rule), the dump decoder and the plan.
#include "controller/floor/floor.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <variant>
#include <vector>

namespace wgfo::floor {
namespace {

IpPrefix prefix(const char* text) {
  return *IpPrefix::parse(text);
}

std::vector<Rule> parsed(const std::vector<std::uint8_t>& bytes) {
  auto r = parse_rule_messages(bytes);
  if (auto* err = std::get_if<std::string>(&r)) ADD_FAILURE() << *err;
  return std::holds_alternative<std::vector<Rule>>(r) ? std::get<std::vector<Rule>>(r) : std::vector<Rule>{};
}

// The dump form of a rule: the request with RTM_NEWRULE as type and no request flags, which is how the
// kernel reports a rule it holds (same header, same attributes).
std::vector<std::uint8_t> as_dump(const Rule& r, std::uint32_t seq) {
  std::vector<std::uint8_t> m = encode_rule(Op::Add, r, seq);
  m[6] = 0;  // nlmsg_flags
  m[7] = 0;
  return m;
}

TEST(Floor, EachProtectedPrefixGetsALookupThenABlackhole) {
  const Desired d = desired_rules({prefix("10.20.0.0/16"), prefix("2001:db8::/32"), prefix("10.20.0.0/16")});
  ASSERT_EQ(d.rules.size(), 4U);  // the duplicate collapses
  EXPECT_TRUE(d.warnings.empty());
  EXPECT_EQ(d.rules[0].action, kActionToTable);
  EXPECT_EQ(d.rules[0].table, kMainTable);
  EXPECT_EQ(d.rules[0].priority, kLookupPriority);
  EXPECT_EQ(d.rules[0].suppress_prefixlength, 15);
  EXPECT_EQ(d.rules[1].suppress_prefixlength, 31);
  EXPECT_EQ(d.rules[2].action, kActionBlackhole);
  EXPECT_EQ(d.rules[2].priority, kBlackholePriority);
  EXPECT_EQ(d.rules[2].to, prefix("10.20.0.0/16"));
  for (const Rule& r : d.rules) EXPECT_EQ(r.protocol, kRuleProtocol);
}

TEST(Floor, ADefaultRouteCannotHaveAFloor) {
  const Desired d = desired_rules({prefix("0.0.0.0/0"), prefix("10.1.0.0/24")});
  EXPECT_EQ(d.rules.size(), 2U);
  ASSERT_EQ(d.warnings.size(), 1U);
  EXPECT_NE(d.warnings[0].find("0.0.0.0/0"), std::string::npos);
}

// The lookup rule, byte by byte, laid out per linux/netlink.h and linux/fib_rules.h (the lab's
// fault_matrix staticd_restart shows the kernel taking it: `ip rule show protocol 244`).
TEST(Floor, TheLookupRuleEncodesAsTheKernelExpects) {
  const Rule r = desired_rules({prefix("10.20.0.0/16")}).rules[0];
  const std::vector<std::uint8_t> m = encode_rule(Op::Add, r, 7);
  const std::vector<std::uint8_t> want = {
      // nlmsghdr: len 68, RTM_NEWRULE (32), REQUEST|ACK|EXCL|CREATE (0x605), seq 7, pid 0
      68, 0, 0, 0, 32, 0, 0x05, 0x06, 7, 0, 0, 0, 0, 0, 0, 0,
      // fib_rule_hdr: AF_INET, dst_len 16, src_len 0, tos 0, table 254, res, res, FR_ACT_TO_TBL, flags 0
      2, 16, 0, 0, 254, 0, 0, 1, 0, 0, 0, 0, 8, 0, 1, 0, 10, 20, 0, 0,  // FRA_DST 10.20.0.0
      8, 0, 6, 0, 0xf8, 0x7f, 0, 0,                                     // FRA_PRIORITY 32760
      8, 0, 15, 0, 254, 0, 0, 0,                                        // FRA_TABLE 254
      8, 0, 14, 0, 15, 0, 0, 0,                                         // FRA_SUPPRESS_PREFIXLEN 15
      5, 0, 21, 0, 244, 0, 0, 0,                                        // FRA_PROTOCOL 244, padded
  };
  EXPECT_EQ(m, want);
  const std::vector<std::uint8_t> del = encode_rule(Op::Delete, r, 8);
  EXPECT_EQ(del[4], 33);    // RTM_DELRULE
  EXPECT_EQ(del[6], 0x05);  // REQUEST|ACK, no CREATE/EXCL
  EXPECT_EQ(del[7], 0x00);
}

TEST(Floor, RulesRoundTripThroughTheDumpDecoder) {
  const Desired d = desired_rules({prefix("10.20.0.0/16"), prefix("2001:db8:1::/48")});
  std::vector<std::uint8_t> dump;
  std::uint32_t seq = 1;
  for (const Rule& r : d.rules) {
    const auto m = as_dump(r, seq++);
    dump.insert(dump.end(), m.begin(), m.end());
  }
  const std::vector<std::uint8_t> done = {20, 0, 0, 0, 3, 0, 2, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  dump.insert(dump.end(), done.begin(), done.end());
  EXPECT_EQ(parsed(dump), d.rules);
}

// The kernel's own rule "32766: from all lookup main" (protocol kernel, no destination) and an
// operator's rule with a source selector that happens to use our protocol number.
TEST(Floor, OtherRulesAreDecodedButNeverOurs) {
  const std::vector<std::uint8_t> main_rule = {
      44, 0, 0,  0, 32,  0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0,  // RTM_NEWRULE, NLM_F_MULTI
      2,  0, 0,  0, 254, 0, 0, 1, 0, 0, 0, 0,              // AF_INET, lookup main
      8,  0, 15, 0, 254, 0, 0, 0,                          // FRA_TABLE
      5,  0, 21, 0, 2,   0, 0, 0,                          // FRA_PROTOCOL kernel
  };
  std::vector<std::uint8_t> dump = main_rule;
  dump[0] = 52;                                                           // room for FRA_PRIORITY
  const std::vector<std::uint8_t> prio = {8, 0, 6, 0, 0xfe, 0x7f, 0, 0};  // 32766
  dump.insert(dump.end(), prio.begin(), prio.end());
  const std::vector<std::uint8_t> sourced = {
      52, 0, 0,  0, 32,   0,    2, 0, 2, 0, 0, 0, 0, 0,
      0,  0, 2,  0, 24,   0,    0, 0, 0, 6, 0, 0, 0, 0,  // src_len 24, FR_ACT_BLACKHOLE
      8,  0, 2,  0, 192,  0,    2, 0,                    // FRA_SRC 192.0.2.0
      8,  0, 6,  0, 0xf9, 0x7f, 0, 0,                    // priority 32761
      5,  0, 21, 0, 244,  0,    0, 0,                    // our protocol number
  };
  dump.insert(dump.end(), sourced.begin(), sourced.end());
  const std::vector<Rule> rules = parsed(dump);
  ASSERT_EQ(rules.size(), 2U);
  EXPECT_EQ(rules[0].priority, 32766U);
  EXPECT_EQ(rules[0].table, kMainTable);
  EXPECT_EQ(rules[0].protocol, 2);
  EXPECT_FALSE(rules[0].other_selectors);
  EXPECT_TRUE(rules[1].other_selectors);
  // Neither is touched by a plan, whatever is desired.
  const Plan p = plan({}, rules);
  EXPECT_TRUE(p.empty());
}

TEST(Floor, MalformedDumpsAreErrorsNotOverreads) {
  const Rule r = desired_rules({prefix("10.20.0.0/16")}).rules[0];
  const std::vector<std::uint8_t> good = as_dump(r, 1);
  for (std::size_t cut = 1; cut < good.size(); ++cut) {
    std::vector<std::uint8_t> m(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    const auto len = static_cast<std::uint32_t>(m.size());
    if (m.size() >= 4) std::memcpy(m.data(), &len, 4);  // a consistent nlmsg_len, truncated content
    const auto result = parse_rule_messages(m);
    // Cutting inside the header or an attribute is an error; cutting exactly between attributes is a
    // shorter, still valid rule.
    if (auto* rules = std::get_if<std::vector<Rule>>(&result)) {
      for (const Rule& x : *rules) EXPECT_EQ(x.to.address().is_v4(), true);
    }
  }
  std::vector<std::uint8_t> bad_dst = good;
  bad_dst[28] = 9;  // FRA_DST length 9: wrong size for IPv4 (and beyond the 8 bytes in place)
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_rule_messages(bad_dst)));
  const std::vector<std::uint8_t> error = {36,   0,    0,    0,    2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                           0xff, 0xff, 0xff, 0xff,  // -EPERM
                                           0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const auto e = parse_rule_messages(error);
  ASSERT_TRUE(std::holds_alternative<std::string>(e));
  EXPECT_NE(std::get<std::string>(e).find("error 1"), std::string::npos);
}

TEST(Floor, ThePlanTouchesOnlyOurRulesAndOrdersForSafety) {
  const std::vector<Rule> old_floor = desired_rules({prefix("10.20.0.0/16"), prefix("10.30.0.0/16")}).rules;
  const std::vector<Rule> next = desired_rules({prefix("10.20.0.0/16"), prefix("10.40.0.0/16")}).rules;
  const Plan p = plan(next, old_floor);
  ASSERT_EQ(p.remove.size(), 2U);
  EXPECT_EQ(p.remove[0].action, kActionBlackhole);  // the blackhole goes first
  EXPECT_EQ(p.remove[0].to, prefix("10.30.0.0/16"));
  EXPECT_EQ(p.remove[1].action, kActionToTable);
  ASSERT_EQ(p.add.size(), 2U);
  EXPECT_EQ(p.add[0].action, kActionToTable);  // the lookup comes first
  EXPECT_EQ(p.add[0].to, prefix("10.40.0.0/16"));
  EXPECT_EQ(p.add[1].action, kActionBlackhole);
  EXPECT_TRUE(plan(next, next).empty());
  // Everything of ours goes when nothing is protected any more.
  EXPECT_EQ(plan({}, next).remove.size(), 4U);
}

}  // namespace
}  // namespace wgfo::floor

// IpAddress, IpPrefix and HostPort: table-driven parse cases (valid and invalid), masking, ordering
// and hashing. These types sit under every config value that names an address, so their edge cases
// (shorthands, zone indices, host bits, brackets) are pinned here.

#include "controller/ip.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unordered_set>

namespace wgfo {
namespace {

using ::testing::HasSubstr;

struct AddressCase {
  std::string_view text;
  std::optional<IpFamily> family;  // nullopt: must not parse
  std::string_view canonical;      // to_string() of the parsed address
};

TEST(IpAddress, ParsesExactlyWhatInetPtonAccepts) {
  const AddressCase cases[] = {
      {"192.0.2.1", IpFamily::V4, "192.0.2.1"},
      {"0.0.0.0", IpFamily::V4, "0.0.0.0"},
      {"255.255.255.255", IpFamily::V4, "255.255.255.255"},
      {"2001:db8::1", IpFamily::V6, "2001:db8::1"},
      {"2001:DB8:0:0:0:0:0:1", IpFamily::V6, "2001:db8::1"},
      {"::1", IpFamily::V6, "::1"},
      {"::", IpFamily::V6, "::"},
      {"fe80::1", IpFamily::V6, "fe80::1"},
      {"::ffff:192.0.2.1", IpFamily::V6, "::ffff:192.0.2.1"},
      {"", std::nullopt, ""},
      {"1.2.3", std::nullopt, ""},
      {"1.2.3.4.5", std::nullopt, ""},
      {"256.1.1.1", std::nullopt, ""},
      {"01.2.3.4", std::nullopt, ""},
      {" 1.2.3.4", std::nullopt, ""},
      {"1.2.3.4 ", std::nullopt, ""},
      {"1.2.3.4/32", std::nullopt, ""},
      {"fe80::1%wg0", std::nullopt, ""},
      {"2001:db8:::1", std::nullopt, ""},
      {"gggg::1", std::nullopt, ""},
      {"localhost", std::nullopt, ""},
      {std::string_view("1.2.3.4\0junk", 12), std::nullopt, ""},
      {"1111:2222:3333:4444:5555:6666:7777:8888:9999", std::nullopt, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.text));
    const auto a = IpAddress::parse(c.text);
    ASSERT_EQ(a.has_value(), c.family.has_value());
    if (!a) continue;
    EXPECT_EQ(a->family(), *c.family);
    EXPECT_EQ(a->to_string(), c.canonical);
    EXPECT_EQ(a->bytes().size(), a->is_v4() ? 4U : 16U);
    EXPECT_EQ(IpAddress::parse(a->to_string()), a);  // round trip
  }
}

TEST(IpAddress, ClassifiesUnspecifiedAndMulticast) {
  EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
  EXPECT_FALSE(IpAddress::parse("0.0.0.1")->is_unspecified());
  EXPECT_TRUE(IpAddress::parse("224.0.0.5")->is_multicast());
  EXPECT_TRUE(IpAddress::parse("239.255.255.255")->is_multicast());
  EXPECT_FALSE(IpAddress::parse("223.255.255.255")->is_multicast());
  EXPECT_TRUE(IpAddress::parse("ff02::5")->is_multicast());
  EXPECT_FALSE(IpAddress::parse("fe80::5")->is_multicast());
  EXPECT_EQ(IpAddress{}, *IpAddress::parse("0.0.0.0"));
}

TEST(IpAddress, OrdersV4BeforeV6AndByBytes) {
  const auto a = *IpAddress::parse("10.0.0.1");
  const auto b = *IpAddress::parse("10.0.0.2");
  const auto v6 = *IpAddress::parse("::1");
  EXPECT_LT(a, b);
  EXPECT_LT(b, v6);
  // "::a00:1" has the same leading bytes pattern as nothing in v4; family alone must separate them.
  EXPECT_NE(IpAddress::v4({10, 0, 0, 1}), *IpAddress::parse("::a00:1"));
  EXPECT_EQ(IpAddress::v4({10, 0, 0, 1}), a);
}

TEST(IpAddress, HashesEqualValuesEqually) {
  std::unordered_set<IpAddress> set{*IpAddress::parse("2001:db8::1"), *IpAddress::parse("192.0.2.1")};
  EXPECT_TRUE(set.contains(*IpAddress::parse("2001:DB8::0:1")));
  EXPECT_TRUE(set.contains(IpAddress::v4({192, 0, 2, 1})));
  EXPECT_FALSE(set.contains(*IpAddress::parse("192.0.2.2")));
  std::unordered_set<IpPrefix> prefixes{*IpPrefix::parse("10.0.0.0/8")};
  EXPECT_TRUE(prefixes.contains(*IpPrefix::parse("10.0.0.0/8")));
  EXPECT_FALSE(prefixes.contains(*IpPrefix::parse("10.0.0.0/9")));
}

struct PrefixCase {
  std::string_view text;
  bool parses;
  bool masked;
  std::string_view masked_text;  // masked().to_string(), or a substring of the reason when !parses
};

TEST(IpPrefix, ParsesAndMasks) {
  const PrefixCase cases[] = {
      {"10.20.0.0/16", true, true, "10.20.0.0/16"},
      {"10.20.0.1/16", true, false, "10.20.0.0/16"},
      {"10.255.255.255/9", true, false, "10.128.0.0/9"},
      {"255.255.255.255/1", true, false, "128.0.0.0/1"},
      {"192.0.2.1/32", true, true, "192.0.2.1/32"},
      {"192.0.2.1/0", true, false, "0.0.0.0/0"},
      {"0.0.0.0/0", true, true, "0.0.0.0/0"},
      {"2001:db8::/32", true, true, "2001:db8::/32"},
      {"2001:db8::1/127", true, false, "2001:db8::/127"},
      {"2001:db8:ffff::/35", true, false, "2001:db8:e000::/35"},
      {"::1/128", true, true, "::1/128"},
      {"10.0.0.0", false, false, "missing the prefix length"},
      {"10.0.0.0/", false, false, "0..32"},
      {"10.0.0.0/33", false, false, "0..32 for IPv4"},
      {"::/129", false, false, "0..128 for IPv6"},
      {"10.0.0.0/-1", false, false, "0..32"},
      {"10.0.0.0/ 8", false, false, "0..32"},
      {"10.0.0.0/8/8", false, false, "0..32"},
      {"/8", false, false, "is not an IPv4 or IPv6 address"},
      {"10.0.0/8", false, false, "is not an IPv4 or IPv6 address"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.text));
    std::string why;
    const auto p = IpPrefix::parse(c.text, &why);
    ASSERT_EQ(p.has_value(), c.parses);
    if (!p) {
      EXPECT_THAT(why, HasSubstr(std::string(c.masked_text)));
      continue;
    }
    EXPECT_EQ(p->is_masked(), c.masked);
    EXPECT_EQ(p->masked().to_string(), c.masked_text);
    EXPECT_TRUE(p->masked().is_masked());
  }
}

TEST(IpPrefix, ContainsOnlySameFamilyAddressesInside) {
  const auto p = *IpPrefix::parse("10.20.0.0/16");
  EXPECT_TRUE(p.contains(*IpAddress::parse("10.20.255.1")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("10.21.0.1")));
  EXPECT_FALSE(p.contains(*IpAddress::parse("::a14:1")));
  EXPECT_TRUE(IpPrefix::parse("::/0")->contains(*IpAddress::parse("2001:db8::1")));
  EXPECT_EQ(IpPrefix(*IpAddress::parse("10.0.0.0"), 99).length(), 32U);  // clamped
}

struct HostPortCase {
  std::string_view text;
  HostPort::Host allowed;
  bool parses;
  std::string_view expect;  // to_string() when it parses, else a substring of the reason
};

TEST(HostPort, ParsesLiteralsAndHostNames) {
  using H = HostPort::Host;
  const HostPortCase cases[] = {
      {"127.0.0.1:50051", H::IpOnly, true, "127.0.0.1:50051"},
      {"[::1]:50051", H::IpOnly, true, "[::1]:50051"},
      {"[::0001]:80", H::IpOnly, true, "[::1]:80"},
      {"[2001:DB8::2]:51820", H::IpOrName, true, "[2001:db8::2]:51820"},
      {"host.example:51820", H::IpOrName, true, "host.example:51820"},
      {"VPN.Example.NET:51820", H::IpOrName, true, "vpn.example.net:51820"},
      {"localhost:65535", H::IpOrName, true, "localhost:65535"},
      {"0.0.0.0:1", H::IpOnly, true, "0.0.0.0:1"},
      {"host.example:51820", H::IpOnly, false, "is not an IP address"},
      {"::1:50051", H::IpOrName, false, "needs brackets"},
      {"2001:db8::2:51820", H::IpOrName, false, "needs brackets"},
      {"127.0.0.1", H::IpOnly, false, "missing the port"},
      {"127.0.0.1:", H::IpOnly, false, "1..65535"},
      {"127.0.0.1:0", H::IpOnly, false, "1..65535"},
      {"127.0.0.1:65536", H::IpOnly, false, "1..65535"},
      {"127.0.0.1:+80", H::IpOnly, false, "1..65535"},
      {"127.0.0.1:80a", H::IpOnly, false, "1..65535"},
      {":80", H::IpOrName, false, "missing the host"},
      {"[::1]", H::IpOnly, false, "expected [IPV6]:PORT"},
      {"[::1]:", H::IpOnly, false, "1..65535"},
      {"[::1]x80", H::IpOnly, false, "expected [IPV6]:PORT"},
      {"[192.0.2.1]:80", H::IpOnly, false, "is not an IPv6 address"},
      {"1.2.3.256:80", H::IpOrName, false, "is not an IP address or host name"},
      {"-bad.example:1", H::IpOrName, false, "host name"},
      {"a..b:1", H::IpOrName, false, "host name"},
      {"under_score.example:1", H::IpOrName, false, "host name"},
      {"trailing.dot.:1", H::IpOrName, false, "host name"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.text));
    std::string why;
    const auto hp = HostPort::parse(c.text, c.allowed, &why);
    ASSERT_EQ(hp.has_value(), c.parses) << why;
    if (hp) {
      EXPECT_EQ(hp->to_string(), c.expect);
      EXPECT_EQ(HostPort::parse(hp->to_string(), c.allowed), hp);  // round trip
    } else {
      EXPECT_THAT(why, HasSubstr(std::string(c.expect)));
    }
  }
}

TEST(HostPort, ExposesTheAddressOfALiteralHost) {
  EXPECT_EQ(HostPort::parse("[::1]:1", HostPort::Host::IpOnly)->address(), IpAddress::parse("::1"));
  EXPECT_EQ(HostPort::parse("h.example:1", HostPort::Host::IpOrName)->address(), std::nullopt);
  EXPECT_EQ(HostPort::parse("h.example:1", HostPort::Host::IpOrName)->port, 1);
}

}  // namespace
}  // namespace wgfo

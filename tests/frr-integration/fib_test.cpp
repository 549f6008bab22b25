// parse_route_messages() against hand-built rtnetlink byte vectors (one per attribute form the
// read-back relies on, and malformed inputs cut or corrupted at every level) and against one real
// RTM_GETROUTE dump captured from a kernel (data/fib_dump.bin, see data/README.md). The malformed
// inputs are copied into exact-size heap buffers so AddressSanitizer flags any read past the end.
// read_fib() itself is only smoke-tested on the test host: what it returns there is not ours to pin.

#include "frr-integration/fib.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

namespace wgfo::frr {
namespace {

using ::testing::HasSubstr;
using Buf = std::vector<std::uint8_t>;

// ------------------------------------------------------------------------------------- builder --

void append(Buf& b, const void* p, std::size_t n) {
  const auto* bytes = static_cast<const std::uint8_t*>(p);
  b.insert(b.end(), bytes, bytes + n);
}
void pad4(Buf& b) {
  b.resize((b.size() + 3U) & ~std::size_t{3});
}

IpAddress ip(std::string_view text) {
  return *IpAddress::parse(text);
}
IpPrefix pfx(std::string_view text) {
  return *IpPrefix::parse(text);
}

Buf attr(std::uint16_t type, const Buf& payload) {
  Buf b;
  const rtattr h{static_cast<unsigned short>(sizeof(rtattr) + payload.size()), type};
  append(b, &h, sizeof(h));
  b.insert(b.end(), payload.begin(), payload.end());
  pad4(b);
  return b;
}
Buf u32(std::uint32_t v) {
  Buf b;
  append(b, &v, sizeof(v));
  return b;
}
Buf addr(std::string_view text) {
  const IpAddress a = ip(text);  // bytes() views into the address, so keep it alive
  return Buf(a.bytes().begin(), a.bytes().end());
}
Buf via(std::string_view text) {  // struct rtvia
  const IpAddress a = ip(text);
  const std::uint16_t family = a.is_v4() ? AF_INET : AF_INET6;
  Buf b;
  append(b, &family, sizeof(family));
  b.insert(b.end(), a.bytes().begin(), a.bytes().end());
  return b;
}
Buf cat(std::initializer_list<Buf> parts) {
  Buf b;
  for (const Buf& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}
Buf rtnh(int ifindex, const Buf& attrs) {  // struct rtnexthop + its attributes
  Buf b;
  rtnexthop h{};
  h.rtnh_len = static_cast<unsigned short>(sizeof(h) + attrs.size());
  h.rtnh_ifindex = ifindex;
  append(b, &h, sizeof(h));
  b.insert(b.end(), attrs.begin(), attrs.end());
  return b;
}

struct Rt {
  std::uint8_t family{AF_INET};
  std::uint8_t dst_len{0};
  std::uint8_t table{RT_TABLE_MAIN};
  std::uint8_t protocol{RTPROT_BOOT};
  std::uint8_t type{RTN_UNICAST};
};

Buf nlmsg(std::uint16_t type, const Buf& payload, std::uint16_t flags = NLM_F_MULTI) {
  Buf b;
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(sizeof(h) + payload.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  h.nlmsg_seq = 7;
  append(b, &h, sizeof(h));
  b.insert(b.end(), payload.begin(), payload.end());
  pad4(b);
  return b;
}
Buf route_msg(Rt r, const Buf& attrs) {
  rtmsg m{};
  m.rtm_family = r.family;
  m.rtm_dst_len = r.dst_len;
  m.rtm_table = r.table;
  m.rtm_protocol = r.protocol;
  m.rtm_type = r.type;
  m.rtm_scope = RT_SCOPE_UNIVERSE;
  Buf payload;
  append(payload, &m, sizeof(m));
  payload.insert(payload.end(), attrs.begin(), attrs.end());
  return nlmsg(RTM_NEWROUTE, payload);
}
Buf done_msg(int code = 0) {
  return nlmsg(NLMSG_DONE, u32(static_cast<std::uint32_t>(code)));
}

// ------------------------------------------------------------------------------------- helpers --

// Parses a copy of `b` in an allocation of exactly b.size() bytes (ASan sees any overread).
std::variant<std::vector<FibRoute>, std::string> parse(const Buf& b) {
  auto heap = std::make_unique<std::uint8_t[]>(b.size());
  std::copy(b.begin(), b.end(), heap.get());
  return parse_route_messages(std::span<const std::uint8_t>(heap.get(), b.size()));
}

std::vector<FibRoute> ok(const Buf& b) {
  auto r = parse(b);
  if (auto* err = std::get_if<std::string>(&r)) {
    ADD_FAILURE() << "unexpected error: " << *err;
    return {};
  }
  return std::get<std::vector<FibRoute>>(r);
}

std::string error(const Buf& b) {
  auto r = parse(b);
  if (auto* err = std::get_if<std::string>(&r)) return *err;
  ADD_FAILURE() << "parsed " << std::get<std::vector<FibRoute>>(r).size() << " routes, expected an error";
  return {};
}

FibNexthop nh(int ifindex, std::optional<std::string_view> gw = std::nullopt) {
  return {ifindex, gw ? std::optional<IpAddress>(ip(*gw)) : std::nullopt};
}

// A typical zebra-installed IPv4 route: 10.20.0.0/16 via 192.0.2.1 dev 3, proto zebra-static, metric 20.
Buf v4_route() {
  return route_msg({.dst_len = 16, .protocol = kZebraStaticProtocol},
                   cat({attr(RTA_TABLE, u32(RT_TABLE_MAIN)), attr(RTA_DST, addr("10.20.0.0")),
                        attr(RTA_PRIORITY, u32(kZebraRouteMetric)), attr(RTA_GATEWAY, addr("192.0.2.1")),
                        attr(RTA_OIF, u32(3))}));
}

// ---------------------------------------------------------------------------------- well-formed --

TEST(ParseRouteMessages, Ipv4SingleNexthop) {
  const auto routes = ok(cat({v4_route(), done_msg()}));
  ASSERT_EQ(routes.size(), 1U);
  const FibRoute want{pfx("10.20.0.0/16"), kMainTable,        kZebraStaticProtocol,
                      kRouteTypeUnicast,   kZebraRouteMetric, {nh(3, "192.0.2.1")}};
  EXPECT_EQ(routes[0], want);
  EXPECT_FALSE(routes[0].blackhole());
}

TEST(ParseRouteMessages, Ipv6WithGatewayAndInterface) {
  const auto routes = ok(route_msg({.family = AF_INET6, .dst_len = 48},
                                   cat({attr(RTA_DST, addr("2001:db8:7::")), attr(RTA_PRIORITY, u32(1024)),
                                        attr(RTA_OIF, u32(4)), attr(RTA_GATEWAY, addr("fe80::1"))})));
  ASSERT_EQ(routes.size(), 1U);
  EXPECT_EQ(routes[0].prefix, pfx("2001:db8:7::/48"));
  EXPECT_EQ(routes[0].metric, 1024U);
  EXPECT_EQ(routes[0].nexthops, std::vector<FibNexthop>{nh(4, "fe80::1")});
}

TEST(ParseRouteMessages, InterfaceOnlyRouteHasNexthopWithoutGateway) {
  const auto routes =
      ok(route_msg({.dst_len = 24}, cat({attr(RTA_DST, addr("198.51.100.0")), attr(RTA_OIF, u32(9))})));
  ASSERT_EQ(routes.size(), 1U);
  EXPECT_EQ(routes[0].nexthops, std::vector<FibNexthop>{nh(9)});
}

TEST(ParseRouteMessages, MultipathNexthopsAreSorted) {
  const Buf mp =
      cat({rtnh(7, attr(RTA_GATEWAY, addr("192.0.2.9"))), rtnh(5, attr(RTA_GATEWAY, addr("192.0.2.5")))});
  const auto routes =
      ok(route_msg({.dst_len = 16}, cat({attr(RTA_DST, addr("10.3.0.0")), attr(RTA_MULTIPATH, mp)})));
  ASSERT_EQ(routes.size(), 1U);
  EXPECT_EQ(routes[0].nexthops, (std::vector<FibNexthop>{nh(5, "192.0.2.5"), nh(7, "192.0.2.9")}));
}

TEST(ParseRouteMessages, MultipathNexthopMayUseViaAndHaveNoGateway) {
  const Buf mp = cat({rtnh(2, attr(RTA_VIA, via("2001:db8::2"))), rtnh(3, {})});
  const auto routes =
      ok(route_msg({.dst_len = 8}, cat({attr(RTA_DST, addr("10.0.0.0")), attr(RTA_MULTIPATH, mp)})));
  ASSERT_EQ(routes.size(), 1U);
  EXPECT_EQ(routes[0].nexthops, (std::vector<FibNexthop>{nh(2, "2001:db8::2"), nh(3)}));
}

TEST(ParseRouteMessages, Blackhole) {
  const auto routes = ok(route_msg({.dst_len = 16, .protocol = kZebraStaticProtocol, .type = RTN_BLACKHOLE},
                                   cat({attr(RTA_DST, addr("10.99.0.0")), attr(RTA_PRIORITY, u32(20))})));
  ASSERT_EQ(routes.size(), 1U);
  EXPECT_TRUE(routes[0].blackhole());
  EXPECT_EQ(routes[0].type, kRouteTypeBlackhole);
  EXPECT_TRUE(routes[0].nexthops.empty());
}

TEST(ParseRouteMessages, RtaTableOverridesRtmTable) {
  // Tables above 255 do not fit rtm_table: the kernel sends RT_TABLE_COMPAT there and the id in RTA_TABLE.
  const auto routes = ok(route_msg({.dst_len = 16, .table = RT_TABLE_COMPAT},
                                   cat({attr(RTA_DST, addr("10.5.0.0")), attr(RTA_TABLE, u32(1000))})));
  ASSERT_EQ(routes.size(), 1U);
  EXPECT_EQ(routes[0].table, 1000U);
  const auto plain = ok(route_msg({.dst_len = 16, .table = 100}, attr(RTA_DST, addr("10.5.0.0"))));
  ASSERT_EQ(plain.size(), 1U);
  EXPECT_EQ(plain[0].table, 100U);
}

TEST(ParseRouteMessages, RtaViaGivesIpv6GatewayOfIpv4Route) {
  const auto routes = ok(route_msg(
      {.dst_len = 16},
      cat({attr(RTA_DST, addr("10.6.0.0")), attr(RTA_VIA, via("2001:db8::2")), attr(RTA_OIF, u32(3))})));
  ASSERT_EQ(routes.size(), 1U);
  EXPECT_EQ(routes[0].nexthops, std::vector<FibNexthop>{nh(3, "2001:db8::2")});
}

TEST(ParseRouteMessages, MissingDstIsTheDefaultRouteAndHostBitsAreMasked) {
  const auto routes = ok(cat({route_msg({}, attr(RTA_GATEWAY, addr("192.0.2.1"))),
                              route_msg({.family = AF_INET6}, attr(RTA_OIF, u32(2))),
                              route_msg({.dst_len = 8}, attr(RTA_DST, addr("10.1.2.3")))}));
  ASSERT_EQ(routes.size(), 3U);
  EXPECT_EQ(routes[0].prefix, pfx("0.0.0.0/0"));
  EXPECT_EQ(routes[0].nexthops, std::vector<FibNexthop>{nh(0, "192.0.2.1")});
  EXPECT_EQ(routes[1].prefix, pfx("::/0"));
  EXPECT_EQ(routes[2].prefix, pfx("10.0.0.0/8"));
}

TEST(ParseRouteMessages, DoneEndsTheDumpAndLaterBytesAreIgnored) {
  const Buf garbage = {0xde, 0xad, 0xbe, 0xef, 0x01};
  const auto routes = ok(cat({v4_route(), done_msg(), v4_route(), garbage}));
  EXPECT_EQ(routes.size(), 1U);
  EXPECT_EQ(ok(cat({done_msg(), v4_route()})).size(), 0U);
  EXPECT_EQ(ok({}).size(), 0U);  // a recv() part before DONE may hold nothing of interest
}

TEST(ParseRouteMessages, SkipsOtherFamiliesAndMessageTypes) {
  const Buf ipmr = route_msg({.family = RTNL_FAMILY_IPMR, .dst_len = 64}, attr(RTA_DST, {1, 2, 3}));
  const auto routes = ok(cat({nlmsg(NLMSG_NOOP, {}), ipmr, v4_route(), nlmsg(NLMSG_ERROR, u32(0))}));
  ASSERT_EQ(routes.size(), 1U);
  EXPECT_EQ(routes[0].prefix, pfx("10.20.0.0/16"));
}

TEST(ParseRouteMessages, KernelErrorsAreReported) {
  EXPECT_THAT(error(cat({v4_route(), nlmsg(NLMSG_ERROR, u32(static_cast<std::uint32_t>(-EPERM)))})),
              HasSubstr("Operation not permitted"));
  EXPECT_THAT(error(done_msg(-EINTR)), HasSubstr("dump failed"));
  EXPECT_THAT(error(nlmsg(NLMSG_ERROR, {1, 2})), HasSubstr("truncated NLMSG_ERROR"));
}

// ------------------------------------------------------------------------------------ malformed --

TEST(ParseRouteMessages, EveryTruncationIsAnErrorUnlessAtAMessageBoundary) {
  const Buf mp =
      cat({rtnh(5, attr(RTA_GATEWAY, addr("192.0.2.5"))), rtnh(7, attr(RTA_GATEWAY, addr("192.0.2.9")))});
  const Buf first = v4_route();
  const Buf whole = cat(
      {first, route_msg({.dst_len = 16}, cat({attr(RTA_DST, addr("10.3.0.0")), attr(RTA_MULTIPATH, mp)}))});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    SCOPED_TRACE("cut at " + std::to_string(n));
    const Buf cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    if (n == 0 || n == first.size()) {
      EXPECT_EQ(ok(cut).size(), n == 0 ? 0U : 1U);
    } else {
      EXPECT_FALSE(error(cut).empty());
    }
  }
}

// Overwrite a host-order length field in a copy of `b` (netlink lengths are host order).
Buf with_u16(Buf b, std::size_t offset, std::uint16_t v) {
  std::memcpy(b.data() + offset, &v, sizeof(v));
  return b;
}
Buf with_u32(Buf b, std::size_t offset, std::uint32_t v) {
  std::memcpy(b.data() + offset, &v, sizeof(v));
  return b;
}

constexpr std::size_t kAttrs = sizeof(nlmsghdr) + sizeof(rtmsg);  // offset of the first rtattr

TEST(ParseRouteMessages, BadNetlinkHeaderLengths) {
  const Buf good = v4_route();
  EXPECT_THAT(error(with_u32(good, 0, 8)), HasSubstr("< 16"));
  EXPECT_THAT(error(with_u32(good, 0, static_cast<std::uint32_t>(good.size() + 4))),
              HasSubstr("beyond the buffer"));
  EXPECT_THAT(error(with_u32(good, 0, 0xffffffffU)), HasSubstr("beyond the buffer"));
  EXPECT_THAT(error(cat({good, Buf(10, 0)})), HasSubstr("message 1: truncated nlmsghdr"));
}

TEST(ParseRouteMessages, RtmsgTruncated) {
  Buf short_msg = nlmsg(RTM_NEWROUTE, Buf(sizeof(rtmsg) - 4, 0));
  EXPECT_THAT(error(short_msg), HasSubstr("shorter than struct rtmsg"));
}

TEST(ParseRouteMessages, BadAttributeLengths) {
  const Buf good = v4_route();
  // First attribute is RTA_TABLE; make it claim more than the message holds, or less than a header.
  EXPECT_THAT(error(with_u16(good, kAttrs, 200)), HasSubstr("beyond the message"));
  EXPECT_THAT(error(with_u16(good, kAttrs, 2)), HasSubstr("< 4"));
  // A 2-byte tail cannot hold an rtattr header.
  Buf tail = route_msg({.dst_len = 16}, Buf{0x08, 0x00});
  EXPECT_THAT(error(tail), HasSubstr("truncated attribute header"));
}

TEST(ParseRouteMessages, BadAttributePayloads) {
  EXPECT_THAT(error(route_msg({.dst_len = 16}, attr(RTA_DST, addr("2001:db8::")))), HasSubstr("bad RTA_DST"));
  EXPECT_THAT(error(route_msg({.family = AF_INET6}, attr(RTA_GATEWAY, addr("192.0.2.1")))),
              HasSubstr("bad RTA_GATEWAY"));
  EXPECT_THAT(error(route_msg({}, attr(RTA_OIF, Buf{1, 0}))), HasSubstr("not 4 bytes"));
  EXPECT_THAT(error(route_msg({}, attr(RTA_VIA, Buf{AF_INET, 0, 1}))), HasSubstr("bad RTA_VIA"));
  EXPECT_THAT(error(route_msg({.dst_len = 33}, attr(RTA_DST, addr("10.0.0.0")))), HasSubstr("too long"));
  EXPECT_THAT(error(route_msg({.family = AF_INET6, .dst_len = 129}, {})), HasSubstr("too long"));
}

TEST(ParseRouteMessages, BadRtnexthopLengths) {
  const Buf gw = attr(RTA_GATEWAY, addr("192.0.2.5"));
  auto route_with = [](const Buf& mp) { return route_msg({}, attr(RTA_MULTIPATH, mp)); };
  EXPECT_THAT(error(route_with(with_u16(rtnh(5, gw), 0, 4))), HasSubstr("rtnexthop length 4 < 8"));
  EXPECT_THAT(error(route_with(with_u16(rtnh(5, gw), 0, 0))), HasSubstr("< 8"));
  EXPECT_THAT(error(route_with(with_u16(rtnh(5, gw), 0, 64))), HasSubstr("beyond the attribute"));
  EXPECT_THAT(error(route_with(Buf{16, 0, 0, 0})), HasSubstr("truncated rtnexthop"));
  // The nexthop's own attribute overruns the rtnexthop.
  EXPECT_THAT(error(route_with(cat({rtnh(5, with_u16(gw, 0, 12)), Buf(4, 0)}))),
              HasSubstr("RTA_MULTIPATH nexthop"));
  EXPECT_THAT(error(route_with(rtnh(5, attr(RTA_GATEWAY, Buf{1, 2})))), HasSubstr("bad RTA_GATEWAY"));
}

// ---------------------------------------------------------------------------------- real kernel --

// Captured with `ip route` in a fresh namespace; ifindexes there: lo 1, vfb 2, vfa 3, vfd 4, vfc 5.
TEST(ParseRouteMessages, CapturedKernelDump) {
  std::ifstream in(WGFO_FIB_DUMP, std::ios::binary);
  ASSERT_TRUE(in) << WGFO_FIB_DUMP;
  const Buf dump{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_GT(dump.size(), 1000U);
  auto all = ok(dump);
  ASSERT_EQ(all.size(), 31U);

  std::vector<FibRoute> main;
  std::copy_if(all.begin(), all.end(), std::back_inserter(main),
               [](const FibRoute& r) { return r.table == kMainTable; });
  std::sort(main.begin(), main.end());
  constexpr std::uint8_t boot = kProtocolBoot, kernel = kProtocolKernel, uni = kRouteTypeUnicast;
  std::vector<FibRoute> want = {
      {pfx("10.1.0.0/16"), kMainTable, boot, uni, 0, {nh(3)}},
      {pfx("10.2.0.0/16"), kMainTable, boot, uni, 100, {nh(3, "198.51.100.2")}},
      {pfx("10.3.0.0/16"), kMainTable, boot, uni, 0, {nh(3, "198.51.100.2"), nh(5, "198.51.101.2")}},
      {pfx("10.4.0.0/16"), kMainTable, boot, kRouteTypeBlackhole, 0, {}},
      {pfx("10.6.0.0/16"), kMainTable, boot, uni, 0, {nh(3, "2001:db8::2")}},
      {pfx("198.51.100.0/24"), kMainTable, kernel, uni, 0, {nh(3)}},
      {pfx("198.51.101.0/24"), kMainTable, kernel, uni, 0, {nh(5)}},
      {pfx("2001:db8::/64"), kMainTable, kernel, uni, 256, {nh(3)}},
      {pfx("2001:db8:1::/64"), kMainTable, kernel, uni, 256, {nh(5)}},
      {pfx("2001:db8:10::/48"), kMainTable, boot, uni, 512, {nh(3, "2001:db8::2")}},
      {pfx("2001:db8:11::/48"), kMainTable, boot, uni, 1024, {nh(3, "2001:db8::2"), nh(5, "2001:db8:1::2")}},
      {pfx("2001:db8:12::/48"), kMainTable, boot, kRouteTypeBlackhole, 1024, {nh(1)}},
      {pfx("fe80::/64"), kMainTable, kernel, uni, 256, {nh(2)}},
      {pfx("fe80::/64"), kMainTable, kernel, uni, 256, {nh(3)}},
      {pfx("fe80::/64"), kMainTable, kernel, uni, 256, {nh(4)}},
      {pfx("fe80::/64"), kMainTable, kernel, uni, 256, {nh(5)}},
  };
  std::sort(want.begin(), want.end());
  EXPECT_EQ(main, want);

  // The table-1000 route (rtm_table RT_TABLE_COMPAT + RTA_TABLE) and the local table are there too.
  EXPECT_EQ(std::count_if(all.begin(), all.end(), [](const FibRoute& r) { return r.table == 1000; }), 1);
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const FibRoute& r) {
    return r.table == kLocalTable && r.prefix == pfx("127.0.0.1/32") && r.type == kRouteTypeLocal;
  }));
}

// ------------------------------------------------------------------------------- live, read-only --

TEST(ReadFib, DumpsOnlyTheRequestedTableOfTheCurrentNamespace) {
  auto local = read_fib(kLocalTable);
  ASSERT_TRUE(std::holds_alternative<std::vector<FibRoute>>(local)) << std::get<std::string>(local);
  for (const FibRoute& r : std::get<std::vector<FibRoute>>(local)) EXPECT_EQ(r.table, kLocalTable);
  auto main = read_fib();
  ASSERT_TRUE(std::holds_alternative<std::vector<FibRoute>>(main)) << std::get<std::string>(main);
  for (const FibRoute& r : std::get<std::vector<FibRoute>>(main)) EXPECT_EQ(r.table, kMainTable);
}

TEST(InterfaceNames, LoopbackIsIndexOneInEveryNamespace) {
  EXPECT_EQ(interface_index("lo"), 1);
  EXPECT_EQ(interface_name(1), "lo");
  EXPECT_EQ(interface_index("wgfo-no-such"), std::nullopt);
  EXPECT_EQ(interface_name(0), std::nullopt);
  EXPECT_EQ(interface_name(-3), std::nullopt);
}

}  // namespace
}  // namespace wgfo::frr

// The rtnetlink link parser against hand-built RTM_NEWLINK / RTM_DELLINK byte vectors (struct ifinfomsg
// and rtattrs appended by hand, per linux/rtnetlink.h), and LinkTable's bookkeeping: only visible
// changes reported, renames, deletions of unknown links, and a re-dump that reports the links that
// vanished while events were lost. Malformed inputs live in exact-size heap buffers for ASan.

#include "controller/wireguard/link.hpp"

#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace wgfo::link {
namespace {

using ::testing::HasSubstr;
using Buf = std::vector<std::uint8_t>;

void append(Buf& b, const void* p, std::size_t n) {
  const auto* bytes = static_cast<const std::uint8_t*>(p);
  b.insert(b.end(), bytes, bytes + n);
}
void pad4(Buf& b) {
  b.resize((b.size() + 3U) & ~std::size_t{3});
}
Buf attr(std::uint16_t type, const Buf& payload) {
  Buf b;
  const rtattr h{static_cast<unsigned short>(sizeof(rtattr) + payload.size()), type};
  append(b, &h, sizeof(h));
  b.insert(b.end(), payload.begin(), payload.end());
  pad4(b);
  return b;
}
Buf name(std::string_view n) {
  Buf b(n.begin(), n.end());
  b.push_back(0);
  return b;
}
Buf u32(std::uint32_t v) {
  Buf b;
  append(b, &v, sizeof(v));
  return b;
}
Buf cat(std::initializer_list<Buf> parts) {
  Buf b;
  for (const Buf& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}

struct Link {
  std::uint16_t type = RTM_NEWLINK;
  std::uint16_t nl_flags = 0;
  int index = 5;
  unsigned flags = IFF_UP | IFF_RUNNING | IFF_NOARP | IFF_POINTOPOINT;
  unsigned char family = AF_UNSPEC;
  Buf attrs =
      cat({attr(IFLA_IFNAME, name("wg0")), attr(IFLA_MTU, u32(1420)), attr(IFLA_OPERSTATE, {IF_OPER_UNKNOWN}),
           attr(IFLA_LINKINFO | NLA_F_NESTED, attr(1 /* IFLA_INFO_KIND */, name("tun")))});
};

Buf message(const Link& l) {
  ifinfomsg ifi{};
  ifi.ifi_family = l.family;
  ifi.ifi_index = l.index;
  ifi.ifi_flags = l.flags;
  ifi.ifi_change = 0xffffffff;
  Buf body;
  append(body, &ifi, sizeof(ifi));
  body.insert(body.end(), l.attrs.begin(), l.attrs.end());
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(sizeof(h) + body.size());
  h.nlmsg_type = l.type;
  h.nlmsg_flags = l.nl_flags;
  Buf b;
  append(b, &h, sizeof(h));
  b.insert(b.end(), body.begin(), body.end());
  pad4(b);
  return b;
}

Buf control(std::uint16_t type, int status, std::uint16_t flags = 0) {
  nlmsghdr h{};
  h.nlmsg_len = sizeof(h) + sizeof(int);
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  Buf b;
  append(b, &h, sizeof(h));
  append(b, &status, sizeof(status));
  return b;
}

std::variant<LinkBatch, std::string> parse_exact(const Buf& b) {
  const auto heap = std::make_unique<std::uint8_t[]>(b.size());
  std::copy(b.begin(), b.end(), heap.get());
  return parse_link_messages(std::span<const std::uint8_t>(heap.get(), b.size()));
}

LinkBatch parse_ok(const Buf& b) {
  auto r = parse_exact(b);
  if (auto* err = std::get_if<std::string>(&r)) {
    ADD_FAILURE() << *err;
    return {};
  }
  return std::get<LinkBatch>(r);
}

LinkEvent event(int index, std::string n, bool up, bool running,
                std::optional<std::uint8_t> oper = kOperUnknown) {
  LinkEvent e;
  e.ifindex = index;
  e.ifname = std::move(n);
  e.up = up;
  e.running = running;
  e.flags = (up ? unsigned{IFF_UP} : 0U) | (running ? unsigned{IFF_RUNNING} : 0U);
  e.operstate = oper;
  return e;
}

// ------------------------------------------------------------------------------------- parser --

TEST(LinkParse, NewLink) {
  const LinkBatch b = parse_ok(message(Link{}));
  ASSERT_EQ(b.events.size(), 1U);
  const LinkEvent& e = b.events[0];
  EXPECT_EQ(e.ifindex, 5);
  EXPECT_EQ(e.ifname, "wg0");
  EXPECT_TRUE(e.up);
  EXPECT_TRUE(e.running);
  EXPECT_EQ(e.flags, static_cast<std::uint32_t>(IFF_UP | IFF_RUNNING | IFF_NOARP | IFF_POINTOPOINT));
  EXPECT_EQ(e.operstate, std::optional<std::uint8_t>(kOperUnknown));
  EXPECT_FALSE(e.deleted);
  EXPECT_FALSE(e.from_dump);
  EXPECT_TRUE(e.usable());
  EXPECT_FALSE(b.dump_done);
}

TEST(LinkParse, DownDeletedAndWithoutOperstate) {
  Link down;
  down.flags = IFF_NOARP;
  down.attrs = cat({attr(IFLA_IFNAME, name("dummy0")), attr(IFLA_OPERSTATE, {IF_OPER_DOWN})});
  Link del;
  del.type = RTM_DELLINK;
  del.index = 9;
  del.attrs = attr(IFLA_IFNAME, name("dummy1"));
  const LinkBatch b = parse_ok(cat({message(down), message(del)}));
  ASSERT_EQ(b.events.size(), 2U);
  EXPECT_FALSE(b.events[0].up);
  EXPECT_FALSE(b.events[0].running);
  EXPECT_EQ(b.events[0].operstate, std::optional<std::uint8_t>(kOperDown));
  EXPECT_TRUE(b.events[1].deleted);
  EXPECT_EQ(b.events[1].ifname, "dummy1");
  EXPECT_FALSE(b.events[1].operstate.has_value());
  EXPECT_FALSE(b.events[1].usable());
}

TEST(LinkParse, DumpPartsAndDone) {
  Link a;
  a.nl_flags = NLM_F_MULTI;
  Link b = a;
  b.index = 6;
  b.nl_flags = NLM_F_MULTI | NLM_F_DUMP_INTR;
  b.attrs = attr(IFLA_IFNAME, name("wg1"));
  const LinkBatch batch =
      parse_ok(cat({message(a), message(b), control(NLMSG_DONE, 0, NLM_F_MULTI), Buf{1, 2}}));
  ASSERT_EQ(batch.events.size(), 2U);
  EXPECT_TRUE(batch.events[0].from_dump);
  EXPECT_TRUE(batch.dump_done);
  EXPECT_TRUE(batch.dump_interrupted);
}

TEST(LinkParse, SkipsBridgePortEventsAndOtherTypes) {
  Link bridge_port;  // a port leaving its bridge: RTM_DELLINK with AF_BRIDGE, the interface stays
  bridge_port.type = RTM_DELLINK;
  bridge_port.family = AF_BRIDGE;
  Link route;
  route.type = RTM_NEWADDR;
  const LinkBatch b = parse_ok(cat({message(bridge_port), message(route), control(NLMSG_NOOP, 0),
                                    control(NLMSG_ERROR, 0), message(Link{})}));
  ASSERT_EQ(b.events.size(), 1U);
  EXPECT_FALSE(b.events[0].deleted);
}

TEST(LinkParse, KernelErrors) {
  auto r = parse_exact(control(NLMSG_ERROR, -EBUSY));
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_THAT(std::get<std::string>(r), HasSubstr("Device or resource busy"));
  r = parse_exact(control(NLMSG_DONE, -EINTR));
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_THAT(std::get<std::string>(r), HasSubstr("dump failed"));
  r = parse_exact(Buf{16, 0, 0, 0, NLMSG_ERROR, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});  // no error code
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_THAT(std::get<std::string>(r), HasSubstr("truncated NLMSG_ERROR"));
}

TEST(LinkParse, RefusesMalformedLinks) {
  Link no_name;
  no_name.attrs = attr(IFLA_MTU, u32(1500));
  Link long_name;
  long_name.attrs = attr(IFLA_IFNAME, name("0123456789abcdef"));
  Link no_nul;
  no_nul.attrs = attr(IFLA_IFNAME, Buf{'w', 'g', '0'});
  Link empty_name;
  empty_name.attrs = attr(IFLA_IFNAME, Buf{0});
  Link wide_oper;
  wide_oper.attrs = cat({attr(IFLA_IFNAME, name("wg0")), attr(IFLA_OPERSTATE, u32(6))});
  Link zero_index;
  zero_index.index = 0;
  Buf short_attr = message(Link{});
  short_attr[16 + sizeof(ifinfomsg)] = 2;  // the first rtattr's length
  Buf short_ifi = message(Link{});
  short_ifi.resize(16 + 8);
  short_ifi[0] = 24;
  const std::pair<Buf, std::string_view> cases[] = {
      {message(no_name), "without IFLA_IFNAME"},
      {message(long_name), "IFLA_IFNAME"},
      {message(no_nul), "IFLA_IFNAME"},
      {message(empty_name), "IFLA_IFNAME"},
      {message(wide_oper), "IFLA_OPERSTATE has 4 bytes"},
      {message(zero_index), "ifindex 0"},
      {short_attr, "< 4"},
      {short_ifi, "shorter than struct ifinfomsg"},
  };
  for (const auto& [buf, why] : cases) {
    const auto r = parse_exact(buf);
    ASSERT_TRUE(std::holds_alternative<std::string>(r)) << why;
    EXPECT_THAT(std::get<std::string>(r), HasSubstr(why));
  }
}

TEST(LinkParse, EveryCutIsAnErrorOrAWholeMessagePrefix) {
  const Buf first = message(Link{});
  Link second;
  second.type = RTM_DELLINK;
  const Buf whole = cat({first, message(second)});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const auto r = parse_exact(Buf(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)));
    if (n == 0 || n == first.size()) {
      ASSERT_TRUE(std::holds_alternative<LinkBatch>(r)) << n;
      EXPECT_EQ(std::get<LinkBatch>(r).events.size(), n == 0 ? 0U : 1U);
    } else {
      ASSERT_TRUE(std::holds_alternative<std::string>(r)) << "prefix of " << n << " bytes parsed";
    }
  }
}

TEST(LinkEvent, Usable) {
  EXPECT_TRUE(event(1, "a", true, true).usable());
  EXPECT_TRUE(event(1, "a", true, true, kOperUp).usable());
  EXPECT_TRUE(event(1, "a", true, true, std::nullopt).usable());
  EXPECT_FALSE(event(1, "a", false, true).usable());
  EXPECT_FALSE(event(1, "a", true, false).usable());
  EXPECT_FALSE(event(1, "a", true, true, kOperDown).usable());
  EXPECT_FALSE(event(1, "a", true, true, kOperLowerLayerDown).usable());
  EXPECT_FALSE(event(1, "a", true, true, kOperDormant).usable());
  LinkEvent gone = event(1, "a", true, true);
  gone.deleted = true;
  EXPECT_FALSE(gone.usable());
  EXPECT_EQ(to_string(event(5, "wg0", true, true)), "wg0 (index 5): up running operstate unknown");
  EXPECT_EQ(to_string(event(5, "wg0", false, false, kOperDown)),
            "wg0 (index 5): down not-running operstate down");
  EXPECT_EQ(to_string(gone), "a (index 1): deleted");
}

// ---------------------------------------------------------------------------------- LinkTable --

TEST(LinkTable, ReportsOnlyVisibleChanges) {
  LinkTable t;
  EXPECT_EQ(t.apply(event(5, "wg0", true, true)).size(), 1U);
  EXPECT_TRUE(t.apply(event(5, "wg0", true, true)).empty());  // e.g. an MTU change
  LinkEvent promisc = event(5, "wg0", true, true);
  promisc.flags |= IFF_PROMISC;
  EXPECT_TRUE(t.apply(promisc).empty());
  const auto down = t.apply(event(5, "wg0", false, false, kOperDown));
  ASSERT_EQ(down.size(), 1U);
  EXPECT_FALSE(down[0].up);
  EXPECT_EQ(t.apply(event(5, "wg0", true, false, kOperDown)).size(), 1U);
  EXPECT_EQ(t.apply(event(5, "wg0", true, true, kOperUp)).size(), 1U);
  ASSERT_NE(t.find("wg0"), nullptr);
  EXPECT_EQ(t.find("wg0")->operstate, std::optional<std::uint8_t>(kOperUp));
  EXPECT_EQ(t.find("wg1"), nullptr);
}

TEST(LinkTable, DeletionsUseTheKnownNameAndUnknownOnesAreDropped) {
  LinkTable t;
  t.apply(event(5, "wg0", true, true));
  LinkEvent del = event(5, "", true, true);
  del.deleted = true;
  const auto out = t.apply(del);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_TRUE(out[0].deleted);
  EXPECT_EQ(out[0].ifname, "wg0");
  EXPECT_TRUE(t.links().empty());
  EXPECT_TRUE(t.apply(del).empty());
}

TEST(LinkTable, RenameIsOldDeletedThenNew) {
  LinkTable t;
  t.apply(event(5, "wg0", true, true));
  const auto out = t.apply(event(5, "wg9", true, true));
  ASSERT_EQ(out.size(), 2U);
  EXPECT_TRUE(out[0].deleted);
  EXPECT_EQ(out[0].ifname, "wg0");
  EXPECT_FALSE(out[1].deleted);
  EXPECT_EQ(out[1].ifname, "wg9");
  EXPECT_EQ(t.find("wg0"), nullptr);
  EXPECT_NE(t.find("wg9"), nullptr);
}

TEST(LinkTable, ReDumpReportsWhatVanished) {
  LinkTable t;
  t.begin_dump();
  EXPECT_TRUE(t.dumping());
  t.apply(event(1, "lo", true, true));
  t.apply(event(5, "wg0", true, true));
  t.apply(event(6, "wg1", true, true));
  EXPECT_TRUE(t.end_dump().empty());
  EXPECT_FALSE(t.dumping());

  // Events were lost (overrun); meanwhile wg1 was deleted and wg2 created. The re-dump tells.
  t.begin_dump();
  EXPECT_TRUE(t.apply(event(1, "lo", true, true)).empty());
  EXPECT_TRUE(t.apply(event(5, "wg0", true, true)).empty());
  EXPECT_EQ(t.apply(event(7, "wg2", true, true)).size(), 1U);
  const auto gone = t.end_dump();
  ASSERT_EQ(gone.size(), 1U);
  EXPECT_EQ(gone[0].ifname, "wg1");
  EXPECT_TRUE(gone[0].deleted);
  EXPECT_TRUE(gone[0].from_dump);
  EXPECT_EQ(t.links().size(), 3U);
}

TEST(LinkTable, NotificationsDuringADumpCountAsSeen) {
  LinkTable t;
  t.apply(event(5, "wg0", true, true));
  t.begin_dump();
  t.apply(event(8, "dummy0", true, true));  // created mid-dump, after the dump passed its index
  t.apply(event(5, "wg0", true, true));
  EXPECT_TRUE(t.end_dump().empty());
  EXPECT_NE(t.find("dummy0"), nullptr);
}

}  // namespace
}  // namespace wgfo::link

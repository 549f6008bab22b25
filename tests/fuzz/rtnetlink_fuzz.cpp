// libFuzzer target for the rtnetlink dump parsers: parse_link_messages (controller/wireguard/link.hpp, the
// link monitor's decoder) and parse_route_messages (frr-integration/fib.hpp, the FIB read-back). Both
// decode kernel bytes by hand, and every length must be checked before it is read, whatever the input.
//
// The first input byte selects the parser (even: links, odd: routes); the rest is the netlink buffer.
// 1. Links: each event has an ifindex > 0, a name of 1..15 bytes without NUL, and up/running as its
//    IFF_ flags say; the batch written back as RTM_NEWLINK/RTM_DELLINK messages parses to the same batch;
//    a LinkTable fed the events reports at most a rename's deletion and the event itself, and then holds
//    exactly the event at its index (nothing, for a deletion); a dump that mentions no link deletes all.
// 2. Routes: each prefix is masked, the nexthops are sorted, and the routes written back as one
//    RTM_NEWROUTE each (RTA_OIF + RTA_GATEWAY/RTA_VIA, or RTA_MULTIPATH) parse to the same list.
// Errors name the netlink message. Any violation aborts, which libFuzzer reports as a crash.
//
// Linked with tests/fuzz/replay_main.cpp (normal build), the seed corpus replays as a unit test.

#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "controller/wireguard/link.hpp"
#include "frr-integration/fib.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/nl_writer.hpp"

namespace {

using wgfo::frr::FibNexthop;
using wgfo::frr::FibRoute;
using wgfo::fuzz::attr;
using wgfo::fuzz::Buf;
using wgfo::fuzz::message;
using wgfo::fuzz::put;
using wgfo::fuzz::u32_attr;
using wgfo::link::LinkBatch;
using wgfo::link::LinkEvent;
using Bytes = std::span<const std::uint8_t>;

void check_error(const std::string& error) {
  FUZZ_CHECK(error.find("netlink message ") != std::string::npos && !error.ends_with(": "));
}

// ---- links ----

Buf print_links(const LinkBatch& batch) {
  Buf out;
  if (batch.dump_interrupted) message(out, NLMSG_NOOP, NLM_F_DUMP_INTR, {});
  for (const LinkEvent& e : batch.events) {
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = e.ifindex;
    ifi.ifi_flags = e.flags;
    Buf body;
    put(body, &ifi, sizeof(ifi));
    attr(body, IFLA_IFNAME, e.ifname.c_str(), e.ifname.size() + 1);
    if (e.operstate) attr(body, IFLA_OPERSTATE, &*e.operstate, 1);
    const auto type = static_cast<std::uint16_t>(e.deleted ? RTM_DELLINK : RTM_NEWLINK);
    message(out, type, static_cast<std::uint16_t>(e.from_dump ? NLM_F_MULTI : 0), body);
  }
  if (batch.dump_done) message(out, NLMSG_DONE, NLM_F_MULTI, Buf(sizeof(int), 0));
  return out;
}

void check_links(Bytes bytes) {
  const auto r = wgfo::link::parse_link_messages(bytes);
  if (const auto* error = std::get_if<std::string>(&r)) return check_error(*error);
  const LinkBatch& batch = std::get<LinkBatch>(r);
  wgfo::link::LinkTable table;
  for (const LinkEvent& e : batch.events) {
    FUZZ_CHECK(e.ifindex > 0);
    FUZZ_CHECK(!e.ifname.empty() && e.ifname.size() <= 15 && e.ifname.find('\0') == std::string::npos);
    FUZZ_CHECK(e.up == ((e.flags & IFF_UP) != 0) && e.running == ((e.flags & IFF_RUNNING) != 0));
    FUZZ_CHECK(!wgfo::link::to_string(e).empty());
    const std::vector<LinkEvent> reported = table.apply(e);
    FUZZ_CHECK(reported.size() <= 2);
    if (reported.size() == 2) FUZZ_CHECK(reported[0].deleted && reported[0].ifindex == e.ifindex);
    if (!reported.empty()) FUZZ_CHECK(reported.back().ifindex == e.ifindex);
    if (!reported.empty() && !e.deleted) FUZZ_CHECK(reported.back() == e);
    if (e.deleted) FUZZ_CHECK(!table.links().contains(e.ifindex));
    if (!e.deleted) FUZZ_CHECK(table.links().at(e.ifindex) == e);
  }
  const std::size_t known = table.links().size();
  table.begin_dump();
  FUZZ_CHECK(table.end_dump().size() == known && table.links().empty());

  const auto again = wgfo::link::parse_link_messages(print_links(batch));
  FUZZ_CHECK(std::holds_alternative<LinkBatch>(again));
  const LinkBatch& b = std::get<LinkBatch>(again);
  FUZZ_CHECK(b.events == batch.events && b.dump_done == batch.dump_done);
  FUZZ_CHECK(b.dump_interrupted == batch.dump_interrupted);
}

// ---- routes ----

void put_gateway(Buf& b, int family, const FibNexthop& nh) {
  if (!nh.gateway) return;
  const auto address = nh.gateway->bytes();
  if (nh.gateway->is_v4() == (family == AF_INET)) return attr(b, RTA_GATEWAY, address.data(), address.size());
  // struct rtvia: the gateway's own family, then its address.
  const std::uint16_t via_family = nh.gateway->is_v4() ? AF_INET : AF_INET6;
  Buf via(sizeof(via_family));
  std::memcpy(via.data(), &via_family, sizeof(via_family));
  via.insert(via.end(), address.begin(), address.end());
  attr(b, RTA_VIA, via.data(), via.size());
}

Buf print_routes(const std::vector<FibRoute>& routes) {
  Buf out;
  for (const FibRoute& r : routes) {
    const int family = r.prefix.address().is_v4() ? AF_INET : AF_INET6;
    rtmsg rtm{};
    rtm.rtm_family = static_cast<unsigned char>(family);
    rtm.rtm_dst_len = static_cast<unsigned char>(r.prefix.length());
    rtm.rtm_table = RT_TABLE_COMPAT;  // the table is in RTA_TABLE
    rtm.rtm_protocol = r.protocol;
    rtm.rtm_type = r.type;
    Buf body;
    put(body, &rtm, sizeof(rtm));
    u32_attr(body, RTA_TABLE, r.table);
    const auto dst = r.prefix.address().bytes();
    attr(body, RTA_DST, dst.data(), dst.size());
    u32_attr(body, RTA_PRIORITY, r.metric);
    if (r.nexthops.size() == 1) {
      u32_attr(body, RTA_OIF, static_cast<std::uint32_t>(r.nexthops[0].ifindex));
      put_gateway(body, family, r.nexthops[0]);
    } else if (r.nexthops.size() > 1) {
      Buf multipath;
      for (const FibNexthop& nh : r.nexthops) {
        Buf one(sizeof(rtnexthop), 0);
        put_gateway(one, family, nh);
        rtnexthop h{};
        h.rtnh_len = static_cast<unsigned short>(one.size());
        h.rtnh_ifindex = nh.ifindex;
        std::memcpy(one.data(), &h, sizeof(h));
        multipath.insert(multipath.end(), one.begin(), one.end());
      }
      attr(body, RTA_MULTIPATH, multipath.data(), multipath.size());
    }
    message(out, RTM_NEWROUTE, NLM_F_MULTI, body);
  }
  message(out, NLMSG_DONE, NLM_F_MULTI, Buf(sizeof(int), 0));
  return out;
}

void check_routes(Bytes bytes) {
  const auto r = wgfo::frr::parse_route_messages(bytes);
  if (const auto* error = std::get_if<std::string>(&r)) return check_error(*error);
  const std::vector<FibRoute>& routes = std::get<std::vector<FibRoute>>(r);
  for (const FibRoute& route : routes) {
    FUZZ_CHECK(route.prefix.is_masked());
    FUZZ_CHECK(std::is_sorted(route.nexthops.begin(), route.nexthops.end()));
    // A multipath attribute of more nexthops than this would not fit 16 bits when written back.
    if (route.nexthops.size() > 1000) return;
  }
  const auto again = wgfo::frr::parse_route_messages(print_routes(routes));
  FUZZ_CHECK(std::holds_alternative<std::vector<FibRoute>>(again));
  FUZZ_CHECK(std::get<std::vector<FibRoute>>(again) == routes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Bytes bytes(data + 1, size - 1);
  if ((data[0] & 1U) == 0) {
    check_links(bytes);
  } else {
    check_routes(bytes);
  }
  return 0;
}

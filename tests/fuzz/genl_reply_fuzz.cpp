// libFuzzer target for the WireGuard generic netlink reply parsers (controller/wireguard/genl.hpp), the
// hand-written, bounds-checked decoders of what the kernel's wireguard module and the genl controller
// send back. Whatever the bytes, each must give a value or an Error, never an overread or a crash.
//
// The whole input is one reply buffer, given to all three parsers (they share the netlink framing).
// 1. parse_get_family_reply: an accepted family id is >= GENL_MIN_ID (the lower message types are
//    netlink's own control messages, which the dump parser would take for errors or the end of a dump).
// 2. parse_ack and every error: a "wireguard netlink: ..." message.
// 3. parse_device_dump (family kFamily): an accepted device has a valid or no interface name, unique
//    peer keys, handshake times in range and canonical endpoints with a port; a DeviceDumpParser fed the
//    same bytes in two parts, split at the first message boundary, agrees with it; and the device written
//    back as a one-message dump (linux/wireguard.h encoding, as the kernel sends it) parses to itself.
// Any violation aborts, which libFuzzer reports as a crash.
//
// Linked with tests/fuzz/replay_main.cpp (normal build), the seed corpus replays as a unit test.

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "controller/wireguard/genl.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/nl_writer.hpp"
#include "tests/fuzz/wg_checks.hpp"

namespace {

using wgfo::fuzz::attr;
using wgfo::fuzz::begin_nest;
using wgfo::fuzz::Buf;
using wgfo::fuzz::end_nest;
using wgfo::fuzz::message;
using wgfo::fuzz::put;
using wgfo::wg::Bytes;
using wgfo::wg::DeviceStats;
using wgfo::wg::Error;
using wgfo::wg::error_of;

constexpr std::uint16_t kFamily = 0x1b;  // as in tests/controller/wireguard/wg_genl_test.cpp

// A GET_DEVICE dump of `d` in one message, each peer in a WGDEVICE_A_PEERS nest of its own, with every
// attribute the parser reads; then NLMSG_DONE.
Buf print_dump(const DeviceStats& d) {
  Buf body;
  const genlmsghdr genl{WG_CMD_GET_DEVICE, WG_GENL_VERSION, 0};
  put(body, &genl, sizeof(genl));
  if (!d.ifname.empty()) attr(body, WGDEVICE_A_IFNAME, d.ifname.c_str(), d.ifname.size() + 1);
  attr(body, WGDEVICE_A_LISTEN_PORT, &d.listen_port, sizeof(d.listen_port));
  for (const wgfo::wg::PeerStats& p : d.peers) {
    const std::size_t peers = begin_nest(body, std::uint16_t{WGDEVICE_A_PEERS | NLA_F_NESTED});
    const std::size_t peer = begin_nest(body, std::uint16_t{NLA_F_NESTED});
    attr(body, WGPEER_A_PUBLIC_KEY, p.public_key.data(), p.public_key.size());
    if (p.endpoint) {
      const auto address = p.endpoint->address();
      FUZZ_CHECK(address.has_value());
      if (address->is_v4()) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(p.endpoint->port);
        std::memcpy(&sin.sin_addr, address->bytes().data(), 4);
        attr(body, WGPEER_A_ENDPOINT, &sin, sizeof(sin));
      } else {
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(p.endpoint->port);
        std::memcpy(&sin6.sin6_addr, address->bytes().data(), 16);
        attr(body, WGPEER_A_ENDPOINT, &sin6, sizeof(sin6));
      }
    }
    const std::int64_t ts[2] = {p.last_handshake.seconds, p.last_handshake.nanoseconds};
    attr(body, WGPEER_A_LAST_HANDSHAKE_TIME, ts, sizeof(ts));
    attr(body, WGPEER_A_RX_BYTES, &p.rx_bytes, sizeof(p.rx_bytes));
    attr(body, WGPEER_A_TX_BYTES, &p.tx_bytes, sizeof(p.tx_bytes));
    attr(body, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, &p.persistent_keepalive_interval,
         sizeof(p.persistent_keepalive_interval));
    end_nest(body, peer);
    end_nest(body, peers);
  }
  Buf out;
  message(out, kFamily, NLM_F_MULTI, body);
  message(out, NLMSG_DONE, NLM_F_MULTI, Buf(sizeof(int), 0));  // status 0
  return out;
}

// ---- checks ----

void check_error(const Error& e) {
  FUZZ_CHECK(e.message.starts_with("wireguard netlink: ") && e.message.size() > 19);
}

void check_device(const DeviceStats& d) {
  FUZZ_CHECK(d.ifname.size() <= 15 && d.ifname.find('\0') == std::string::npos);
  wgfo::fuzz::check_peers(d.peers);
}

// The dump in two feeds, cut after the first message: the same outcome as in one piece.
void check_split(Bytes bytes, const wgfo::wg::Result<DeviceStats>& whole) {
  if (bytes.size() < sizeof(nlmsghdr)) return;
  std::uint32_t len = 0;
  std::memcpy(&len, bytes.data(), sizeof(len));
  const std::size_t cut = std::min<std::size_t>((std::size_t{len} + 3U) & ~std::size_t{3}, bytes.size());
  if (len < sizeof(nlmsghdr) || cut == bytes.size()) return;  // a bad header, or only one message
  wgfo::wg::DeviceDumpParser parser(kFamily);
  auto r = parser.feed(bytes.first(cut));
  if (error_of(r) == nullptr && !std::get<bool>(r)) r = parser.feed(bytes.subspan(cut));
  const bool split_ok = error_of(r) == nullptr && std::get<bool>(r);
  FUZZ_CHECK(split_ok == (error_of(whole) == nullptr));
  if (split_ok) FUZZ_CHECK(parser.device() == std::get<DeviceStats>(whole));
}

void check_dump(Bytes bytes) {
  const auto r = wgfo::wg::parse_device_dump(kFamily, bytes);
  check_split(bytes, r);
  if (const Error* e = error_of(r)) {
    check_error(*e);
    return;
  }
  const DeviceStats& d = std::get<DeviceStats>(r);
  check_device(d);
  const Buf printed = print_dump(d);
  const auto again = wgfo::wg::parse_device_dump(kFamily, printed);
  FUZZ_CHECK(error_of(again) == nullptr && std::get<DeviceStats>(again) == d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes bytes(data, size);
  const auto family = wgfo::wg::parse_get_family_reply(bytes);
  if (const Error* e = error_of(family)) {
    check_error(*e);
  } else {
    FUZZ_CHECK(std::get<std::uint16_t>(family) >= GENL_MIN_ID);
  }
  const auto ack = wgfo::wg::parse_ack(bytes);
  if (const Error* e = error_of(ack)) check_error(*e);
  check_dump(bytes);
  return 0;
}

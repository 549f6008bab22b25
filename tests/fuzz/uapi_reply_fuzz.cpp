// libFuzzer target for the WireGuard UAPI reply parsers (controller/wireguard/uapi.hpp): the text a
// userspace implementation such as wireguard-go writes back on its unix socket. The daemon reads it from
// a process it does not control, so any text must give a DeviceStats or an Error, never a crash.
//
// The whole input is one reply, given to both parsers.
// 1. parse_uapi_get_reply: an accepted reply ends at its first empty line (so uapi_reply_complete(),
//    which the client reads until, agrees on where a reply ends); it has unique peer keys, handshake
//    times in range and endpoints that are canonical IP literals with a port; and printed back as UAPI
//    text it parses to the same DeviceStats. An error is Malformed or Rejected with a "UAPI: " message
//    that never contains a private or preshared key of the reply (64 hex digits found nowhere else).
// 2. parse_uapi_set_reply: it accepts nothing but "errno=N\n\n", and the get parser reads such a reply
//    the same way (an empty device, or the same Rejected error).
// Any violation aborts, which libFuzzer reports as a crash.
//
// Linked with tests/fuzz/replay_main.cpp (normal build), the seed corpus replays as a unit test.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "controller/wireguard/uapi.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/wg_checks.hpp"

namespace {

using wgfo::wg::DeviceStats;
using wgfo::wg::Error;
using wgfo::wg::error_of;
using wgfo::wg::Key;
using wgfo::wg::PeerStats;

constexpr std::string_view kIfname = "wg0";

// The reply an implementation would send for `d`, with every key the parser reads.
std::string print_reply(const DeviceStats& d) {
  std::string s = "listen_port=" + std::to_string(d.listen_port) + "\n";
  for (const PeerStats& p : d.peers) {
    s += "public_key=" + wgfo::wg::key_to_hex(p.public_key) + "\n";
    if (p.endpoint) s += "endpoint=" + p.endpoint->to_string() + "\n";
    s += "last_handshake_time_sec=" + std::to_string(p.last_handshake.seconds) + "\n";
    s += "last_handshake_time_nsec=" + std::to_string(p.last_handshake.nanoseconds) + "\n";
    s += "rx_bytes=" + std::to_string(p.rx_bytes) + "\ntx_bytes=" + std::to_string(p.tx_bytes) + "\n";
    s += "persistent_keepalive_interval=" + std::to_string(p.persistent_keepalive_interval) + "\n";
  }
  return s + "errno=0\n\n";
}

bool is_hex_key(std::string_view v) {
  return v.size() == 64 && std::all_of(v.begin(), v.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

// No message may echo the value of a private_key= or preshared_key= line. Only values that occur once in
// the reply are checked: the same digits on another line (an endpoint, say) may be quoted legitimately.
void check_no_secret(std::string_view reply, const std::string& message) {
  std::size_t pos = 0;
  while (pos < reply.size()) {
    const std::size_t nl = std::min(reply.find('\n', pos), reply.size());
    const std::string_view line = reply.substr(pos, nl - pos);
    pos = nl + 1;
    for (const std::string_view key :
         {std::string_view("private_key="), std::string_view("preshared_key=")}) {
      if (!line.starts_with(key)) continue;
      const std::string_view value = line.substr(key.size());
      if (!is_hex_key(value) || reply.find(value) != reply.rfind(value)) continue;
      FUZZ_CHECK(message.find(value) == std::string::npos);
    }
  }
}

void check_error(const Error& e) {
  FUZZ_CHECK(e.kind == Error::Kind::Malformed || e.kind == Error::Kind::Rejected);
  FUZZ_CHECK(e.message.starts_with("UAPI: ") && e.message.size() > 6);
}

void check_get(std::string_view reply) {
  const auto r = wgfo::wg::parse_uapi_get_reply(reply, kIfname);
  if (const Error* e = error_of(r)) {
    check_error(*e);
    check_no_secret(reply, e->message);
    return;
  }
  const DeviceStats& d = std::get<DeviceStats>(r);
  FUZZ_CHECK(d.ifname == kIfname);
  FUZZ_CHECK(reply.ends_with("\n\n") && reply.find("\n\n") == reply.size() - 2);
  FUZZ_CHECK(wgfo::wg::uapi_reply_complete(reply));
  FUZZ_CHECK(!wgfo::wg::uapi_reply_complete(reply.substr(0, reply.size() - 1)));
  wgfo::fuzz::check_peers(d.peers);
  const auto again = wgfo::wg::parse_uapi_get_reply(print_reply(d), kIfname);
  FUZZ_CHECK(error_of(again) == nullptr && std::get<DeviceStats>(again) == d);
}

void check_set(std::string_view reply) {
  const auto r = wgfo::wg::parse_uapi_set_reply(reply);
  const Error* e = error_of(r);
  if (e != nullptr) check_error(*e);
  if (e != nullptr && e->kind != Error::Kind::Rejected) return;
  FUZZ_CHECK(reply.starts_with("errno=") && reply.ends_with("\n\n"));
  const auto get = wgfo::wg::parse_uapi_get_reply(reply, kIfname);
  const Error* get_error = error_of(get);
  if (e == nullptr) {
    FUZZ_CHECK(get_error == nullptr &&
               std::get<DeviceStats>(get) == DeviceStats{.ifname = std::string(kIfname)});
  } else {
    FUZZ_CHECK(get_error != nullptr && get_error->kind == e->kind && get_error->message == e->message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view reply(reinterpret_cast<const char*>(data), size);
  check_get(reply);
  check_set(reply);
  return 0;
}

#pragma once
// The kernel WireGuard module's generic netlink interface (linux/wireguard.h, family "wireguard"):
// WG_CMD_GET_DEVICE as a dump selected by WGDEVICE_A_IFNAME, WG_CMD_SET_DEVICE with one peer
// (WGPEER_A_PUBLIC_KEY + WGPEER_F_UPDATE_ONLY + WGPEER_A_ENDPOINT) to move an endpoint, and
// CTRL_CMD_GETFAMILY to learn the family id, which the kernel assigns at module load.
//
// The pure part builds requests and decodes replies with the same discipline as frr-integration/fib:
// every length is checked before it is read, values are copied out with memcpy (the bytes may sit at
// any alignment), and a malformed reply is an Error, never an overread or a silently shortened list.
// A GET_DEVICE dump is multi-part: the device attributes come in the first message only, the peers are
// spread over as many messages as they need, and a peer with many allowed IPs continues in the next
// message as a nest holding only its public key and the remaining allowed IPs. DeviceDumpParser
// assembles that into one DeviceStats.
//
// GenlClient is the thin socket part. This build host has no wireguard kernel module, so the client has
// only been exercised against "family not found"; everything it decodes goes through the unit-tested
// parser, and it is kept to send / poll / recv / feed.

#include <chrono>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "controller/wireguard/wg_types.hpp"

namespace wgfo::wg {

using Bytes = std::span<const std::uint8_t>;

// CTRL_CMD_GETFAMILY for "wireguard" (to GENL_ID_CTRL, no dump).
std::vector<std::uint8_t> build_get_family_request(std::uint32_t seq);
// The family id from CTRL_CMD_NEWFAMILY (CTRL_ATTR_FAMILY_ID). NLMSG_ERROR ENOENT (module not loaded)
// is Kind::NotFound.
Result<std::uint16_t> parse_get_family_reply(Bytes bytes);

// WG_CMD_GET_DEVICE, NLM_F_REQUEST | NLM_F_DUMP, with WGDEVICE_A_IFNAME.
Result<std::vector<std::uint8_t>> build_get_device_request(std::uint16_t family, std::uint32_t seq,
                                                           std::string_view ifname);
// WG_CMD_SET_DEVICE, NLM_F_REQUEST | NLM_F_ACK: WGDEVICE_A_IFNAME and one peer nest with
// WGPEER_A_PUBLIC_KEY, WGPEER_A_FLAGS = WGPEER_F_UPDATE_ONLY (a missing peer is left alone, not created)
// and WGPEER_A_ENDPOINT (sockaddr_in / sockaddr_in6). The host must be an IP literal.
Result<std::vector<std::uint8_t>> build_set_endpoint_request(std::uint16_t family, std::uint32_t seq,
                                                             std::string_view ifname, const Key& peer,
                                                             const HostPort& endpoint);
// The reply to a request sent with NLM_F_ACK: NLMSG_ERROR with code 0 is success.
Result<void> parse_ack(Bytes bytes);

// Decodes a GET_DEVICE dump fed one recv() buffer at a time.
class DeviceDumpParser {
 public:
  explicit DeviceDumpParser(std::uint16_t family) : family_(family) {}

  // Decodes every message in `bytes`. Returns true once NLMSG_DONE has been seen (later bytes are
  // ignored), false when more is to come. NLMSG_ERROR with a non-zero code is an error (ENODEV: no such
  // interface, Kind::NotFound; EOPNOTSUPP: not a WireGuard interface, Kind::NotFound). After an error
  // the parser must not be fed again.
  Result<bool> feed(Bytes bytes);

  // Some message carried NLM_F_DUMP_INTR: peers changed during the dump; dump again.
  bool interrupted() const { return interrupted_; }
  bool done() const { return done_; }
  const DeviceStats& device() const { return device_; }
  DeviceStats take() { return std::move(device_); }

 private:
  std::uint16_t family_;
  std::size_t messages_{0};  // across feeds, to locate errors
  bool done_{false};
  bool interrupted_{false};
  bool have_ifname_{false};
  DeviceStats device_;
  std::set<Key> seen_;  // peers so far, to refuse a key listed twice
};

// A whole dump in one buffer (tests, captured replies); it must end with NLMSG_DONE.
Result<DeviceStats> parse_device_dump(std::uint16_t family, Bytes bytes);

class GenlClient {
 public:
  struct Options {
    std::chrono::milliseconds timeout{500};  // per request, covering all parts of a dump
  };

  GenlClient() : GenlClient(Options{}) {}
  explicit GenlClient(Options options) : options_(options) {}

  // Both open a socket, resolve the family and make one request (a dump interrupted by a concurrent
  // change is retried twice). Blocking, bounded by the timeout. Need CAP_NET_ADMIN, as wg(8) does.
  Result<DeviceStats> get(const std::string& ifname) const;
  Result<void> set_endpoint(const std::string& ifname, const Key& peer, const HostPort& endpoint) const;

 private:
  Options options_;
};

}  // namespace wgfo::wg

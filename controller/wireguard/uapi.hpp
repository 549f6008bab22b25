#pragma once
// The cross-platform userspace API (https://www.wireguard.com/xplatform/), spoken by wireguard-go and
// the other userspace implementations over a unix socket, /var/run/wireguard/IFNAME.sock:
//   "get=1\n\n"  ->  "key=value\n" lines, then "errno=0\n\n"
//   "set=1\n" + "key=value\n" lines + "\n"  ->  "errno=0\n\n"
// (wireguard-go writes a failure as a negative errno, e.g. "errno=-22"; either sign is read.)
//
// Two layers, as everywhere in the controller: the text is parsed and built by pure functions that
// hold all the protocol rules and are tested with literal replies, and UapiClient is the thin socket
// part. The client is built for a daemon that must outlive a broken peer process: one connection per
// operation, a deadline over connect + write + read (a wireguard-go that hangs mid-reply costs one
// timeout, not a blocked core thread), and a cap on the reply size.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "controller/wireguard/wg_types.hpp"

namespace wgfo::wg {

inline constexpr std::string_view kUapiGetRequest = "get=1\n\n";

// Parses a complete reply to "get=1" (up to and including the blank line). Device keys come first,
// then each peer starts with public_key=. Strict where it matters: a malformed value of a key we use,
// a peer key before any public_key, a peer listed twice, a line without '=', bytes after the blank
// line, a missing or non-final errno, and a truncated reply are errors; errno != 0 is Kind::Rejected.
// Keys we do not use (private_key, preshared_key, allowed_ip, fwmark, extensions) are skipped without
// looking at their values, so no secret is ever copied.
Result<DeviceStats> parse_uapi_get_reply(std::string_view reply, std::string_view ifname);

// Parses the reply to a "set=1" operation: exactly "errno=0\n\n" is success.
Result<void> parse_uapi_set_reply(std::string_view reply);

// True once `received` holds a whole reply: the protocol ends every reply with an empty line, and no
// value can contain one. The client reads until this holds.
bool uapi_reply_complete(std::string_view received);

// "set=1\npublic_key=HEX\nupdate_only=true\nendpoint=ADDR:PORT\n\n". update_only makes the operation
// a no-op for a key the interface has no peer for (instead of creating a peer with no allowed IPs),
// like WGPEER_F_UPDATE_ONLY in the kernel. The host must be an IP literal (the UAPI does not resolve
// names); it is re-printed canonically, IPv6 in brackets, so nothing the caller passes can add a line.
Result<std::string> build_uapi_set_endpoint(const Key& peer, const HostPort& endpoint);

class UapiClient {
 public:
  struct Options {
    std::string socket_dir = "/var/run/wireguard";
    std::chrono::milliseconds timeout{500};  // whole operation: connect, write, read
    std::size_t max_reply_bytes = 4U << 20;  // ~10000 peers with a few allowed IPs each
  };

  UapiClient() : UapiClient(Options{}) {}
  explicit UapiClient(Options options) : options_(std::move(options)) {}

  // SOCKET_DIR/IFNAME.sock; the name is not checked here.
  std::string socket_path(std::string_view ifname) const;
  // Whether SOCKET_DIR/IFNAME.sock exists and is a socket (a stale one from a dead process counts).
  bool has_socket(std::string_view ifname) const;

  Result<DeviceStats> get(const std::string& ifname) const;
  Result<void> set_endpoint(const std::string& ifname, const Key& peer, const HostPort& endpoint) const;

  const Options& options() const { return options_; }

 private:
  Result<std::string> exchange(const std::string& ifname, std::string_view request) const;

  Options options_;
};

}  // namespace wgfo::wg

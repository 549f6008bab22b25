#pragma once
// What the controller knows about a WireGuard interface, in one shape whichever implementation runs it:
// the kernel module (generic netlink) or a userspace one such as wireguard-go (the UAPI socket). Field
// names follow linux/wireguard.h (WGPEER_A_*), which the UAPI text keys mirror.
//
// Secrets never enter these types: the private and preshared keys that both interfaces would hand out
// are skipped by the parsers, so a DeviceStats can be logged or shown without care.
//
// Errors are values, as in frr-integration (NbResult): Result<T> is a std::variant of the value and an
// Error whose kind tells the daemon what to do about it (an interface that is not there is not a bug;
// a malformed reply is).

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "controller/ip.hpp"

namespace wgfo::wg {

inline constexpr std::size_t kKeyLen = 32;  // WG_KEY_LEN
using Key = std::array<std::uint8_t, kKeyLen>;

struct Error {
  enum class Kind : std::uint8_t {
    NotFound,   // no such interface, socket, peer or generic netlink family: nothing to read
    Timeout,    // the peer process did not answer within the deadline (a hung wireguard-go)
    Io,         // socket-level failure (permission, connection reset, ...)
    Malformed,  // the reply (or the caller's input) does not follow the protocol
    Rejected,   // the implementation answered with an error (UAPI errno=N, netlink error)
  };
  Kind kind{Kind::Malformed};
  std::string message;
};

namespace detail {
template <typename T>
struct ResultOf {
  using type = std::variant<T, Error>;
};
template <>
struct ResultOf<void> {
  using type = std::variant<std::monostate, Error>;
};
}  // namespace detail

// Result<T>: the value or an Error. Result<void> holds std::monostate on success.
template <typename T>
using Result = typename detail::ResultOf<T>::type;

template <typename T>
const Error* error_of(const std::variant<T, Error>& r) {
  return std::get_if<Error>(&r);
}

// Time since the epoch as the kernel's struct __kernel_timespec carries it (UAPI:
// last_handshake_time_sec / _nsec). All zero means "never".
struct Timestamp {
  std::int64_t seconds{0};
  std::int64_t nanoseconds{0};  // 0..999'999'999

  bool never() const { return seconds == 0 && nanoseconds == 0; }
  friend auto operator<=>(const Timestamp&, const Timestamp&) = default;
};

struct PeerStats {
  Key public_key{};
  // The current endpoint (an IP literal host, IPv6 without brackets); nullopt until one is known. A zone
  // index (fe80::1%eth0) is dropped: HostPort has no place for it and nothing downstream routes by it.
  std::optional<HostPort> endpoint;
  Timestamp last_handshake;
  std::uint64_t rx_bytes{0};
  std::uint64_t tx_bytes{0};
  std::uint16_t persistent_keepalive_interval{0};  // seconds, 0 = off

  friend bool operator==(const PeerStats&, const PeerStats&) = default;
};

struct DeviceStats {
  std::string ifname;
  std::uint16_t listen_port{0};
  std::vector<PeerStats> peers;  // in the implementation's order

  const PeerStats* find(const Key& public_key) const;
  friend bool operator==(const DeviceStats&, const DeviceStats&) = default;
};

// Keys as `wg pubkey` prints them: standard base64 with padding, exactly 44 characters. Decoding is
// strict (no whitespace, and the last character's unused bits must be zero, as wg(8) checks), so one
// key has one text form and config keys compare as text.
std::string key_to_base64(const Key& key);
Result<Key> key_from_base64(std::string_view text);

// Keys as the UAPI carries them: 64 hex digits. Written in lower case; either case is read.
std::string key_to_hex(const Key& key);
Result<Key> key_from_hex(std::string_view text);

// An interface name the kernel would accept (1..15 bytes, no '/', no whitespace or control
// characters, not "." or ".."). Checked before a name becomes part of a socket path or a request.
Result<void> check_ifname(std::string_view ifname);

}  // namespace wgfo::wg

#pragma once
// RFC 5880 §4.1 BFD Control packet codec: a value type, parse() and serialize(). Pure.
//
// parse() applies every reception check of §6.8.6 that depends on the packet alone (version, length,
// detect mult, multipoint, discriminators, auth section length). The checks that need context live
// where the context is: Your Discriminator lookup in SessionTable, the A bit against the configured
// authentication in Session, TTL 255 (RFC 5881 §5) in the socket layer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "bfd/types.hpp"

namespace wgfo::bfd {

inline constexpr std::size_t kMandatoryLength = 24;
inline constexpr std::size_t kMaxPacketLength = kMandatoryLength + 28;  // meticulous keyed SHA1

// RFC 5880 §4.1 Auth Type.
enum class AuthType : std::uint8_t {
  Reserved = 0,
  SimplePassword = 1,
  KeyedMd5 = 2,
  MeticulousKeyedMd5 = 3,
  KeyedSha1 = 4,
  MeticulousKeyedSha1 = 5,
};

// Optional authentication section (§4.2-§4.4), parsed and length-checked; verification is Session's.
struct AuthSection {
  AuthType type{AuthType::Reserved};
  std::uint8_t key_id{};
  std::uint32_t sequence{};              // types 2-5
  std::array<std::uint8_t, 20> value{};  // password (1-16 bytes) or digest (16 or 20 bytes)
  std::uint8_t value_len{};

  bool operator==(const AuthSection&) const = default;
};

struct ControlPacket {
  std::uint8_t version{1};
  Diag diag{Diag::None};
  State state{State::Down};
  bool poll{};
  bool final{};
  bool control_plane_independent{};
  bool auth_present{};  // the A bit; serialize() sets it from `auth`
  bool demand{};
  bool multipoint{};
  std::uint8_t detect_mult{};
  Discriminator my_discr{};
  Discriminator your_discr{};
  std::uint32_t desired_min_tx_us{};
  std::uint32_t required_min_rx_us{};
  std::uint32_t required_min_echo_rx_us{};
  std::optional<AuthSection> auth;

  bool operator==(const ControlPacket&) const = default;
};

enum class ParseError : std::uint8_t {
  None = 0,
  TooShort,        // fewer than 24 bytes on the wire
  BadVersion,      // version != 1
  LengthMismatch,  // Length < 24 (26 with A), or > bytes received
  ZeroDetectMult,
  MultipointSet,
  ZeroMyDiscriminator,
  ZeroYourDiscriminatorNotDown,  // Your Discr = 0 while State is Init or Up
  PollAndFinal,                  // P and F together (a sender MUST NOT; BIRD drops it too)
  BadAuthLength,                 // auth section length invalid for its type or beyond Length
  UnknownAuthType,
};

std::string_view to_string(ParseError e);

struct ParseResult {
  ControlPacket packet;
  ParseError error{ParseError::None};
  explicit operator bool() const { return error == ParseError::None; }
};

ParseResult parse(std::span<const std::uint8_t> data);

// Writes the packet into `out` (at least 24 bytes plus the auth section) and returns the length
// written. The Length field and the A bit are derived from `auth`; the other fields are written as
// given. Returns 0 if `out` is too small.
std::size_t serialize(const ControlPacket& p, std::span<std::uint8_t> out);

}  // namespace wgfo::bfd

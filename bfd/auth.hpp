#pragma once
// RFC 5880 §6.7.4 Keyed SHA1 and Meticulous Keyed SHA1 authentication: signing a packet we send and
// verifying one we received, given the sequence state Session keeps (§6.8.1 bfd.XmitAuthSeq,
// bfd.RcvAuthSeq, bfd.AuthSeqKnown). Pure functions; Session decides when they run.
//
// Only the SHA1 types are offered: simple password puts the secret on the wire, and MD5 adds nothing
// SHA1 lacks for a peer (BIRD supports both SHA1 types; FRR 8.4 has no BFD authentication at all).
// The digest is the RFC's construction (SHA1 over the packet with the key in the digest field), not
// HMAC, which is what BIRD implements and what interoperates.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "bfd/packet.hpp"

namespace wgfo::bfd {

inline constexpr std::size_t kMaxAuthKeyLength = 20;  // §4.4: the key is zero-padded to 20 bytes

struct AuthKey {
  AuthType type{AuthType::KeyedSha1};  // KeyedSha1 or MeticulousKeyedSha1
  std::uint8_t key_id{};
  // The key, zero-padded (§6.7.4 hashes all 20 bytes, so the padding is part of the key's identity).
  std::array<std::uint8_t, kMaxAuthKeyLength> secret{};

  bool operator==(const AuthKey&) const = default;
};

// §6.8.1 receive-side sequence state.
struct AuthSeqState {
  bool known{false};    // bfd.AuthSeqKnown
  std::uint32_t rcv{};  // bfd.RcvAuthSeq
};

enum class AuthError : std::uint8_t {
  None = 0,
  Missing,     // A bit clear while authentication is configured
  WrongType,   // Auth Type is not the configured one
  WrongKeyId,  // Key ID is not the configured one
  SequenceOutOfWindow,
  BadDigest,
};

std::string_view to_string(AuthError e);

// Sets p.auth to a section of the key's type carrying `sequence` and the digest of the packet as
// serialize() will write it (§6.7.4 transmission).
void sign(ControlPacket& p, const AuthKey& key, std::uint32_t sequence);

// §6.7.4 reception for a packet that passed parse(). `wire` is the datagram it was parsed from: the
// digest covers the bytes as received (Length of them), not a re-encoding. `detect_mult` is the
// local bfd.DetectMult, which sizes the sequence window.
AuthError verify(const ControlPacket& rx, std::span<const std::uint8_t> wire, const AuthKey& key,
                 const AuthSeqState& seq, std::uint8_t detect_mult);

}  // namespace wgfo::bfd

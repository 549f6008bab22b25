// RFC 5880 §6.7.4 Keyed SHA1 / Meticulous Keyed SHA1.
//
// The digest is SHA1 over the whole packet (Length bytes) with the 20-byte digest field holding the
// key, zero-padded (§6.7.4). sign() serializes once with the key in the field, hashes, and stores the
// digest in the section, so the packet serialize() later writes is exactly the one that was hashed.
// verify() hashes a copy of the received bytes with the key put back in the field.
//
// Sequence window (§6.7.4), circular over 2^32: Keyed SHA1 accepts RcvAuthSeq .. RcvAuthSeq +
// 3 x DetectMult, Meticulous Keyed SHA1 RcvAuthSeq + 1 .. RcvAuthSeq + 3 x DetectMult; nothing is
// checked while bfd.AuthSeqKnown is 0.

#include "bfd/auth.hpp"

#include <algorithm>

#include "bfd/sha1.hpp"

namespace wgfo::bfd {

namespace {

constexpr std::size_t kDigestOffset = kMandatoryLength + 8;  // Type, Len, Key ID, Reserved, Sequence
constexpr std::size_t kDigestLength = 20;

bool is_meticulous(AuthType t) {
  return t == AuthType::MeticulousKeyedSha1;
}

// Constant time in the digest length, so a forger learns nothing from how fast a guess fails.
bool equal_digest(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < kDigestLength; ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::string_view to_string(AuthError e) {
  switch (e) {
    case AuthError::None:
      return "ok";
    case AuthError::Missing:
      return "no authentication section while authentication is configured";
    case AuthError::WrongType:
      return "authentication type differs from the configured one";
    case AuthError::WrongKeyId:
      return "key id differs from the configured one";
    case AuthError::SequenceOutOfWindow:
      return "sequence number outside the accepted window";
    case AuthError::BadDigest:
      return "digest does not match";
  }
  return "unknown authentication error";
}

void sign(ControlPacket& p, const AuthKey& key, std::uint32_t sequence) {
  AuthSection a;
  a.type = key.type;
  a.key_id = key.key_id;
  a.sequence = sequence;
  a.value = key.secret;  // §6.7.4: the key, zero-padded, stands in the digest field while hashing
  a.value_len = kDigestLength;
  p.auth = a;
  p.auth_present = true;
  std::array<std::uint8_t, kMaxPacketLength> buf{};
  const std::size_t len = serialize(p, buf);
  const Sha1Digest digest = sha1(std::span<const std::uint8_t>(buf.data(), len));
  std::copy(digest.begin(), digest.end(), p.auth->value.begin());
}

AuthError verify(const ControlPacket& rx, std::span<const std::uint8_t> wire, const AuthKey& key,
                 const AuthSeqState& seq, std::uint8_t detect_mult) {
  if (!rx.auth_present || !rx.auth) return AuthError::Missing;
  const AuthSection& a = *rx.auth;
  if (a.type != key.type) return AuthError::WrongType;
  if (a.key_id != key.key_id) return AuthError::WrongKeyId;

  if (seq.known) {
    const std::uint32_t ahead = a.sequence - seq.rcv;  // circular distance (§6.7.4)
    const std::uint32_t window = 3U * detect_mult;
    const std::uint32_t lowest = is_meticulous(key.type) ? 1 : 0;
    if (ahead < lowest || ahead > window) return AuthError::SequenceOutOfWindow;
  }

  // parse() accepted the packet, so Length (byte 3) lies within `wire` and covers the section.
  const std::size_t length = wire.size() > 3 ? wire[3] : 0;
  if (length < kDigestOffset + kDigestLength || length > wire.size()) return AuthError::BadDigest;
  std::array<std::uint8_t, 255> buf{};
  std::copy_n(wire.begin(), length, buf.begin());
  std::copy(key.secret.begin(), key.secret.end(), buf.begin() + kDigestOffset);
  const Sha1Digest expected = sha1(std::span<const std::uint8_t>(buf.data(), length));
  const auto received = wire.subspan(kDigestOffset, kDigestLength);
  return equal_digest(expected, received) ? AuthError::None : AuthError::BadDigest;
}

}  // namespace wgfo::bfd

// RFC 5880 §4.1 BFD Control packet codec.
//
// parse() decodes the 24-byte mandatory section and the optional authentication section (§4.2-§4.4)
// and applies, in the order §6.8.6 lists them, every reception check that needs nothing but the
// packet; it never throws and never reads past `data`. serialize() is its inverse: for every packet
// parse() accepts, parse(serialize(p)) == p. Byte order is network order throughout (§4.1).
//
// Choices where the RFC leaves room:
//  * A Length larger than 24 (+ Auth Len) but within the received bytes is accepted: §6.8.6 only
//    discards Length below the minimum or beyond the payload. Bytes after the sections are ignored.
//  * The Reserved byte of the MD5/SHA1 sections is ignored on receipt and written as zero (§4.3, §4.4).
//  * P and F together is rejected here (§6.5: a packet MUST NOT carry both); BIRD drops it too.

#include "bfd/packet.hpp"

#include <algorithm>

namespace wgfo::bfd {

namespace {

constexpr std::uint8_t kFlagPoll = 0x20;
constexpr std::uint8_t kFlagFinal = 0x10;
constexpr std::uint8_t kFlagCpi = 0x08;
constexpr std::uint8_t kFlagAuth = 0x04;
constexpr std::uint8_t kFlagDemand = 0x02;
constexpr std::uint8_t kFlagMultipoint = 0x01;

// §4.2: Auth Type, Auth Len, Key ID precede the password.
constexpr std::size_t kSimpleHeaderLen = 3;
constexpr std::size_t kMaxPasswordLen = 16;
// §4.3 / §4.4: Type, Len, Key ID, Reserved, Sequence Number (4), then the digest.
constexpr std::size_t kDigestOffset = 8;
constexpr std::size_t kMd5DigestLen = 16;
constexpr std::size_t kSha1DigestLen = 20;
constexpr std::size_t kMd5AuthLen = kDigestOffset + kMd5DigestLen;    // 24
constexpr std::size_t kSha1AuthLen = kDigestOffset + kSha1DigestLen;  // 28

std::uint32_t get_u32(std::span<const std::uint8_t> d, std::size_t at) {
  return static_cast<std::uint32_t>(d[at]) << 24 | static_cast<std::uint32_t>(d[at + 1]) << 16 |
         static_cast<std::uint32_t>(d[at + 2]) << 8 | static_cast<std::uint32_t>(d[at + 3]);
}

void put_u32(std::span<std::uint8_t> d, std::size_t at, std::uint32_t v) {
  d[at] = static_cast<std::uint8_t>(v >> 24);
  d[at + 1] = static_cast<std::uint8_t>(v >> 16);
  d[at + 2] = static_cast<std::uint8_t>(v >> 8);
  d[at + 3] = static_cast<std::uint8_t>(v);
}

bool is_md5(AuthType t) {
  return t == AuthType::KeyedMd5 || t == AuthType::MeticulousKeyedMd5;
}
bool is_sha1(AuthType t) {
  return t == AuthType::KeyedSha1 || t == AuthType::MeticulousKeyedSha1;
}

// The Auth Len a section of this type must carry on the wire; 0 if it cannot be serialized.
std::size_t wire_auth_len(const AuthSection& a) {
  if (a.type == AuthType::SimplePassword) {
    if (a.value_len < 1 || a.value_len > kMaxPasswordLen) return 0;
    return kSimpleHeaderLen + a.value_len;
  }
  if (is_md5(a.type)) return kMd5AuthLen;
  if (is_sha1(a.type)) return kSha1AuthLen;
  return 0;
}

// Parses the authentication section that starts at byte 24 (§4.2-§4.4). `length` is the Length field,
// already known to be >= 26 and <= data.size().
ParseError parse_auth(std::span<const std::uint8_t> data, std::size_t length, AuthSection& out) {
  const std::uint8_t type = data[kMandatoryLength];
  const std::size_t auth_len = data[kMandatoryLength + 1];
  if (type < static_cast<std::uint8_t>(AuthType::SimplePassword) ||
      type > static_cast<std::uint8_t>(AuthType::MeticulousKeyedSha1)) {
    return ParseError::UnknownAuthType;  // 0 is reserved, 6-255 unassigned (§4.1)
  }
  out.type = static_cast<AuthType>(type);

  // Auth Len counts the whole section including Type and Len (§4.2-§4.4) and must lie within Length.
  std::size_t expected_min = 0;
  std::size_t expected_max = 0;
  if (out.type == AuthType::SimplePassword) {
    expected_min = kSimpleHeaderLen + 1;  // password is 1 to 16 bytes (§4.2)
    expected_max = kSimpleHeaderLen + kMaxPasswordLen;
  } else if (is_md5(out.type)) {
    expected_min = expected_max = kMd5AuthLen;  // §4.3: Auth Len MUST be 24
  } else {
    expected_min = expected_max = kSha1AuthLen;  // §4.4: Auth Len MUST be 28
  }
  if (auth_len < expected_min || auth_len > expected_max || kMandatoryLength + auth_len > length) {
    return ParseError::BadAuthLength;
  }

  const std::span<const std::uint8_t> section = data.subspan(kMandatoryLength, auth_len);
  out.key_id = section[2];
  if (out.type == AuthType::SimplePassword) {
    out.value_len = static_cast<std::uint8_t>(auth_len - kSimpleHeaderLen);
    std::copy_n(section.begin() + kSimpleHeaderLen, out.value_len, out.value.begin());
  } else {
    // section[3] is Reserved: "MUST be set to zero on transmit, and ignored on receipt" (§4.3, §4.4).
    out.sequence = get_u32(section, 4);
    out.value_len = static_cast<std::uint8_t>(auth_len - kDigestOffset);
    std::copy_n(section.begin() + kDigestOffset, out.value_len, out.value.begin());
  }
  return ParseError::None;
}

}  // namespace

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::None:
      return "ok";
    case ParseError::TooShort:
      return "packet shorter than 24 bytes";
    case ParseError::BadVersion:
      return "version is not 1";
    case ParseError::LengthMismatch:
      return "length field below minimum or beyond received bytes";
    case ParseError::ZeroDetectMult:
      return "detect mult is zero";
    case ParseError::MultipointSet:
      return "multipoint bit set";
    case ParseError::ZeroMyDiscriminator:
      return "my discriminator is zero";
    case ParseError::ZeroYourDiscriminatorNotDown:
      return "your discriminator is zero in state init or up";
    case ParseError::PollAndFinal:
      return "poll and final both set";
    case ParseError::BadAuthLength:
      return "bad authentication section length";
    case ParseError::UnknownAuthType:
      return "unknown authentication type";
  }
  return "unknown parse error";
}

ParseResult parse(std::span<const std::uint8_t> data) {
  ParseResult r;
  if (data.size() < kMandatoryLength) {
    r.error = ParseError::TooShort;
    return r;
  }
  ControlPacket& p = r.packet;
  p.version = static_cast<std::uint8_t>(data[0] >> 5);
  p.diag = static_cast<Diag>(data[0] & 0x1f);
  p.state = static_cast<State>(data[1] >> 6);
  p.poll = (data[1] & kFlagPoll) != 0;
  p.final = (data[1] & kFlagFinal) != 0;
  p.control_plane_independent = (data[1] & kFlagCpi) != 0;
  p.auth_present = (data[1] & kFlagAuth) != 0;
  p.demand = (data[1] & kFlagDemand) != 0;
  p.multipoint = (data[1] & kFlagMultipoint) != 0;
  p.detect_mult = data[2];
  const std::size_t length = data[3];
  p.my_discr = get_u32(data, 4);
  p.your_discr = get_u32(data, 8);
  p.desired_min_tx_us = get_u32(data, 12);
  p.required_min_rx_us = get_u32(data, 16);
  p.required_min_echo_rx_us = get_u32(data, 20);

  // §6.8.6 reception checks, in the RFC's order.
  auto fail = [&r](ParseError e) {
    r.error = e;
    return r;
  };
  if (p.version != 1) return fail(ParseError::BadVersion);
  const std::size_t min_length = p.auth_present ? kMandatoryLength + 2 : kMandatoryLength;
  if (length < min_length || length > data.size()) return fail(ParseError::LengthMismatch);
  if (p.detect_mult == 0) return fail(ParseError::ZeroDetectMult);
  if (p.multipoint) return fail(ParseError::MultipointSet);
  if (p.my_discr == 0) return fail(ParseError::ZeroMyDiscriminator);
  if (p.your_discr == 0 && p.state != State::Down && p.state != State::AdminDown) {
    return fail(ParseError::ZeroYourDiscriminatorNotDown);
  }
  if (p.poll && p.final) return fail(ParseError::PollAndFinal);  // §6.5

  if (p.auth_present) {
    AuthSection auth;
    if (const ParseError e = parse_auth(data, length, auth); e != ParseError::None) return fail(e);
    p.auth = auth;
  }
  return r;
}

std::size_t serialize(const ControlPacket& p, std::span<std::uint8_t> out) {
  std::size_t auth_len = 0;
  if (p.auth) {
    auth_len = wire_auth_len(*p.auth);
    if (auth_len == 0) return 0;  // no valid wire form (reserved type or bad password length)
  }
  const std::size_t total = kMandatoryLength + auth_len;
  if (out.size() < total) return 0;

  out[0] = static_cast<std::uint8_t>((p.version & 0x7) << 5 | (static_cast<std::uint8_t>(p.diag) & 0x1f));
  std::uint8_t flags = static_cast<std::uint8_t>((static_cast<std::uint8_t>(p.state) & 0x3) << 6);
  if (p.poll) flags |= kFlagPoll;
  if (p.final) flags |= kFlagFinal;
  if (p.control_plane_independent) flags |= kFlagCpi;
  if (p.auth) flags |= kFlagAuth;
  if (p.demand) flags |= kFlagDemand;
  if (p.multipoint) flags |= kFlagMultipoint;
  out[1] = flags;
  out[2] = p.detect_mult;
  out[3] = static_cast<std::uint8_t>(total);
  put_u32(out, 4, p.my_discr);
  put_u32(out, 8, p.your_discr);
  put_u32(out, 12, p.desired_min_tx_us);
  put_u32(out, 16, p.required_min_rx_us);
  put_u32(out, 20, p.required_min_echo_rx_us);

  if (p.auth) {
    const AuthSection& a = *p.auth;
    const std::span<std::uint8_t> section = out.subspan(kMandatoryLength, auth_len);
    section[0] = static_cast<std::uint8_t>(a.type);
    section[1] = static_cast<std::uint8_t>(auth_len);
    section[2] = a.key_id;
    if (a.type == AuthType::SimplePassword) {
      std::copy_n(a.value.begin(), a.value_len, section.begin() + kSimpleHeaderLen);
    } else {
      section[3] = 0;  // Reserved (§4.3, §4.4)
      put_u32(section, 4, a.sequence);
      // The digest field has a fixed size; value_len is not consulted so a caller may fill the
      // digest after serializing (§6.7.3/§6.7.4 compute it over the serialized packet).
      std::copy_n(a.value.begin(), auth_len - kDigestOffset, section.begin() + kDigestOffset);
    }
  }
  return total;
}

}  // namespace wgfo::bfd

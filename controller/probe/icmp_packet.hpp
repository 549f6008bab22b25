#pragma once
// ICMP Echo codec for the fallback prober (peers without wg-failover still answer pings). Pure.
//
// Echo Request / Reply (RFC 792 for IPv4, RFC 4443 §4.1-4.2 for IPv6):
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |     Type      |     Code      |          Checksum             |  0
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |           Identifier          |        Sequence Number        |  4
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |     Data ... (ours: the 24-octet probe payload below)            8
//
//  Type: IPv4 8 = Echo Request, 0 = Echo Reply; IPv6 128 = Echo Request, 129 = Echo Reply. Code 0.
//  Checksum: IPv4, RFC 1071 over the ICMP message; IPv6, the same over the RFC 8200 §8.1 pseudo-header
//  plus the message. For ICMPv6 the kernel computes it on send and verifies it on receive (RFC 3542
//  §3.1, for raw and ping sockets alike), so encode() leaves it zero and decode() does not check it;
//  icmpv6_checksum() exists for tests and tools.
//
// Our payload, echoed unchanged by any RFC-conforming peer (network byte order):
//
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                 Magic (0x57474649, ASCII "WGFI")              |  0
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                         Session Id                            |  4
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                    Sequence Number (32 bits)                  |  8
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                          Reserved (0)                         | 12
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                 Sender Transmit Timestamp (64 bits)           | 16
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The header's 16-bit Sequence Number is the low half of the payload's; the payload carries the full
// 32 bits so the quality window needs no 16-bit wrap logic. A raw socket sees every Echo Reply to the
// host (other pings, other probers): Identifier, magic and Session Id separate ours from theirs.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "controller/ip.hpp"

namespace wgfo::probe {

inline constexpr std::size_t kIcmpHeaderSize = 8;
inline constexpr std::size_t kIcmpPayloadSize = 24;
inline constexpr std::size_t kIcmpEchoSize = kIcmpHeaderSize + kIcmpPayloadSize;
inline constexpr std::uint32_t kIcmpMagic = 0x57474649;  // "WGFI"

inline constexpr std::uint8_t kIcmp4EchoRequest = 8;
inline constexpr std::uint8_t kIcmp4EchoReply = 0;
inline constexpr std::uint8_t kIcmp6EchoRequest = 128;
inline constexpr std::uint8_t kIcmp6EchoReply = 129;

// RFC 1071: the 16-bit one's complement of the one's complement sum, over `data` (an odd length is
// padded with a zero octet) plus `initial` (a partial sum, e.g. of a pseudo-header). Returned in host
// order; write it big-endian.
std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial = 0);

// The ICMPv6 checksum of `message` (its checksum field must be zero) from `source` to `destination`.
std::uint16_t icmpv6_checksum(const IpAddress& source, const IpAddress& destination,
                              std::span<const std::uint8_t> message);

struct EchoPayload {
  std::uint32_t session_id{0};
  std::uint32_t sequence{0};
  std::uint64_t tx_timestamp{0};

  friend bool operator==(const EchoPayload&, const EchoPayload&) = default;
};

struct EchoHeader {
  std::uint8_t type{0};
  std::uint8_t code{0};
  std::uint16_t checksum{0};
  std::uint16_t identifier{0};
  std::uint16_t sequence{0};
};

using EchoBytes = std::array<std::uint8_t, kIcmpEchoSize>;

// An Echo Request with our payload; the header's Sequence Number is payload.sequence's low 16 bits.
// IPv4: checksum filled in; IPv6: zero (the kernel's job, see above).
EchoBytes encode_echo_request(IpFamily family, std::uint16_t identifier, const EchoPayload& payload);

// The reply a conforming peer sends to `request` (type changed, checksum recomputed for IPv4): for
// tests and the fuzz target.
EchoBytes make_echo_reply(IpFamily family, const EchoBytes& request);

struct EchoDecodeResult {
  EchoHeader header;
  std::span<const std::uint8_t> data;  // the octets after the header, a view into the input
  std::string error;                   // empty when valid
  explicit operator bool() const { return error.empty(); }
};

// An ICMP Echo Request or Reply of `family` (no IP header in front). Strict: at least 8 octets, an echo
// type of that family, code 0, and for IPv4 a correct checksum.
EchoDecodeResult decode_echo(IpFamily family, std::span<const std::uint8_t> icmp);

struct PayloadDecodeResult {
  EchoPayload payload;
  std::string error;
  explicit operator bool() const { return error.empty(); }
};

// Our payload: at least kIcmpPayloadSize octets (a peer may pad) starting with the magic.
PayloadDecodeResult decode_payload(std::span<const std::uint8_t> data);

struct Ipv4StripResult {
  std::span<const std::uint8_t> payload;  // what follows the IPv4 header, up to Total Length
  std::string error;
  explicit operator bool() const { return error.empty(); }
};

// Raw IPv4 ICMP sockets deliver the IP header too: checks it (version 4, IHL >= 5, lengths within the
// input, protocol ICMP, not a fragment) and returns the ICMP message behind it.
Ipv4StripResult strip_ipv4_header(std::span<const std::uint8_t> packet);

}  // namespace wgfo::probe

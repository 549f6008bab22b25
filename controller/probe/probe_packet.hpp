#pragma once
// The in-tunnel quality probe: a fixed-size UDP echo that peers running wg-failover answer.
//
// A sender stamps each request with an opaque transmit timestamp; the responder copies it back
// unchanged together with how long it held the request (its receive-to-send time), so the sender
// computes RTT = (receive time - echoed timestamp) - hold time on its own clock: no clock sync, and
// the responder's scheduling delay does not count as path delay. Pure codec: no sockets, no clocks.
//
// Wire format, version 1 (32 octets, every field in network byte order):
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                 Magic (0x57474650, ASCII "WGFP")              |  0
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |    Version    |     Type      |           Reserved            |  4
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                      Sender Session Id                        |  8
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                       Sequence Number                         | 12
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                   Sender Transmit Timestamp                   | 16
//    |                           (64 bits)                           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                    Responder Hold Time (ns)                   | 24
//    |                           (64 bits)                           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Magic      Rejects stray traffic on the port before any other field is trusted.
//  Version    1. A receiver rejects other versions (a later version may change the length).
//  Type       1 = Request, 2 = Reply. A responder answers only Requests and never a Reply, so two
//             responders (or a responder and an echo service) cannot ping-pong.
//  Reserved   Sent as zero, ignored on receipt (room for flags without a version bump).
//  Sender Session Id
//             Random, chosen by the sender each time its prober starts, copied into the Reply. A Reply
//             to a previous incarnation of the sender (restart, reconfiguration) carries another id and
//             is ignored rather than matched against a reused sequence number.
//  Sequence Number
//             Sender's counter, +1 per request, wraps at 2^32; copied into the Reply.
//  Sender Transmit Timestamp
//             Opaque to the responder, copied into the Reply unchanged. Our sender puts nanoseconds of
//             its monotonic clock there.
//  Responder Hold Time
//             Request: zero, ignored. Reply: nanoseconds from the Request's arrival (kernel receive
//             timestamp when available) to the Reply's transmission.
//
// Replies go to the Request's source address and port, from the address the Request was sent to, and
// have exactly the Request's size: a responder cannot amplify. Responders also rate-limit per source
// (responder_core.hpp), so they are a poor reflector too.
//
// Why not STAMP / TWAMP-Light (RFC 8762, RFC 5357 App. I): they are built for one-way metrics with
// synchronised clocks (NTP/PTP timestamps, 44+ octet packets, port 862, which other software on a
// router may already own). Round trip, loss and jitter need none of that; the session id and the magic
// make stray and stale packets cheap to reject.
//
// Port: kDefaultPort (9471/udp) by default, configurable. It lies in the user range below Linux's
// ephemeral range (32768-60999), so a kernel-chosen source port never occupies it; it is not a BFD
// port (3784/3785/4784) nor in the 51820+ range WireGuard interfaces customarily listen on; and it sits
// next to the daemon's metrics port 9470/tcp, so one firewall note covers both. It is not registered
// with IANA.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace wgfo::probe {

inline constexpr std::uint16_t kDefaultPort = 9471;
inline constexpr std::uint32_t kMagic = 0x57474650;  // "WGFP"
inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kPacketSize = 32;
inline constexpr std::size_t kHeaderSize = 8;  // magic, version, type, reserved: read before the rest

enum class MessageType : std::uint8_t { Request = 1, Reply = 2 };
std::string_view to_string(MessageType t);  // "request", "reply"

struct ProbeMessage {
  MessageType type{MessageType::Request};
  std::uint32_t session_id{0};
  std::uint32_t sequence{0};
  std::uint64_t tx_timestamp{0};  // opaque to the responder
  std::uint64_t hold_ns{0};       // replies only

  friend bool operator==(const ProbeMessage&, const ProbeMessage&) = default;
};

using ProbeBytes = std::array<std::uint8_t, kPacketSize>;

// Always kPacketSize octets; Reserved is written as zero.
ProbeBytes encode(const ProbeMessage& m);

struct DecodeResult {
  ProbeMessage message;
  std::string error;  // empty when the packet is valid
  explicit operator bool() const { return error.empty(); }
};

// Strict: exactly kPacketSize octets of version 1 with the magic and a known type; reads nothing
// past data.size(). Errors name the field, e.g. "bad magic 0x12345678".
DecodeResult decode(std::span<const std::uint8_t> data);

// The Reply to `request`: same session, sequence and timestamp, with the given hold time.
ProbeMessage make_reply(const ProbeMessage& request, std::uint64_t hold_ns);

}  // namespace wgfo::probe

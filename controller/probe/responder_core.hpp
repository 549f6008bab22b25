#pragma once
// ResponderCore: decides whether and how to answer one received probe datagram. Pure.
//
// A probe responder is a UDP service that sends packets to whatever source address a request claims,
// which makes it a candidate reflector. The defences, in the order they are applied:
//  - Only valid Requests are answered (probe_packet.hpp): never a Reply, never anything malformed, so
//    two responders, or a responder and an echo/chargen service, cannot keep a loop going.
//  - Requests from source ports below 1024 are dropped: our senders use ephemeral ports, and the
//    classic loop partners (echo 7, chargen 19, daytime 13, ...) live there.
//  - The Reply has exactly the Request's size: no amplification.
//  - A token bucket per source address (not per port, so changing ports does not help) and one for
//    the whole responder cap what a spoofed flood can reflect at a victim. Sources are tracked in a
//    table of at most `max_sources` entries; when it is full, idle entries (whose bucket has refilled,
//    so forgetting them changes nothing) are swept, and if none is idle, requests from new sources are
//    dropped (fail closed: the table cannot be grown by spoofing).
// Inside a tunnel the source address of a packet has passed WireGuard's allowed-ips check, so spoofing
// there needs a compromised peer network; the limits matter most for a responder bound beyond wg.
//
// Defaults: 50 requests/s per source with a burst of 50 (five times the sender's default 10/s, room
// for a few tunnels between the same pair of hosts and for sender restarts), 5000/s in total with a
// burst of 1000, 4096 sources.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "controller/ip.hpp"
#include "controller/probe/probe_packet.hpp"
#include "controller/probe/quality_window.hpp"

namespace wgfo::probe {

struct RateLimit {
  double per_second{50};
  double burst{50};

  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

// A classic token bucket: starts full, refills at `per_second` up to `burst`, each take costs 1.
class TokenBucket {
 public:
  TokenBucket(const RateLimit& limit, TimePoint now) : tokens_(limit.burst), last_(now) {}
  bool take(const RateLimit& limit, TimePoint now);
  // Whether the bucket is full again at `now` (forgetting it is then the same as keeping it).
  bool full(const RateLimit& limit, TimePoint now) const;

 private:
  double level(const RateLimit& limit, TimePoint now) const;

  double tokens_;
  TimePoint last_;
};

struct ResponderLimits {
  RateLimit per_source{50, 50};
  RateLimit global{5000, 1000};
  std::size_t max_sources{4096};

  friend bool operator==(const ResponderLimits&, const ResponderLimits&) = default;
};

// Empty when valid; otherwise what is wrong.
std::string validate(const ResponderLimits& l);

struct ResponderCounters {
  std::uint64_t received{0};
  std::uint64_t replied{0};
  std::uint64_t malformed{0};
  std::uint64_t not_request{0};        // valid Replies: never answered
  std::uint64_t bad_source_port{0};    // below 1024
  std::uint64_t rate_limited{0};       // per-source or global bucket empty
  std::uint64_t source_table_full{0};  // a new source while every tracked source was active
  std::uint64_t send_errors{0};        // filled in by the I/O layer
};

struct ResponderDecision {
  std::optional<ProbeBytes> reply;  // send this back to the source, or nothing
  std::string error;                // why a malformed datagram was dropped
};

class ResponderCore {
 public:
  explicit ResponderCore(ResponderLimits limits = {});

  // A datagram from source:port that reached the host at `received`; `now` is when the reply would be
  // sent, so the reply's hold time is now - received.
  ResponderDecision handle(std::span<const std::uint8_t> datagram, const IpAddress& source,
                           std::uint16_t source_port, TimePoint received, TimePoint now);

  const ResponderCounters& counters() const { return counters_; }
  ResponderCounters& counters() { return counters_; }
  std::size_t tracked_sources() const { return sources_.size(); }

 private:
  bool admit(const IpAddress& source, TimePoint now);

  ResponderLimits limits_;
  std::optional<TokenBucket> global_;
  std::unordered_map<IpAddress, TokenBucket> sources_;
  ResponderCounters counters_;
};

}  // namespace wgfo::probe

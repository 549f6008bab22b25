#pragma once
// ProbeClient: the sending side of one tunnel's quality measurement, pure (no sockets, no clock).
//
// It numbers the probes, builds each request, recognises the replies that belong to it and feeds a
// QualityWindow. Two encodings share everything else: UdpProbeClient (our protocol, probe_packet.hpp)
// and IcmpProbeClient (ICMP Echo, icmp_packet.hpp, for peers without wg-failover). The I/O layer
// (probe_loop.hpp) only moves bytes and reads the clock, so every decision here is unit-tested.
//
// A received datagram is, in this order: malformed (fails the codec), not a reply (e.g. a request, or
// our own ICMP echo seen by a raw socket), foreign (another sender's session, another ICMP identifier),
// or handed to the window, which may still call it late, duplicate, unknown or mismatched. All of these
// are counted; only accepted replies and timeouts are outcomes (ProbeEvent) the controller hears of.
//
// Transmit timestamps are the steady clock's nanoseconds since its epoch: opaque to the peer, echoed
// back, and turned back into the time point the window remembers (a mismatch means the echo is bogus).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "controller/ip.hpp"
#include "controller/probe/quality_window.hpp"

namespace wgfo::probe {

struct ProbeEvent {
  enum class Kind : std::uint8_t { Reply, Timeout };
  Kind kind{Kind::Reply};
  std::uint32_t sequence{0};
  Duration rtt{};  // Reply only
};

// What one received datagram was.
enum class Verdict : std::uint8_t {
  Accepted,
  Late,
  Duplicate,
  Unknown,
  Mismatched,
  Foreign,    // valid, but for another session / identifier
  NotReply,   // valid, but not a reply (never answered: no loops)
  Malformed,  // failed the codec; `error` says why
};
std::string_view to_string(Verdict v);

struct DatagramResult {
  Verdict verdict{Verdict::Malformed};
  std::uint32_t sequence{0};  // when known
  Duration rtt{};             // Accepted only
  std::string error;          // Malformed only
};

struct ProbeCounters {
  // Window (quality_window.hpp).
  std::uint64_t sent{0};
  std::uint64_t answered{0};
  std::uint64_t lost{0};
  std::uint64_t late{0};
  std::uint64_t duplicate{0};
  std::uint64_t unknown{0};
  std::uint64_t mismatched{0};
  // Client.
  std::uint64_t foreign{0};
  std::uint64_t not_reply{0};
  std::uint64_t malformed{0};
  // I/O (filled in by the socket layer).
  std::uint64_t send_errors{0};     // the probe still counts as sent, and will be lost
  std::uint64_t receive_errors{0};  // e.g. ICMP port unreachable reported on the socket
};

class ProbeClient {
 public:
  virtual ~ProbeClient() = default;
  ProbeClient(const ProbeClient&) = delete;
  ProbeClient& operator=(const ProbeClient&) = delete;

  // The size of every request; out buffers for make_request must be at least this large.
  virtual std::size_t request_size() const = 0;

  // Builds the next request into `out`, records it as sent at `now` and returns its length (0 and no
  // state change when `out` is too small).
  std::size_t make_request(TimePoint now, std::span<std::uint8_t> out);

  // One received datagram (for ICMP over a raw IPv4 socket, with its IP header: see IcmpProbeClient),
  // received at `received`.
  DatagramResult on_datagram(std::span<const std::uint8_t> data, TimePoint received);

  // Timeouts as of `now`, each probe once.
  std::vector<ProbeEvent> expire(TimePoint now);

  TimePoint next_deadline() const { return window_.next_deadline(); }
  QualitySummary summary(TimePoint now) const { return window_.summary(now); }
  ProbeCounters counters() const;
  std::uint32_t session_id() const { return session_id_; }
  std::uint32_t next_sequence() const { return next_seq_; }
  const WindowConfig& window_config() const { return window_.config(); }

 protected:
  ProbeClient(WindowConfig window, std::uint32_t session_id, std::uint32_t first_sequence);

  struct Match {
    std::uint32_t sequence{0};
    std::uint64_t tx_timestamp{0};
    Duration hold{};
  };
  // Writes a request (out is at least request_size()).
  virtual void encode_request(std::uint32_t sequence, std::uint64_t tx_timestamp,
                              std::span<std::uint8_t> out) const = 0;
  // Accepted: `m` filled in. Otherwise Foreign, NotReply or Malformed (with `error`).
  virtual Verdict match(std::span<const std::uint8_t> data, Match& m, std::string& error) const = 0;

 private:
  QualityWindow window_;
  std::uint32_t session_id_;
  std::uint32_t next_seq_;
  std::uint64_t foreign_{0};
  std::uint64_t not_reply_{0};
  std::uint64_t malformed_{0};
};

// Our UDP protocol. Replies must carry our session id.
class UdpProbeClient final : public ProbeClient {
 public:
  UdpProbeClient(WindowConfig window, std::uint32_t session_id, std::uint32_t first_sequence = 0)
      : ProbeClient(window, session_id, first_sequence) {}
  std::size_t request_size() const override;

 private:
  void encode_request(std::uint32_t sequence, std::uint64_t tx_timestamp,
                      std::span<std::uint8_t> out) const override;
  Verdict match(std::span<const std::uint8_t> data, Match& m, std::string& error) const override;
};

// ICMP Echo. `identifier` goes into requests and must come back; `ipv4_header` says that received
// datagrams start with an IPv4 header (raw IPv4 sockets). Replies must carry our payload magic and
// session id, and a header sequence equal to the payload sequence's low 16 bits.
class IcmpProbeClient final : public ProbeClient {
 public:
  struct Options {
    IpFamily family{IpFamily::V4};
    std::uint16_t identifier{0};
    bool ipv4_header{false};
  };
  IcmpProbeClient(Options options, WindowConfig window, std::uint32_t session_id,
                  std::uint32_t first_sequence = 0)
      : ProbeClient(window, session_id, first_sequence), options_(options) {}
  std::size_t request_size() const override;
  const Options& options() const { return options_; }

 private:
  void encode_request(std::uint32_t sequence, std::uint64_t tx_timestamp,
                      std::span<std::uint8_t> out) const override;
  Verdict match(std::span<const std::uint8_t> data, Match& m, std::string& error) const override;

  Options options_;
};

// The steady-clock time a datagram reached the host, from the kernel's receive timestamp
// (SO_TIMESTAMPNS, wall clock): steady_now minus the datagram's age on the wall clock. Falls back to
// steady_now when the age is negative or above one second (a wall-clock step in between).
TimePoint estimate_receive_time(TimePoint steady_now, std::chrono::nanoseconds wall_now,
                                std::chrono::nanoseconds wall_received);

// Transmit timestamps on the wire: nanoseconds of the steady clock, and back.
std::uint64_t to_wire_timestamp(TimePoint t);
TimePoint from_wire_timestamp(std::uint64_t ns);

}  // namespace wgfo::probe

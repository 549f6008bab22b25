#pragma once
// QualityWindow: round-trip time, loss and jitter over the last N probes of one tunnel. Pure: time
// comes in as arguments (steady_clock time points, as in bfd/), so tests drive it with a fake clock.
//
// The window holds the last `size` probes sent, each Pending, Answered (with its RTT) or Lost. A probe
// is Lost when no reply arrived within `timeout` of sending it; a reply that arrives later is "late"
// and changes nothing, so a probe is never counted twice. The fate of a reply is decided by its
// receive time, not by whether expire() has run yet, so the result does not depend on the order in
// which the I/O layer serves its timer and its socket.
//
// Ignored and counted (Counters): replies for a sequence number not in the window ("unknown": never
// sent, or evicted), a second reply for the same probe ("duplicate"), and replies whose echoed
// transmit timestamp is not the one we sent ("mismatched": a forged or corrupted echo cannot invent
// an RTT). Foreign-session and malformed replies are filtered one layer up (probe_client.hpp).
//
// Sequence numbers are identifiers only; order comes from the order of on_sent(), so the wrap from
// 2^32-1 to 0 needs no special case. They must be unique within the window (the sender's counter is).
//
// Summary (the controller compares rtt_median and loss_percent with its thresholds):
//  - loss_percent = lost / (answered + lost): probes still within their timeout are left out, so a
//    probe in flight is not counted as lost (and not as received either).
//  - rtt_median: the median (mean of the two middle values for an even count) of the answered probes.
//    The median is what thresholds should use: one slow reply (a rekey, a scheduling hiccup) moves the
//    mean but not the median. rtt_mean, rtt_p95 (nearest rank), rtt_min and rtt_max are there for
//    display and metrics.
//  - jitter: mean absolute difference between the RTTs of consecutive answered probes (in send order,
//    lost probes skipped), i.e. the RFC 3550 §6.4.1 |D(i-1,i)| without its 1/16 smoothing. A window
//    statistic fits the rest of the summary, while RFC 3550's J is an exponential average whose memory
//    reaches past the window.
//
// RTT = (receive time - echoed transmit time) - responder hold time. A hold time that is not smaller
// than the raw round trip cannot be right; then the raw round trip is used (an overestimate, the safe
// side for a degradation signal).
//
// Defaults: 20 probes (2 s at the sender's 100 ms interval) and a 1 s timeout: far above any sane
// tunnel RTT (intercontinental paths stay below ~400 ms), so queueing spikes are measured as delay, not
// as loss, and a dead tunnel shows 100 % loss after one second. The window should span the timeout
// (size x interval >= timeout); a probe pushed out of the window while still pending counts as lost in
// the lifetime counters.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace wgfo::probe {

using Clock = std::chrono::steady_clock;  // for its time_point type only
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

struct WindowConfig {
  std::size_t size{20};
  Duration timeout{std::chrono::seconds{1}};

  friend bool operator==(const WindowConfig&, const WindowConfig&) = default;
};

inline constexpr std::size_t kMaxWindowSize = 100'000;
inline constexpr Duration kMaxTimeout = std::chrono::seconds{60};

// Empty when valid; otherwise what is wrong ("window size 0 not in 1..100000", ...).
std::string validate(const WindowConfig& c);

struct QualitySummary {
  std::size_t probes{0};   // in the window: samples + lost + pending
  std::size_t samples{0};  // answered
  std::size_t lost{0};     // not answered within the timeout
  std::size_t pending{0};  // sent less than `timeout` ago and not answered yet
  double loss_percent{0};  // 100 * lost / (samples + lost); 0 when both are 0
  Duration rtt_median{};   // the following are 0 when samples == 0
  Duration rtt_mean{};
  Duration rtt_p95{};
  Duration rtt_min{};
  Duration rtt_max{};
  Duration jitter{};  // 0 with fewer than 2 samples

  // True once at least one probe has been judged (answered or lost).
  bool valid() const { return samples + lost > 0; }
};

enum class ReplyOutcome : std::uint8_t {
  Accepted,    // an RTT sample
  Late,        // the probe had timed out; it stays lost
  Duplicate,   // the probe was already answered
  Unknown,     // no such sequence number in the window
  Mismatched,  // the echoed timestamp is not the one sent
};
std::string_view to_string(ReplyOutcome o);

struct ReplyResult {
  ReplyOutcome outcome{ReplyOutcome::Unknown};
  Duration rtt{};  // Accepted only
};

class QualityWindow {
 public:
  struct Counters {  // since construction
    std::uint64_t sent{0};
    std::uint64_t answered{0};
    std::uint64_t lost{0};
    std::uint64_t late{0};
    std::uint64_t duplicate{0};
    std::uint64_t unknown{0};
    std::uint64_t mismatched{0};
  };

  // An invalid config is clamped (size to 1..kMaxWindowSize, timeout to 1 ns..kMaxTimeout); callers that
  // take it from users run validate() first.
  explicit QualityWindow(WindowConfig config = {});

  const WindowConfig& config() const { return config_; }

  // Probe `seq` left at `sent`. Probes already past their timeout at `sent` are judged first; the
  // oldest probe leaves the window when it is full.
  void on_sent(std::uint32_t seq, TimePoint sent);

  // A reply to `seq`, carrying back `sent_echo`, received at `received`, held `hold` by the responder.
  ReplyResult on_reply(std::uint32_t seq, TimePoint sent_echo, TimePoint received, Duration hold = {});

  // Marks the probes whose timeout has passed at `now` as lost and returns their sequence numbers, in
  // send order (each exactly once over the window's life).
  std::vector<std::uint32_t> expire(TimePoint now);

  // When the oldest pending probe times out (TimePoint::max() when none is pending).
  TimePoint next_deadline() const;

  // The statistics over the window as of `now` (pending probes past their timeout count as lost even
  // if expire() has not run).
  QualitySummary summary(TimePoint now) const;

  const Counters& counters() const { return counters_; }

 private:
  enum class State : std::uint8_t { Pending, Answered, Lost };
  struct Entry {
    std::uint32_t seq;
    TimePoint sent;
    State state;
    Duration rtt;
  };

  Entry* find(std::uint32_t seq);

  WindowConfig config_;
  std::deque<Entry> entries_;  // oldest first
  Counters counters_;
};

}  // namespace wgfo::probe

#pragma once
// Health fusion and tunnel state policy for one tunnel (DESIGN.md, failure semantics). Pure: every
// input and evaluate() carry the monotonic time they happen at; nothing here reads a clock, sleeps or
// does I/O, so the whole policy is tested with a fake clock (tests/controller/health_test.cpp).
//
// Two layers:
//   raw state      what the signals say right now, by precedence:
//                    ADMIN-DOWN  drained by the operator, or BFD configured shut down
//                    DOWN        interface removed or down, BFD not Up, WireGuard sends without
//                                receiving (the progress tracker's "rx stalled while tx grows"), the
//                                quality probes get no reply at all (only without BFD, see below), or
//                                the L7 check failed (l7_check.hpp)
//                    DEGRADED    quality crossed the degraded thresholds in N of the last M samples, or,
//                                after a failure, has not yet been within the recover thresholds in N
//                                of the last M samples (a path that just failed is not trusted on the
//                                word of BFD alone: under 20 % loss BFD comes back between its flaps;
//                                not without BFD, where a probe reply is itself the liveness proof)
//                    UP          otherwise (and quality, when measured, within the recover thresholds
//                                in N of the last M samples)
//   reported state what routing acts on. Getting worse is immediate: failover must not wait. Getting
//                  better waits:
//                    - fail-back hold-down: after a failure, a tunnel that was usable before comes back
//                      only when its raw state has been usable for the whole hold-down, and DEGRADED
//                      becomes UP only when raw UP has held that long. The first time a tunnel comes up
//                      (daemon start, new tunnel) and after ADMIN-DOWN (an operator's deliberate act)
//                      there is no hold-down: nothing failed.
//                    - flap dampening (RFC 2439's scheme applied to a tunnel): each raw usable -> DOWN
//                      transition adds `penalty`, which halves every `half_life`. Above `suppress` the
//                      tunnel is held DOWN until the penalty decays below `reuse`. The penalty is capped
//                      at reuse * 2^(max_suppress / half_life), so suppression never outlasts
//                      max_suppress after the last flap.
//                  A tunnel held DOWN by either while its raw state is usable is `standby`: routing
//                  may use it as a last resort, when no other path is left (better a recovering tunnel
//                  than a blackhole), but never in preference to a path that is usable.
// A tunnel whose peer runs no BFD (bfd.enabled: false) ignores the BFD state. With quality probes, they
// are its liveness check too: a summary with no reply at all is DOWN ("probes: no reply to N probes"),
// judged before quality and without the settle time, also while DOWN (else it could never come back),
// and one with any reply clears it. It starts DOWN until the first reply; without probes it starts
// usable (the interface, WireGuard progress and the L7 check are then all that can take it down).
// Quality samples taken while the raw state is DOWN say nothing about the tunnel's quality (all probes
// are lost), so the sample history is cleared on the way down, and samples are ignored until the
// raw state has been usable for `quality_settle` (the probe window's span: until then the window
// still holds probes lost in the outage).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "bfd/types.hpp"
#include "controller/config.hpp"

namespace wgfo {

enum class TunnelState : std::uint8_t { Up, Degraded, Down, AdminDown };
std::string_view to_string(TunnelState s);  // "up", "degraded", "down", "admin-down"
// Whether a tunnel in state `s` may carry routes (up, or degraded).
bool usable(TunnelState s);

using MonoTime = bfd::TimePoint;

// What the rtnetlink link monitor knows of the tunnel's interface.
enum class LinkState : std::uint8_t { Unknown, Up, Down, Absent };

// One summary of the quality probes (controller/probe), evaluated as one step of the N-of-M window.
struct QualitySample {
  std::uint32_t samples{0};  // probes that had an outcome in the window; 0 = no information
  std::optional<std::chrono::microseconds> rtt;
  double loss_percent{0};
  std::optional<std::chrono::microseconds> jitter;  // mean RTT variation; reported, not judged
};

// N of the last M samples must be bad to enter DEGRADED, and N of the last M good to leave it.
struct QualityHysteresis {
  std::uint8_t enter_n{3}, enter_m{5};
  std::uint8_t recover_n{5}, recover_m{5};
};

// The probe window the quality monitor keeps (quality_monitor.hpp): the last N probes, each judged lost
// kQualityTimeout after it was sent. N is at least kQualityWindow and spans at least two timeouts, so a
// lost probe is judged while it is still in the window (at 50 ms, 20 probes would span only the 1 s
// timeout itself and no loss would ever show). The span plus the timeout is how long samples need after
// an outage to stop speaking of it.
inline constexpr std::size_t kQualityWindow = 20;
inline constexpr std::chrono::seconds kQualityTimeout{1};
inline std::size_t quality_window_size(const QualityConfig& q) {
  const auto need = static_cast<std::size_t>(
      (2 * std::chrono::microseconds(kQualityTimeout) + q.interval - std::chrono::microseconds(1)) /
      q.interval);
  return std::max(kQualityWindow, need);
}
inline std::chrono::microseconds quality_settle_time(const QualityConfig& q) {
  return q.interval * static_cast<long>(quality_window_size(q)) + kQualityTimeout;
}

struct HealthOptions {
  std::optional<QualityConfig> quality;  // no thresholds: quality never degrades the tunnel
  QualityHysteresis hysteresis;
  std::chrono::microseconds fail_back_hold_down{std::chrono::seconds{30}};
  DampeningConfig dampening;
  std::chrono::microseconds quality_settle{std::chrono::seconds{3}};
  bool bfd{true};  // false: the peer runs no BFD; its state is ignored and probes judge liveness
};

// RFC 2439-style penalty with exponential decay; time is injected.
class Dampening {
 public:
  explicit Dampening(DampeningConfig c) : config_(c) {}
  void set_config(DampeningConfig c) { config_ = c; }
  // A flap at `now`; returns whether the tunnel is suppressed afterwards.
  bool flap(MonoTime now);
  double penalty(MonoTime now) const;
  // Re-evaluates suppression at `now` (reuse when the penalty decayed below `reuse`).
  bool suppressed(MonoTime now);
  bool suppressed() const { return suppressed_; }
  // When a suppressed tunnel's penalty falls below reuse; nullopt when not suppressed.
  std::optional<MonoTime> reuse_at() const;

 private:
  double ceiling() const;
  DampeningConfig config_;
  double penalty_{0};  // at updated_
  MonoTime updated_{};
  bool suppressed_{false};
};

class TunnelHealth {
 public:
  struct Transition {
    TunnelState from;
    TunnelState to;
    std::string cause;
  };

  TunnelHealth(HealthOptions options, std::string interface);
  // Reload: thresholds, hold-down and dampening change; state and history stay. Turning BFD on makes
  // the BFD state Down (the new session starts there) without counting that as a failure until the
  // session has been Up; turning it off keeps a tunnel that BFD had up, and one that BFD had down
  // waits for a probe reply (when probes run).
  void set_options(HealthOptions options, std::string interface);

  // Inputs. Each only records the signal (with its cause text); evaluate() decides.
  void set_bfd(bfd::State state, bfd::Diag diag);
  void set_link(LinkState state);
  void set_wireguard_stalled(bool stalled);
  void set_l7_failed(bool failed, std::string cause);
  void set_drained(bool drained);
  void set_bfd_shutdown(bool shutdown);
  void add_quality_sample(const QualitySample& q, MonoTime now);

  // Derives the reported state at `now`; returns the transition when it changed.
  std::optional<Transition> evaluate(MonoTime now);
  // The earliest time at which evaluate() could change the state without a new input.
  std::optional<MonoTime> next_deadline() const;

  TunnelState state() const { return state_; }
  TunnelState raw_state() const { return raw_; }
  bool standby() const { return standby_; }
  double penalty(MonoTime now) const { return dampening_.penalty(now); }
  bool suppressed() const { return dampening_.suppressed(); }
  bool drained() const { return drained_; }

 private:
  enum class Verdict : std::uint8_t { Good, Neutral, Bad };
  Verdict classify(const QualitySample& q) const;
  std::size_t count_last(Verdict v, std::size_t m) const;
  void derive_raw(MonoTime now);
  bool probe_liveness() const { return !options_.bfd && options_.quality.has_value(); }
  void start_probe_liveness();
  std::optional<MonoTime> usable_hold_end() const;
  std::optional<MonoTime> up_hold_end() const;

  HealthOptions options_;
  std::string interface_;
  Dampening dampening_;

  // Signals.
  bfd::State bfd_{bfd::State::Down};
  bfd::Diag bfd_diag_{bfd::Diag::None};
  LinkState link_{LinkState::Unknown};
  bool wg_stalled_{false};
  bool l7_failed_{false};
  std::string l7_cause_;
  bool drained_{false};
  bool bfd_shutdown_{false};
  bool bfd_starting_{false};           // BFD turned on by a reload, its session not Up yet
  bool down_while_bfd_starts_{false};  // raw DOWN only for that: not a failure (no hold-down, no flap)
  bool probes_dead_{false};            // without BFD: the last probe summary had no reply at all
  bool probes_replied_{false};         // any reply since probes became the liveness check
  std::string probes_cause_;
  std::deque<Verdict> verdicts_;  // newest at the back
  bool quality_degraded_{false};
  bool quality_unproven_{false};  // failed since the last N-of-M good samples (only with quality)
  std::string quality_cause_;

  // Derived.
  TunnelState raw_{TunnelState::Down};
  std::string raw_cause_{"starting"};
  std::string good_cause_{"bfd up"};      // the input that last cleared a reason to be down
  std::optional<MonoTime> usable_since_;  // raw usable since (cleared when raw is not usable)
  std::optional<MonoTime> up_since_;      // raw Up since
  bool ever_usable_{false};               // reported usable at least once since start
  bool failed_{false};                    // left usability through a failure (not ADMIN-DOWN)
  TunnelState state_{TunnelState::Down};
  bool standby_{false};
};

}  // namespace wgfo

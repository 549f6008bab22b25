#pragma once
// One RFC 5880 asynchronous-mode session as a pure state machine: packets and timer expiry come in
// with the current time, Actions (a packet to send now, a state change to publish) come out, and
// next_deadline() tells the owner when to call on_timer() again. No sockets, clocks or threads.
//
// Calling on_timer() before the deadline is harmless (it does nothing that is not due), so an owner
// may keep stale timer entries and let them fire (the scheduler in bfd/io relies on this).
//
// Interop decisions (../shared/notes/bfd.md §1.9): a Poll is answered with a Final at once, outside
// the transmit schedule; Required Min Echo RX is advertised as 0; C and D are never set; while not Up
// Desired Min TX is advertised as at least 1 s (§6.8.3 slow start); going Up starts a Poll Sequence
// that moves to the configured interval; a local state change is sent at once instead of waiting for
// the next periodic packet, which brings a session Up in three packets.

#include <cstdint>
#include <optional>
#include <span>

#include "bfd/auth.hpp"
#include "bfd/packet.hpp"
#include "bfd/token_bucket.hpp"
#include "bfd/types.hpp"

namespace wgfo::bfd {

// Source of randomness for jitter and discriminators (injected so tests are deterministic).
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual std::uint32_t next() = 0;  // uniform over [0, 2^32)
};

// Received packets a session processes per second (and banks at most), after authentication: ten times
// what the fastest configurable peer sends (10 ms intervals), so only a misbehaving source reaches it.
// It bounds the work, and the Final replies (every Poll is answered at once, §6.8.7), one source can
// cause. Forged packets fail authentication before they cost any budget, so with authentication a
// flood of them cannot starve the real peer's packets.
inline constexpr std::uint32_t kRxRateLimit = 1000;
inline constexpr std::uint32_t kRxBurst = 100;

struct SessionConfig {
  Micros desired_min_tx{std::chrono::seconds{1}};   // bfd.DesiredMinTxInterval once Up
  Micros required_min_rx{std::chrono::seconds{1}};  // bfd.RequiredMinRxInterval
  std::uint8_t detect_mult{3};                      // bfd.DetectMult
  // bfd.AuthType and its key (§6.7): every packet is signed and every received one must verify.
  // Changing it on a live session is not seamless (§6.7.1): the peer must change at the same time.
  std::optional<AuthKey> auth;

  bool operator==(const SessionConfig&) const = default;
};

struct StateChange {
  State from{};
  State to{};
  Diag diag{};  // bfd.LocalDiag after the change
};

// What the owner must do after a call; never performed inside Session.
struct Actions {
  std::optional<ControlPacket> transmit;  // send this packet now
  std::optional<StateChange> state_change;
};

struct SessionCounters {
  std::uint64_t rx_packets{};
  std::uint64_t tx_packets{};
  std::uint64_t rx_discarded{};     // received while AdminDown, failed authentication, or A bit without auth
  std::uint64_t rx_auth_failed{};   // of those, failed §6.7 authentication (also counted in rx_discarded)
  std::uint64_t rx_rate_limited{};  // of those, over kRxRateLimit (also counted in rx_discarded)
  std::uint64_t up_transitions{};
  std::uint64_t down_transitions{};  // from Up to anything
  std::uint64_t polls_started{};
  std::uint64_t finals_sent{};
};

class Session {
 public:
  // The first packet is due at a random point of the first (1 s slow-start) interval, so sessions
  // created together do not transmit together. Out-of-range config values are clamped (see config()).
  Session(Discriminator local_discr, const SessionConfig& config, TimePoint now, RandomSource& random);

  // A packet that passed parse() and was demultiplexed to this session (§6.8.6 from "If the A bit").
  // Not checked against the detection timer: a packet handed in before an overdue on_timer() still
  // counts, so an owner that drains its sockets before running timers never declares a false Down.
  // `wire` is the datagram `rx` was parsed from; authentication verifies the digest over it, so with
  // auth configured a packet handed in without it fails.
  Actions on_packet(const ControlPacket& rx, TimePoint now, std::span<const std::uint8_t> wire = {});
  // Transmit timer and detection timer (§6.8.4, §6.8.7); does nothing that is not yet due.
  Actions on_timer(TimePoint now);
  // Earliest time at which on_timer() has work to do; TimePoint::max() if none.
  TimePoint next_deadline() const;

  // New intervals or detect mult. While Up, an interval change starts a Poll Sequence (§6.8.3); an
  // increase of Desired Min TX and a decrease of Required Min RX take effect only after the Final.
  // A change made while a Poll is in progress is polled after that Poll's Final. A detect mult
  // change needs no Poll (§6.8.12). Nothing is sent at once: the next periodic packet carries it.
  Actions set_config(const SessionConfig& config, TimePoint now);
  // §6.8.16. `diag` is 7 (Administratively Down) or 5 (Path Down) when driven by a path signal.
  // true: state AdminDown (packets still sent at the >= 1 s rate, received ones discarded);
  // false: back to Down with diag 0. Either transmits the new state at once.
  Actions set_admin_down(bool down, TimePoint now, Diag diag = Diag::AdministrativelyDown);

  // RFC 5880 §6.8.1 state variables and derived values, read-only.
  State state() const { return session_state_; }
  State remote_state() const { return remote_session_state_; }
  Discriminator local_discr() const { return local_discr_; }
  Discriminator remote_discr() const { return remote_discr_; }
  Diag local_diag() const { return local_diag_; }
  std::uint8_t detect_mult() const { return config_.detect_mult; }
  std::uint8_t remote_detect_mult() const { return remote_detect_mult_; }
  Micros remote_min_rx() const { return remote_min_rx_; }
  Micros remote_desired_min_tx() const { return remote_desired_min_tx_; }
  // As given, clamped to the wire ranges: Desired Min TX 1 us..2^32-1 us (0 is reserved, §4.1),
  // Required Min RX 0..2^32-1 us, Detect Mult >= 1.
  const SessionConfig& config() const { return config_; }
  bool poll_active() const { return poll_active_; }
  // Negotiated periodic transmit interval before jitter (§6.8.7), 0 when not transmitting.
  Micros tx_interval() const;
  // Interval the peer is expected to send at: max(Required Min RX in force, remote Desired Min TX).
  Micros rx_interval() const;
  // §6.8.4 Detection Time (asynchronous mode).
  Micros detection_time() const;
  const SessionCounters& counters() const { return counters_; }
  // The last authentication failure, for logs and status (None until one happens).
  AuthError last_auth_error() const { return last_auth_error_; }
  // When the §6.8.4 detection timer (Init/Up) or the §6.8.1 RemoteDiscr reset is due, if either applies.
  std::optional<TimePoint> detection_deadline() const;
  // The last packet that was not discarded, if any.
  std::optional<TimePoint> last_rx() const {
    return received_any_ ? std::optional<TimePoint>(last_rx_) : std::nullopt;
  }

 private:
  // §6.8.7: periodic transmission is allowed (Active role) unless the peer asked for none
  // (bfd.RemoteMinRxInterval 0) or Demand mode is active on the remote system without a Poll.
  bool periodic_tx_allowed() const;
  // §6.8.6 "If the A bit is set ...", §6.7: true if the packet may be processed further.
  bool authenticate(const ControlPacket& rx, std::span<const std::uint8_t> wire, TimePoint now);
  // §6.8.3 slow start: the Desired Min TX the current state calls for.
  Micros target_desired_min_tx() const;
  void change_state(State to, Diag diag, Actions& out);
  // Moves the advertised intervals towards config_: at once while not Up, by a Poll while Up (§6.8.3).
  void update_parameters();
  void terminate_poll();
  ControlPacket build_packet(bool final_reply) const;
  // Puts a packet into `out`. `restart_schedule`: the next periodic packet is timed from this one.
  void transmit(Actions& out, TimePoint now, bool final_reply, bool restart_schedule);
  // Re-times next_tx_ after the negotiated interval changed (§6.8.7).
  void reschedule(TimePoint now);
  Duration jittered(Micros interval);

  RandomSource& random_;
  SessionConfig config_;  // what the operator asked for (sanitised)

  State session_state_{State::Down};
  State remote_session_state_{State::Down};
  Discriminator local_discr_;
  Discriminator remote_discr_{0};
  Diag local_diag_{Diag::None};
  Micros remote_min_rx_{1};  // bfd.RemoteMinRxInterval, §6.8.1: initialised to 1
  Micros remote_desired_min_tx_{0};
  std::uint8_t remote_detect_mult_{0};
  bool remote_demand_{false};

  // bfd.DesiredMinTxInterval and bfd.RequiredMinRxInterval: the values carried in our packets. While
  // not Up, Desired Min TX is at least 1 s (§6.8.3); while Up they change only by a Poll Sequence.
  Micros desired_min_tx_;
  Micros required_min_rx_;
  // The values used for timing, protected by the Poll rules of §6.8.3: an increase of Desired Min TX
  // and a decrease of Required Min RX reach these only when the Final arrives.
  Micros desired_min_tx_in_force_;   // TX interval
  Micros required_min_rx_in_force_;  // Detection Time
  bool poll_active_{false};          // one Poll Sequence at a time (§6.5)

  TimePoint last_tx_{};              // anchor of the periodic schedule
  TimePoint next_tx_{};              // next periodic transmission
  Micros scheduled_tx_interval_{0};  // the tx_interval() next_tx_ was computed with
  TimePoint last_rx_{};              // last packet that was not discarded
  bool received_any_{false};

  std::uint32_t xmit_auth_seq_{};  // bfd.XmitAuthSeq, random when auth is turned on (§6.8.1)
  AuthSeqState auth_seq_;          // bfd.RcvAuthSeq, bfd.AuthSeqKnown
  AuthError last_auth_error_{AuthError::None};
  TokenBucket rx_budget_{kRxRateLimit, kRxBurst};

  SessionCounters counters_;
};

}  // namespace wgfo::bfd

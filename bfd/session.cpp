// One RFC 5880 asynchronous-mode session, single hop, Active role, no Demand mode, no Echo.
//
// The session is a pure function of its inputs: packets (on_packet), the passage of time (on_timer)
// and operator changes (set_config, set_admin_down), each with the current time. It answers with
// Actions and with next_deadline(); it never reads a clock, so tests drive it with a fake one.
//
// How the RFC maps onto the members:
//  * §6.8.6 reception and the state table live in on_packet(); §6.8.4 detection and the §6.8.1
//    RemoteDiscr reset in on_timer(). Both timers share one deadline, last_rx_ + Detection Time,
//    computed on demand, so a received packet costs no timer bookkeeping.
//  * §6.8.3 timer changes: desired_min_tx_/required_min_rx_ are the advertised bfd.* variables;
//    the *_in_force_ copies are what timing uses. While Up a change is carried by a Poll Sequence
//    (§6.5) and the "dangerous" direction (slower TX, faster expected RX) waits for the Final.
//  * §6.7 authentication (bfd/auth.hpp does the digest): authenticate() runs first in on_packet(), as
//    §6.8.6 orders it, and transmit() signs every packet it hands out, so no path sends unsigned.
//  * §6.8.7 transmission: the periodic schedule is anchored on the previous *scheduled* time, not on
//    when on_timer() happened to run, so a late wakeup does not delay every later packet.
//
// Choices where the RFC leaves room (documented for interop, see shared/notes/bfd.md §1):
//  * bfd.LocalDiag is cleared when the session comes Up (as FRR does): Up has no failure to explain,
//    and peers would otherwise show a stale reason. Going Init keeps the diag that took us Down.
//  * A packet received in AdminDown is discarded before any variable is updated (§6.8.6 updates the
//    remote variables first); the session stays frozen and its RemoteDiscr ages out by §6.8.1.
//    Such a packet is not answered either, even if it carries P: §6.8.6 discards it before the
//    "If the Poll (P) bit is set" step.
//  * Leaving Up ends a Poll in progress: outside Up the new values apply at once (§6.8.3 defers only
//    "if bfd.SessionState is Up").
//  * A Final reply does not move the periodic schedule, so a peer that polls often cannot starve our
//    own Poll (which rides only on periodic packets, §6.5). A state change packet does restart it.

#include "bfd/session.hpp"

#include <algorithm>
#include <limits>

namespace wgfo::bfd {

namespace {

constexpr Micros kSlowStartMinTx{std::chrono::seconds{1}};  // §6.8.3: not less than one second
constexpr Micros kMaxWireInterval{std::numeric_limits<std::uint32_t>::max()};

SessionConfig sanitize(const SessionConfig& in) {
  SessionConfig c = in;
  c.desired_min_tx = std::clamp(c.desired_min_tx, Micros{1}, kMaxWireInterval);  // 0 reserved (§4.1)
  c.required_min_rx = std::clamp(c.required_min_rx, Micros{0}, kMaxWireInterval);
  c.detect_mult = std::max<std::uint8_t>(c.detect_mult, 1);  // §6.8.1: a nonzero integer
  return c;
}

std::uint32_t wire_us(Micros m) {
  return static_cast<std::uint32_t>(std::clamp(m, Micros{0}, kMaxWireInterval).count());
}

}  // namespace

Session::Session(Discriminator local_discr, const SessionConfig& config, TimePoint now, RandomSource& random)
    : random_(random), config_(sanitize(config)), local_discr_(local_discr) {
  desired_min_tx_ = desired_min_tx_in_force_ = target_desired_min_tx();
  required_min_rx_ = required_min_rx_in_force_ = config_.required_min_rx;
  if (config_.auth) xmit_auth_seq_ = random_.next();  // §6.8.1: "initialized to a random 32-bit value"
  // Random phase within the first interval: spreads the first packets of sessions created together
  // (daemon start with thousands of tunnels) instead of sending them in one burst.
  const Micros interval = tx_interval();
  last_tx_ = now;
  scheduled_tx_interval_ = interval;
  const std::uint64_t phase_us = static_cast<std::uint64_t>(interval.count()) * random_.next() >> 32;
  next_tx_ = now + Micros{static_cast<Micros::rep>(phase_us)};
}

// ---- derived values -------------------------------------------------------------------------

bool Session::periodic_tx_allowed() const {
  // §6.8.7: "MUST NOT periodically transmit BFD Control packets if bfd.RemoteMinRxInterval is zero",
  // nor while Demand mode is active on the remote system and no Poll Sequence is being sent (§6.6).
  if (remote_min_rx_.count() == 0) return false;
  const bool remote_demand_active =
      remote_demand_ && session_state_ == State::Up && remote_session_state_ == State::Up;
  return !remote_demand_active || poll_active_;
}

Micros Session::target_desired_min_tx() const {
  // §6.8.3: "When bfd.SessionState is not Up, the system MUST set bfd.DesiredMinTxInterval to a value
  // of not less than one second". We use exactly 1 s as RFC 7419 App. A recommends.
  if (session_state_ == State::Up) return config_.desired_min_tx;
  return std::max(config_.desired_min_tx, kSlowStartMinTx);
}

Micros Session::tx_interval() const {
  if (!periodic_tx_allowed()) return Micros{0};
  // §6.8.7: the larger of bfd.DesiredMinTxInterval (as in force) and bfd.RemoteMinRxInterval.
  return std::max(desired_min_tx_in_force_, remote_min_rx_);
}

Micros Session::rx_interval() const {
  return std::max(required_min_rx_in_force_, remote_desired_min_tx_);
}

Micros Session::detection_time() const {
  // §6.8.4, asynchronous mode: the remote Detect Mult times the agreed interval the remote transmits
  // at, which is the greater of our bfd.RequiredMinRxInterval and its last Desired Min TX Interval.
  return remote_detect_mult_ * rx_interval();
}

std::optional<TimePoint> Session::detection_deadline() const {
  if (!received_any_) return std::nullopt;
  // §6.8.4 applies in Init and Up; the §6.8.1 rule (RemoteDiscr reset to zero once a Detection Time
  // passes without a valid packet) applies in every state while RemoteDiscr is set.
  const bool live = session_state_ == State::Init || session_state_ == State::Up;
  if (!live && remote_discr_ == 0) return std::nullopt;
  return last_rx_ + detection_time();
}

TimePoint Session::next_deadline() const {
  TimePoint deadline = TimePoint::max();
  if (periodic_tx_allowed()) deadline = next_tx_;
  if (const auto detect = detection_deadline()) deadline = std::min(deadline, *detect);
  return deadline;
}

// ---- inputs ---------------------------------------------------------------------------------

bool Session::authenticate(const ControlPacket& rx, std::span<const std::uint8_t> wire, TimePoint now) {
  if (!config_.auth) {
    // §6.8.6: "If the A bit is set and no authentication is in use (bfd.AuthType is zero), the packet
    // MUST be discarded."
    return !rx.auth_present && !rx.auth;
  }
  // §6.8.1: bfd.AuthSeqKnown "MUST be set to zero after no packets have been received on this
  // session for at least twice the Detection Time", so a restarted peer (new random sequence) is
  // accepted again. Evaluated here, when it matters, instead of on a timer of its own.
  if (auth_seq_.known && now - last_rx_ >= 2 * detection_time()) auth_seq_.known = false;
  // §6.8.6: "If the A bit is clear and authentication is in use (bfd.AuthType is nonzero), the packet
  // MUST be discarded"; "If the A bit is set, the packet MUST be authenticated under the rules of
  // section 6.7".
  const AuthError e = verify(rx, wire, *config_.auth, auth_seq_, config_.detect_mult);
  if (e != AuthError::None) {
    ++counters_.rx_auth_failed;
    last_auth_error_ = e;
    return false;
  }
  // §6.7.4: "bfd.RcvAuthSeq MUST be set to the value of the received Sequence Number field, and
  // bfd.AuthSeqKnown MUST be set to 1."
  auth_seq_ = AuthSeqState{true, rx.auth->sequence};
  return true;
}

Actions Session::on_packet(const ControlPacket& rx, TimePoint now, std::span<const std::uint8_t> wire) {
  Actions out;
  ++counters_.rx_packets;

  if (!authenticate(rx, wire, now)) {
    ++counters_.rx_discarded;
    return out;
  }
  // Not an RFC step: the receive budget (kRxRateLimit), after authentication so forgeries cost none.
  if (!rx_budget_.take(now)) {
    ++counters_.rx_rate_limited;
    ++counters_.rx_discarded;
    return out;
  }
  // §6.8.6: "If bfd.SessionState is AdminDown: Discard the packet" (done first, see the top comment).
  if (session_state_ == State::AdminDown) {
    ++counters_.rx_discarded;
    return out;
  }

  remote_discr_ = rx.my_discr;
  remote_session_state_ = rx.state;
  remote_demand_ = rx.demand;
  remote_min_rx_ = Micros{rx.required_min_rx_us};  // a lowered value is honoured at once (§6.8.3)
  remote_desired_min_tx_ = Micros{rx.desired_min_tx_us};
  remote_detect_mult_ = rx.detect_mult;
  // Required Min Echo RX: we never transmit Echo packets, so there is nothing to cease.

  // §6.8.6: "If a Poll Sequence is being transmitted by the local system and the Final (F) bit in the
  // received packet is set, the Poll Sequence MUST be terminated."
  if (rx.final && poll_active_) terminate_poll();

  // "If the packet was not discarded, it has been received for purposes of the Detection Time
  // expiration rules in section 6.8.4."
  last_rx_ = now;
  received_any_ = true;

  // §6.8.6 state table (also §6.2).
  const State before = session_state_;
  if (rx.state == State::AdminDown) {
    if (session_state_ != State::Down) change_state(State::Down, Diag::NeighborSignaledSessionDown, out);
  } else {
    switch (session_state_) {
      case State::Down:
        if (rx.state == State::Down) {
          change_state(State::Init, local_diag_, out);
        } else if (rx.state == State::Init) {
          change_state(State::Up, Diag::None, out);
        }
        break;
      case State::Init:
        if (rx.state == State::Init || rx.state == State::Up) change_state(State::Up, Diag::None, out);
        break;
      case State::Up:
        if (rx.state == State::Down) change_state(State::Down, Diag::NeighborSignaledSessionDown, out);
        break;
      case State::AdminDown:
        break;  // handled above
    }
  }
  update_parameters();  // after a Final, a change made during that Poll is polled now

  const bool state_changed = session_state_ != before;
  if (rx.poll) {
    // §6.8.7: answer a Poll "as soon as practicable, without respect to the transmission timer or any
    // other transmission limitations, without respect to the session state". The reply carries F and
    // never P (§6.5); if our state changed too, this one packet also announces the new state.
    transmit(out, now, /*final_reply=*/true, /*restart_schedule=*/state_changed);
  } else if (state_changed) {
    transmit(out, now, /*final_reply=*/false, /*restart_schedule=*/true);
  }
  reschedule(now);
  return out;
}

Actions Session::on_timer(TimePoint now) {
  Actions out;
  if (const auto detect = detection_deadline(); detect && now >= *detect) {
    // §6.8.1: bfd.RemoteDiscr "MUST be reset to zero" after a Detection Time without a valid packet.
    remote_discr_ = 0;
    // §6.8.4: in Init or Up the session has gone down: diag 1, state Down.
    if (session_state_ == State::Init || session_state_ == State::Up) {
      change_state(State::Down, Diag::ControlDetectionTimeExpired, out);
      transmit(out, now, /*final_reply=*/false, /*restart_schedule=*/true);
    }
  }
  if (!out.transmit && periodic_tx_allowed() && now >= next_tx_) {
    const Micros interval = tx_interval();
    transmit(out, now, /*final_reply=*/false, /*restart_schedule=*/false);
    // Anchor on the scheduled time so lateness does not accumulate; if that would put the next
    // packet at or before now (we ran later than a whole jittered interval), anchor on now.
    const Duration gap = jittered(interval);
    TimePoint anchor = next_tx_;
    if (anchor + gap <= now) anchor = now;
    last_tx_ = anchor;
    next_tx_ = anchor + gap;
    scheduled_tx_interval_ = interval;
  }
  reschedule(now);
  return out;
}

Actions Session::set_config(const SessionConfig& config, TimePoint now) {
  Actions out;
  if (config.auth != config_.auth) {
    // A new key or type starts a new sequence space on both sides (§6.7.1: not seamless).
    auth_seq_ = AuthSeqState{};
    if (config.auth && !config_.auth) xmit_auth_seq_ = random_.next();
  }
  config_ = sanitize(config);
  update_parameters();
  reschedule(now);
  return out;
}

Actions Session::set_admin_down(bool down, TimePoint now, Diag diag) {
  Actions out;
  if (down && session_state_ != State::AdminDown) {
    // §6.8.16: "set bfd.SessionState to AdminDown" with the given bfd.LocalDiag; keep transmitting so
    // the peer learns it (and does not count it as a failure, RFC 5882 §3.2).
    change_state(State::AdminDown, diag, out);
    transmit(out, now, /*final_reply=*/false, /*restart_schedule=*/true);
  } else if (!down && session_state_ == State::AdminDown) {
    // §6.8.16: "bfd.SessionState MUST be set to Down" to bring the session back. No failure to report.
    change_state(State::Down, Diag::None, out);
    transmit(out, now, /*final_reply=*/false, /*restart_schedule=*/true);
  }
  reschedule(now);
  return out;
}

// ---- internals ------------------------------------------------------------------------------

void Session::change_state(State to, Diag diag, Actions& out) {
  const State from = session_state_;
  if (from == State::Up) {
    ++counters_.down_transitions;
    poll_active_ = false;  // outside Up the pending values apply at once (update_parameters below)
  }
  if (to == State::Up) ++counters_.up_transitions;
  session_state_ = to;
  local_diag_ = diag;
  out.state_change = StateChange{from, to, diag};
  update_parameters();  // slow start on leaving Up, Poll towards the configured values on reaching it
}

void Session::update_parameters() {
  if (poll_active_) return;  // never two Polls at once; re-evaluated when the Final arrives
  const Micros tx_target = target_desired_min_tx();
  const Micros rx_target = config_.required_min_rx;
  if (session_state_ != State::Up) {
    // §6.8.3 defers changes only while Up; the peer is not relying on our timing yet. This also
    // applies values a Poll cut short by leaving Up had not put in force yet.
    desired_min_tx_ = desired_min_tx_in_force_ = tx_target;
    required_min_rx_ = required_min_rx_in_force_ = rx_target;
    return;
  }
  if (tx_target == desired_min_tx_ && rx_target == required_min_rx_) return;
  // §6.8.3: "If either bfd.DesiredMinTxInterval or bfd.RequiredMinRxInterval is changed, a Poll
  // Sequence MUST be initiated". A faster TX and a slower expected RX are safe at once; a slower TX
  // (the peer's Detection Time must grow first) and a faster expected RX (the peer must speed up
  // first) wait for the Final.
  if (tx_target < desired_min_tx_in_force_) desired_min_tx_in_force_ = tx_target;
  if (rx_target > required_min_rx_in_force_) required_min_rx_in_force_ = rx_target;
  desired_min_tx_ = tx_target;
  required_min_rx_ = rx_target;
  poll_active_ = true;
  ++counters_.polls_started;
}

void Session::terminate_poll() {
  poll_active_ = false;
  desired_min_tx_in_force_ = desired_min_tx_;
  required_min_rx_in_force_ = required_min_rx_;
}

ControlPacket Session::build_packet(bool final_reply) const {
  // §6.8.7 "The contents of transmitted BFD Control packets MUST be set as follows".
  ControlPacket p;
  p.version = 1;
  p.diag = local_diag_;
  p.state = session_state_;
  p.poll = poll_active_ && !final_reply;  // §6.5: never P and F together
  p.final = final_reply;
  p.control_plane_independent = false;  // shares fate with our control plane (notes §1.9)
  p.auth_present = false;
  p.demand = false;      // Demand mode is not used
  p.multipoint = false;  // §4.1: MUST be zero
  p.detect_mult = config_.detect_mult;
  p.my_discr = local_discr_;
  p.your_discr = remote_discr_;
  p.desired_min_tx_us = wire_us(desired_min_tx_);
  p.required_min_rx_us = wire_us(required_min_rx_);
  p.required_min_echo_rx_us = 0;  // no Echo function; FRR over WireGuard flaps otherwise (notes §1.8)
  return p;
}

void Session::transmit(Actions& out, TimePoint now, bool final_reply, bool restart_schedule) {
  out.transmit = build_packet(final_reply);
  // §6.7.4: Meticulous Keyed SHA1 MUST increment bfd.XmitAuthSeq for every packet, Keyed SHA1 MAY.
  // Both do here: one rule, and a receiver's window (3 x DetectMult) comfortably covers the packets
  // of a Detection Time.
  if (config_.auth) sign(*out.transmit, *config_.auth, xmit_auth_seq_++);
  ++counters_.tx_packets;
  if (final_reply) ++counters_.finals_sent;
  if (restart_schedule) {
    const Micros interval = tx_interval();
    last_tx_ = now;
    if (interval.count() > 0) next_tx_ = now + jittered(interval);
    scheduled_tx_interval_ = interval;
  }
}

void Session::reschedule(TimePoint now) {
  // §6.8.7: "The transmit interval MUST be recalculated whenever bfd.DesiredMinTxInterval changes, or
  // whenever bfd.RemoteMinRxInterval changes". A shorter interval may bring the next packet forward
  // (but not before last_tx_ plus a jittered new interval), a longer one pushes it back.
  const Micros interval = tx_interval();
  if (interval == scheduled_tx_interval_) return;
  if (interval.count() > 0) {
    const TimePoint candidate = last_tx_ + jittered(interval);
    if (scheduled_tx_interval_.count() == 0) {
      next_tx_ = candidate;  // transmission resumes
    } else if (interval < scheduled_tx_interval_) {
      next_tx_ = std::min(next_tx_, candidate);
    } else {
      next_tx_ = std::max(next_tx_, candidate);
    }
    next_tx_ = std::max(next_tx_, now);  // never in the past
  }
  scheduled_tx_interval_ = interval;
}

Duration Session::jittered(Micros interval) {
  // §6.8.7: "the interval MUST be reduced by a random value of 0 to 25%"; with bfd.DetectMult 1 the
  // interval "MUST be no more than 90% ... and MUST be no less than 75%". Integer microseconds:
  // max_reduction < 2^31 and next() < 2^32, so the product fits in 64 bits.
  const auto us = static_cast<std::uint64_t>(interval.count());
  const std::uint64_t r = random_.next();
  std::uint64_t min_reduction = 0;
  const std::uint64_t max_reduction = us / 4;
  if (config_.detect_mult == 1) min_reduction = std::min((us + 9) / 10, max_reduction);
  const std::uint64_t reduction = min_reduction + ((max_reduction - min_reduction) * r >> 32);
  const std::uint64_t result = std::max<std::uint64_t>(us - reduction, 1);
  return Micros{static_cast<Micros::rep>(result)};
}

}  // namespace wgfo::bfd

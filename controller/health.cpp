// Health fusion and tunnel state policy (see health.hpp for the rules).
#include "controller/health.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wgfo {
namespace {

using Seconds = std::chrono::duration<double>;

// "150ms", "1.5s", "2m" — how the config spells durations, so causes read like the config.
std::string text(std::chrono::microseconds d) {
  char buf[32];
  const auto us = d.count();
  if (us % 60'000'000 == 0 && us >= 60'000'000) {
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(us / 60'000'000));
  } else if (us >= 1'000'000) {
    std::snprintf(buf, sizeof buf, "%gs", static_cast<double>(us) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%gms", static_cast<double>(us) / 1e3);
  }
  return buf;
}

std::string percent(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g%%", std::round(p * 10) / 10);
  return buf;
}

std::string quality_text(const QualitySample& q) {
  return "rtt " + (q.rtt ? text(*q.rtt) : std::string("none")) + ", loss " + percent(q.loss_percent);
}

}  // namespace

std::string_view to_string(TunnelState s) {
  switch (s) {
    case TunnelState::Up:
      return "up";
    case TunnelState::Degraded:
      return "degraded";
    case TunnelState::Down:
      return "down";
    case TunnelState::AdminDown:
      return "admin-down";
  }
  return "unknown";
}

bool usable(TunnelState s) {
  return s == TunnelState::Up || s == TunnelState::Degraded;
}

// ---- Dampening --------------------------------------------------------------------------------------

double Dampening::ceiling() const {
  const double ratio = Seconds(config_.max_suppress) / Seconds(config_.half_life);
  return static_cast<double>(config_.reuse) * std::exp2(ratio);
}

double Dampening::penalty(MonoTime now) const {
  if (penalty_ <= 0 || now <= updated_) return penalty_;
  return penalty_ * std::exp2(-(Seconds(now - updated_) / Seconds(config_.half_life)));
}

bool Dampening::flap(MonoTime now) {
  penalty_ = std::min(penalty(now) + static_cast<double>(config_.penalty), ceiling());
  updated_ = now;
  if (penalty_ > static_cast<double>(config_.suppress)) suppressed_ = true;
  return suppressed_;
}

bool Dampening::suppressed(MonoTime now) {
  if (suppressed_ && penalty(now) < static_cast<double>(config_.reuse)) suppressed_ = false;
  return suppressed_;
}

std::optional<MonoTime> Dampening::reuse_at() const {
  if (!suppressed_) return std::nullopt;
  // penalty_ * 2^(-t / half_life) = reuse  =>  t = half_life * log2(penalty_ / reuse); one microsecond
  // later so that the penalty is strictly below reuse when evaluated there.
  const double t =
      Seconds(config_.half_life).count() * std::log2(penalty_ / static_cast<double>(config_.reuse));
  return updated_ + std::chrono::duration_cast<MonoTime::duration>(Seconds(std::max(t, 0.0))) +
         std::chrono::microseconds(1);
}

// ---- TunnelHealth -----------------------------------------------------------------------------------

TunnelHealth::TunnelHealth(HealthOptions options, std::string interface)
    : options_(std::move(options)), interface_(std::move(interface)), dampening_(options_.dampening) {
  if (!options_.bfd) good_cause_ = "started without bfd";
  if (probe_liveness()) start_probe_liveness();
}

// A tunnel that is not usable now must show a reply before probes let it up; one that is usable stays
// so until a summary says otherwise (a reload must not fail over a working tunnel).
void TunnelHealth::start_probe_liveness() {
  probes_dead_ = !usable(raw_);
  probes_replied_ = false;
  if (probes_dead_) probes_cause_ = "probes: waiting for the first reply";
}

void TunnelHealth::set_options(HealthOptions options, std::string interface) {
  const bool had_bfd = options_.bfd;
  const bool had_probe_liveness = probe_liveness();
  options_ = std::move(options);
  interface_ = std::move(interface);
  dampening_.set_config(options_.dampening);
  if (!options_.quality) {
    verdicts_.clear();
    quality_degraded_ = false;
    quality_unproven_ = false;
  }
  if (options_.bfd && !had_bfd) {
    // The session is new: whatever BFD said before it was turned off is stale.
    bfd_ = bfd::State::Down, bfd_diag_ = bfd::Diag::None, bfd_starting_ = true;
  } else if (!options_.bfd && had_bfd) {
    bfd_starting_ = false;
    good_cause_ = "bfd disabled";
  }
  if (!probe_liveness()) {
    probes_dead_ = false;
  } else if (!had_probe_liveness) {
    start_probe_liveness();
  }
}

// Each input that clears a reason to be down names itself as the cause of the next UP.
void TunnelHealth::set_bfd(bfd::State state, bfd::Diag diag) {
  if (!options_.bfd) return;  // e.g. the AdminDown of the session removed when BFD was turned off
  if (state == bfd::State::Up && bfd_ != bfd::State::Up) good_cause_ = "bfd up";
  if (state == bfd::State::Up) bfd_starting_ = false;
  bfd_ = state;
  bfd_diag_ = diag;
}
void TunnelHealth::set_link(LinkState state) {
  if (state == LinkState::Up && link_ != LinkState::Up) good_cause_ = "interface " + interface_ + " up";
  link_ = state;
}
void TunnelHealth::set_wireguard_stalled(bool stalled) {
  if (!stalled && wg_stalled_) good_cause_ = "wireguard: rx progress";
  wg_stalled_ = stalled;
}
void TunnelHealth::set_l7_failed(bool failed, std::string cause) {
  if (!failed && l7_failed_) good_cause_ = cause;
  l7_failed_ = failed;
  l7_cause_ = std::move(cause);
}
void TunnelHealth::set_drained(bool drained) {
  if (!drained && drained_) good_cause_ = "undrained";
  drained_ = drained;
}
void TunnelHealth::set_bfd_shutdown(bool shutdown) {
  if (!shutdown && bfd_shutdown_) good_cause_ = "bfd shutdown removed";
  bfd_shutdown_ = shutdown;
}

TunnelHealth::Verdict TunnelHealth::classify(const QualitySample& q) const {
  const QualityConfig& c = *options_.quality;
  // No reply at all is worse than any round-trip time.
  const bool rtt_bad = c.degraded_rtt && (!q.rtt || *q.rtt > *c.degraded_rtt);
  const bool loss_bad = c.degraded_loss && q.loss_percent > *c.degraded_loss;
  if (rtt_bad || loss_bad) return Verdict::Bad;
  const bool rtt_good = !c.degraded_rtt || (q.rtt && *q.rtt <= c.recover_rtt.value_or(*c.degraded_rtt));
  const bool loss_good = !c.degraded_loss || q.loss_percent <= c.recover_loss.value_or(*c.degraded_loss);
  return rtt_good && loss_good ? Verdict::Good : Verdict::Neutral;
}

std::size_t TunnelHealth::count_last(Verdict v, std::size_t m) const {
  const std::size_t n = std::min(m, verdicts_.size());
  return static_cast<std::size_t>(
      std::count(verdicts_.end() - static_cast<std::ptrdiff_t>(n), verdicts_.end(), v));
}

void TunnelHealth::add_quality_sample(const QualitySample& q, MonoTime now) {
  if (!options_.quality || q.samples == 0) return;
  if (probe_liveness()) {
    if (!q.rtt && q.loss_percent >= 100) {
      probes_dead_ = true;
      probes_cause_ = "probes: no reply to " + std::to_string(q.samples) + " probes";
    } else if (q.rtt && probes_dead_) {
      probes_dead_ = false;
      good_cause_ = probes_replied_ ? "probes: replies again" : "probes: first reply";
    }
    if (q.rtt) probes_replied_ = true;
    if (probes_dead_) return;  // the outage itself, not a quality reading
  }
  // While DOWN every probe is lost: that is the failure, already handled, not a quality reading; and
  // so for a while after it, as long as the window still holds the outage's probes.
  if (!usable_since_ || now < *usable_since_ + options_.quality_settle) return;
  const auto& h = options_.hysteresis;
  verdicts_.push_back(classify(q));
  while (verdicts_.size() > std::max(h.enter_m, h.recover_m)) verdicts_.pop_front();
  if (!quality_degraded_ && count_last(Verdict::Bad, h.enter_m) >= h.enter_n) {
    quality_degraded_ = true;
    quality_cause_ = "quality: " + quality_text(q) + " (" + std::to_string(h.enter_n) + " of the last " +
                     std::to_string(h.enter_m) + " samples past the degraded thresholds)";
  } else if ((quality_degraded_ || quality_unproven_) &&
             count_last(Verdict::Good, h.recover_m) >= h.recover_n) {
    quality_degraded_ = false;
    quality_unproven_ = false;
    quality_cause_ = "quality recovered: " + quality_text(q) + " (" + std::to_string(h.recover_n) +
                     " of the last " + std::to_string(h.recover_m) +
                     " samples within the recover thresholds)";
  }
}

void TunnelHealth::derive_raw(MonoTime now) {
  const TunnelState before = raw_;
  down_while_bfd_starts_ = false;
  if (drained_) {
    raw_ = TunnelState::AdminDown, raw_cause_ = "drained";
  } else if (bfd_shutdown_) {
    raw_ = TunnelState::AdminDown, raw_cause_ = "bfd shutdown configured";
  } else if (link_ == LinkState::Absent) {
    raw_ = TunnelState::Down, raw_cause_ = "interface " + interface_ + " removed";
  } else if (link_ == LinkState::Down) {
    raw_ = TunnelState::Down, raw_cause_ = "interface " + interface_ + " down";
  } else if (options_.bfd && bfd_ != bfd::State::Up) {
    raw_ = TunnelState::Down, raw_cause_ = "bfd " + std::string(bfd::to_string(bfd_));
    if (bfd_diag_ != bfd::Diag::None) raw_cause_ += ": " + std::string(bfd::to_string(bfd_diag_));
    if (bfd_starting_) {
      raw_cause_ += " (session starting: bfd enabled)";
      down_while_bfd_starts_ = true;
    }
  } else if (wg_stalled_) {
    raw_ = TunnelState::Down, raw_cause_ = "wireguard: rx stalled while tx grows";
  } else if (probes_dead_) {
    raw_ = TunnelState::Down, raw_cause_ = probes_cause_;
  } else if (l7_failed_) {
    raw_ = TunnelState::Down, raw_cause_ = l7_cause_;
  } else if (quality_degraded_) {
    raw_ = TunnelState::Degraded, raw_cause_ = quality_cause_;
  } else if (quality_unproven_) {
    const auto& h = options_.hysteresis;
    raw_ = TunnelState::Degraded;
    raw_cause_ = good_cause_ + "; quality not yet proven since the failure (" + std::to_string(h.recover_n) +
                 " of " + std::to_string(h.recover_m) + " samples within the recover thresholds needed)";
  } else {
    raw_ = TunnelState::Up;
    raw_cause_ = before == TunnelState::Degraded ? quality_cause_ : good_cause_;
  }
  if (!usable(raw_)) {
    usable_since_.reset();
  } else if (!usable_since_) {
    usable_since_ = now;
  }
  if (raw_ != TunnelState::Up) {
    up_since_.reset();
  } else if (!up_since_) {
    up_since_ = now;
  }
  if (raw_ == TunnelState::Down && before != TunnelState::Down) {
    if (usable(before) && !down_while_bfd_starts_) {
      dampening_.flap(now);
      // With probes as the liveness check (no BFD) a reply already is the proof the way back needs.
      quality_unproven_ = options_.quality.has_value() && !probe_liveness();
    }
    verdicts_.clear();
    quality_degraded_ = false;
    quality_cause_.clear();
  }
}

std::optional<MonoTime> TunnelHealth::usable_hold_end() const {
  if (!usable_since_ || !failed_ || !ever_usable_ || options_.fail_back_hold_down.count() <= 0)
    return std::nullopt;
  return *usable_since_ + options_.fail_back_hold_down;
}

std::optional<MonoTime> TunnelHealth::up_hold_end() const {
  if (!up_since_ || options_.fail_back_hold_down.count() <= 0) return std::nullopt;
  return *up_since_ + options_.fail_back_hold_down;
}

std::optional<TunnelHealth::Transition> TunnelHealth::evaluate(MonoTime now) {
  const TunnelState before_raw = raw_;
  derive_raw(now);
  const bool raw_changed = raw_ != before_raw;
  const TunnelState from = state_;
  const bool was_standby = standby_;
  const bool was_suppressed = dampening_.suppressed();
  const bool suppressed = dampening_.suppressed(now);
  std::string cause = raw_cause_;

  if (raw_ == TunnelState::AdminDown) {
    state_ = TunnelState::AdminDown, standby_ = false, failed_ = false;
  } else if (raw_ == TunnelState::Down) {
    if (usable(state_) && !down_while_bfd_starts_) failed_ = true;
    state_ = TunnelState::Down, standby_ = false;
  } else {
    const auto hold_end = usable(state_) ? std::nullopt : usable_hold_end();
    if (suppressed) {
      state_ = TunnelState::Down, standby_ = true;
      cause = raw_cause_ + "; dampened: penalty " + std::to_string(std::lround(dampening_.penalty(now))) +
              " above suppress " + std::to_string(options_.dampening.suppress);
    } else if (hold_end && now < *hold_end) {
      state_ = TunnelState::Down, standby_ = true;
      cause = raw_cause_ + "; fail-back hold-down " + text(options_.fail_back_hold_down);
    } else {
      TunnelState to = raw_;
      const auto up_end = up_hold_end();
      if (raw_ == TunnelState::Up && state_ == TunnelState::Degraded && up_end && now < *up_end) {
        to = TunnelState::Degraded;
      }
      if (!raw_changed && to != state_) {
        cause = was_suppressed ? "dampening: penalty below reuse " + std::to_string(options_.dampening.reuse)
                               : "fail-back hold-down " + text(options_.fail_back_hold_down) + " passed";
      }
      state_ = to, standby_ = false, ever_usable_ = true, failed_ = false;
    }
  }
  if (state_ == from && standby_ == was_standby) return std::nullopt;
  return Transition{from, state_, std::move(cause)};
}

std::optional<MonoTime> TunnelHealth::next_deadline() const {
  std::optional<MonoTime> out;
  auto consider = [&](std::optional<MonoTime> t) {
    if (t && (!out || *t < *out)) out = t;
  };
  if (standby_) {
    consider(dampening_.reuse_at());
    // While suppressed the hold-down is not what holds the tunnel: its end may pass meanwhile, and a
    // deadline in the past would have the daemon's timer spin. Reuse re-evaluates it.
    if (!dampening_.suppressed()) consider(usable_hold_end());
  }
  if (state_ == TunnelState::Degraded && raw_ == TunnelState::Up) consider(up_hold_end());
  return out;
}

}  // namespace wgfo

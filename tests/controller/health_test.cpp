// TunnelHealth, Dampening and EndpointRotation with a fake clock (controller/health.hpp,
// controller/endpoint_rotation.hpp). Nothing here sleeps: time is a value the test moves.
#include "controller/health.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "controller/endpoint_rotation.hpp"

namespace wgfo {
namespace {

using namespace std::chrono_literals;
const MonoTime kT0 = MonoTime{} + 1000h;

HealthOptions options(std::chrono::microseconds hold_down = 30s) {
  HealthOptions o;
  o.fail_back_hold_down = hold_down;
  o.quality =
      QualityConfig{.degraded_rtt = 150ms, .degraded_loss = 5.0, .recover_rtt = 100ms, .recover_loss = 1.0};
  o.quality_settle = 0s;  // most tests feed samples right after the tunnel came up
  return o;
}

// The same without quality thresholds: for the tests of hold-down, dampening and causes, where a
// failure would otherwise also require the quality to be proven again before UP.
HealthOptions plain(std::chrono::microseconds hold_down = 30s) {
  HealthOptions o = options(hold_down);
  o.quality.reset();
  return o;
}

QualitySample good() {
  return {.samples = 20, .rtt = 20ms, .loss_percent = 0};
}
QualitySample bad_rtt() {
  return {.samples = 20, .rtt = 180ms, .loss_percent = 0};
}
QualitySample neutral() {
  return {.samples = 20, .rtt = 120ms, .loss_percent = 0};
}  // between 100 and 150

struct Health : ::testing::Test {
  TunnelHealth h{options(), "wg0"};
  MonoTime now = kT0;

  std::optional<TunnelHealth::Transition> at(std::chrono::microseconds offset) {
    now = kT0 + offset;
    return h.evaluate(now);
  }
  void bfd(bfd::State s, bfd::Diag d = bfd::Diag::None) { h.set_bfd(s, d); }
  // Brings the tunnel up for the first time at kT0 (no hold-down: nothing failed yet).
  void first_up() {
    bfd(bfd::State::Up);
    ASSERT_TRUE(at(0s).has_value());
    ASSERT_EQ(h.state(), TunnelState::Up);
  }
};

TEST_F(Health, StartsDownAndTheFirstUpIsImmediate) {
  EXPECT_FALSE(at(0s).has_value());  // Down -> Down: nothing to report
  EXPECT_EQ(h.state(), TunnelState::Down);
  bfd(bfd::State::Init);
  EXPECT_FALSE(at(1s).has_value());
  bfd(bfd::State::Up);
  const auto t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->from, TunnelState::Down);
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "bfd up");
  EXPECT_FALSE(h.standby());
  EXPECT_FALSE(h.next_deadline().has_value());
}

TEST_F(Health, SignalsTakePrecedenceInTheDocumentedOrder) {
  first_up();
  for (int i = 0; i < 3; ++i) h.add_quality_sample(bad_rtt(), now);
  auto t = at(1s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Degraded);
  h.set_wireguard_stalled(true);
  t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Down);
  EXPECT_EQ(t->cause, "wireguard: rx stalled while tx grows");
  bfd(bfd::State::Down, bfd::Diag::ControlDetectionTimeExpired);
  at(3s);
  h.set_link(LinkState::Down);
  at(4s);
  h.set_link(LinkState::Absent);
  at(5s);
  h.set_bfd_shutdown(true);
  t = at(6s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::AdminDown);
  EXPECT_EQ(t->cause, "bfd shutdown configured");
  h.set_drained(true);
  EXPECT_FALSE(at(7s).has_value());  // still admin-down
  // Peel the reasons off one by one; each leaves the next one visible.
  h.set_drained(false);
  EXPECT_FALSE(at(8s).has_value());
  h.set_bfd_shutdown(false);
  t = at(9s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Down);
  EXPECT_EQ(t->cause, "interface wg0 removed");
  h.set_link(LinkState::Down);
  at(10s);
  h.set_link(LinkState::Up);
  at(11s);
  h.set_wireguard_stalled(false);
  at(12s);
  EXPECT_EQ(h.state(), TunnelState::Down);  // BFD is still down
}

TEST_F(Health, InterfaceDownIsDownAtOnceWithItsCause) {
  first_up();
  h.set_link(LinkState::Down);
  const auto t = at(1ms);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Down);
  EXPECT_EQ(t->cause, "interface wg0 down");
}

TEST_F(Health, AFailedL7CheckIsDownWithItsCause) {
  h.set_options(plain(0s), "wg0");
  first_up();
  h.set_l7_failed(true, "l7 check 10.20.0.10:443 failed 3 times in a row: Connection refused");
  auto t = at(1s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Down);
  EXPECT_EQ(t->cause, "l7 check 10.20.0.10:443 failed 3 times in a row: Connection refused");
  h.set_l7_failed(false, "l7 check 10.20.0.10:443 passed 2 times in a row");
  t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "l7 check 10.20.0.10:443 passed 2 times in a row");
}

TEST_F(Health, BfdDownCarriesTheDiagnostic) {
  first_up();
  bfd(bfd::State::Down, bfd::Diag::ControlDetectionTimeExpired);
  const auto t = at(1s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->cause, "bfd down: control-detection-time-expired");
}

TEST_F(Health, FailBackWaitsForTheHoldDownAsStandby) {
  h.set_options(plain(), "wg0");
  first_up();
  bfd(bfd::State::Down);
  at(10s);
  bfd(bfd::State::Up);
  auto t = at(12s);
  ASSERT_TRUE(t.has_value());  // a decision: working again, held down
  EXPECT_EQ(t->from, TunnelState::Down);
  EXPECT_EQ(t->to, TunnelState::Down);
  EXPECT_EQ(t->cause, "bfd up; fail-back hold-down 30s");
  EXPECT_TRUE(h.standby());
  ASSERT_TRUE(h.next_deadline().has_value());
  EXPECT_EQ(*h.next_deadline(), kT0 + 42s);
  EXPECT_FALSE(at(41s).has_value());
  EXPECT_EQ(h.state(), TunnelState::Down);
  t = at(42s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "fail-back hold-down 30s passed");
  EXPECT_FALSE(h.standby());
  EXPECT_FALSE(h.next_deadline().has_value());
}

TEST_F(Health, AFailureDuringTheHoldDownStartsItAgain) {
  h.set_options(plain(), "wg0");
  first_up();
  bfd(bfd::State::Down);
  at(1s);
  bfd(bfd::State::Up);
  at(2s);
  bfd(bfd::State::Down);
  auto t = at(20s);
  ASSERT_TRUE(t.has_value());  // standby ends
  EXPECT_FALSE(h.standby());
  bfd(bfd::State::Up);
  at(25s);
  EXPECT_EQ(*h.next_deadline(), kT0 + 55s);
  EXPECT_FALSE(at(54s).has_value());
  EXPECT_TRUE(at(55s).has_value());
  EXPECT_EQ(h.state(), TunnelState::Up);
}

TEST_F(Health, NoHoldDownWhenItIsZero) {
  h.set_options(plain(0s), "wg0");
  first_up();
  bfd(bfd::State::Down);
  at(1s);
  bfd(bfd::State::Up);
  const auto t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
}

TEST_F(Health, NoHoldDownAfterAnOperatorDrain) {
  h.set_options(plain(), "wg0");
  first_up();
  h.set_drained(true);
  auto t = at(1s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::AdminDown);
  EXPECT_EQ(t->cause, "drained");
  EXPECT_TRUE(h.drained());
  h.set_drained(false);
  t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "undrained");
  // Also when the drain came while it was down after a failure.
  bfd(bfd::State::Down);
  at(3s);
  h.set_drained(true);
  at(4s);
  bfd(bfd::State::Up);
  at(5s);
  h.set_drained(false);
  t = at(6s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
}

TEST_F(Health, QualityDegradesOnNOfMAndRecoversOnItsOwnThresholds) {
  first_up();
  h.add_quality_sample(bad_rtt(), now);
  h.add_quality_sample(good(), now);
  h.add_quality_sample(bad_rtt(), now);
  EXPECT_FALSE(at(1s).has_value());  // 2 of 5 bad
  h.add_quality_sample(bad_rtt(), now);
  auto t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Degraded);
  EXPECT_EQ(t->cause, "quality: rtt 180ms, loss 0% (3 of the last 5 samples past the degraded thresholds)");
  // Between the recover and degraded thresholds is neither: it never recovers the tunnel.
  for (int i = 0; i < 10; ++i) h.add_quality_sample(neutral(), now);
  EXPECT_FALSE(at(3s).has_value());
  for (int i = 0; i < 4; ++i) h.add_quality_sample(good(), now);
  EXPECT_FALSE(at(4s).has_value());  // 4 of 5 good
  h.add_quality_sample(good(), now);
  EXPECT_FALSE(at(5s).has_value());  // raw is up now, but the hold-down applies to degraded -> up too
  EXPECT_EQ(h.raw_state(), TunnelState::Up);
  EXPECT_EQ(h.state(), TunnelState::Degraded);
  EXPECT_EQ(*h.next_deadline(), kT0 + 35s);
  t = at(35s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
}

TEST_F(Health, QualityRecoveryIsImmediateWithoutHoldDownAndNamesItsCause) {
  h.set_options(options(0s), "wg0");
  first_up();
  for (int i = 0; i < 3; ++i) h.add_quality_sample({.samples = 20, .rtt = 10ms, .loss_percent = 20}, now);
  auto t = at(1s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->cause, "quality: rtt 10ms, loss 20% (3 of the last 5 samples past the degraded thresholds)");
  for (int i = 0; i < 5; ++i) h.add_quality_sample(good(), now);
  t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause,
            "quality recovered: rtt 20ms, loss 0% (5 of the last 5 samples within the recover thresholds)");
}

TEST_F(Health, NoReplyAtAllIsBadQuality) {
  first_up();
  for (int i = 0; i < 3; ++i)
    h.add_quality_sample({.samples = 20, .rtt = std::nullopt, .loss_percent = 100}, now);
  ASSERT_TRUE(at(1s).has_value());
  EXPECT_EQ(h.state(), TunnelState::Degraded);
}

TEST_F(Health, EmptySamplesAndTunnelsWithoutThresholdsIgnoreQuality) {
  first_up();
  for (int i = 0; i < 5; ++i)
    h.add_quality_sample({.samples = 0, .rtt = std::nullopt, .loss_percent = 100}, now);
  EXPECT_FALSE(at(1s).has_value());
  TunnelHealth plain(HealthOptions{}, "wg1");
  plain.set_bfd(bfd::State::Up, bfd::Diag::None);
  plain.evaluate(kT0);
  for (int i = 0; i < 10; ++i) plain.add_quality_sample(bad_rtt(), kT0 + 1s);
  EXPECT_FALSE(plain.evaluate(kT0 + 1s).has_value());
  EXPECT_EQ(plain.state(), TunnelState::Up);
}

TEST_F(Health, SamplesWhileDownAreIgnoredAndHistoryStartsFresh) {
  h.set_options(options(0s), "wg0");
  first_up();
  h.add_quality_sample(bad_rtt(), now);
  h.add_quality_sample(bad_rtt(), now);
  bfd(bfd::State::Down);
  at(1s);
  for (int i = 0; i < 5; ++i) h.add_quality_sample(bad_rtt(), now);  // the outage, not quality
  bfd(bfd::State::Up);
  auto t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Degraded);  // back, but its quality is not proven yet
  h.add_quality_sample(bad_rtt(), now);     // the two before the outage are forgotten: 1 of 5
  for (int i = 0; i < 4; ++i) h.add_quality_sample(good(), now);
  EXPECT_FALSE(at(3s).has_value());  // 4 good of 5: not proven
  EXPECT_EQ(h.state(), TunnelState::Degraded);
  h.add_quality_sample(good(), now);
  t = at(4s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
}

// DESIGN.md: back to up only after the recover thresholds hold. Under 20 % loss BFD comes back between
// its flaps; on BFD's word alone the tunnel would be preferred again after each hold-down.
TEST_F(Health, AfterAFailureQualityMustBeProvenBeforeUp) {
  h.set_options(options(3s), "wg0");
  first_up();
  bfd(bfd::State::Down);
  at(1s);
  bfd(bfd::State::Up);
  auto t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Down);  // the hold-down first, as standby
  EXPECT_TRUE(h.standby());
  EXPECT_NE(t->cause.find("quality not yet proven since the failure (5 of 5 samples"), std::string::npos)
      << t->cause;
  t = at(5s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Degraded);  // usable, but not in preference to an UP path
  for (int i = 0; i < 4; ++i) h.add_quality_sample(good(), now);
  EXPECT_FALSE(at(6s).has_value());
  h.add_quality_sample(good(), now);
  t = at(7s);  // raw UP since the fifth good sample; DEGRADED -> UP waits the hold-down on raw UP
  EXPECT_FALSE(t.has_value());
  t = at(10s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  // Without quality thresholds there is nothing to prove: UP when the hold-down has passed.
  TunnelHealth p(plain(3s), "wg1");
  p.set_bfd(bfd::State::Up, bfd::Diag::None);
  p.evaluate(kT0);
  p.set_bfd(bfd::State::Down, bfd::Diag::None);
  p.evaluate(kT0 + 1s);
  p.set_bfd(bfd::State::Up, bfd::Diag::None);
  p.evaluate(kT0 + 2s);
  t = p.evaluate(kT0 + 5s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
}

TEST_F(Health, SamplesWaitUntilTheWindowNoLongerHoldsTheOutage) {
  HealthOptions o = options(0s);
  o.quality_settle = 3s;
  h.set_options(o, "wg0");
  first_up();  // usable since kT0
  now = kT0 + 2s;
  for (int i = 0; i < 5; ++i) h.add_quality_sample(bad_rtt(), now);  // still the outage's probes
  EXPECT_FALSE(at(2s).has_value());
  now = kT0 + 3s;
  for (int i = 0; i < 3; ++i) h.add_quality_sample(bad_rtt(), now);
  const auto t = at(3s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Degraded);
}

TEST(QualityWindow, SpansTwoTimeoutsSoThatLossShows) {
  QualityConfig q;
  q.interval = 100ms;
  EXPECT_EQ(quality_window_size(q), 20U);
  EXPECT_EQ(quality_settle_time(q), 3s);
  q.interval = 50ms;
  EXPECT_EQ(quality_window_size(q), 40U);
  EXPECT_EQ(quality_settle_time(q), 3s);
  q.interval = 30ms;
  EXPECT_EQ(quality_window_size(q), 67U);  // rounded up
  q.interval = 10s;
  EXPECT_EQ(quality_window_size(q), 20U);
}

TEST(Dampening, PenaltyHalvesEveryHalfLife) {
  Dampening d(DampeningConfig{});
  d.flap(kT0);
  EXPECT_DOUBLE_EQ(d.penalty(kT0), 1000);
  EXPECT_NEAR(d.penalty(kT0 + 15s), 500, 1e-6);
  EXPECT_NEAR(d.penalty(kT0 + 30s), 250, 1e-6);
  EXPECT_FALSE(d.suppressed());
  d.flap(kT0 + 15s);  // 500 + 1000
  EXPECT_NEAR(d.penalty(kT0 + 15s), 1500, 1e-6);
  EXPECT_FALSE(d.suppressed());
  d.flap(kT0 + 15s);  // 2500 > 2000
  EXPECT_TRUE(d.suppressed());
  // 2500 * 2^(-t/15s) < 750  <=>  t > 15s * log2(2500/750) = 26.05s
  ASSERT_TRUE(d.reuse_at().has_value());
  const auto reuse = *d.reuse_at();
  EXPECT_NEAR(std::chrono::duration<double>(reuse - (kT0 + 15s)).count(), 15 * std::log2(2500.0 / 750), 1e-3);
  EXPECT_TRUE(d.suppressed(reuse - 1ms));
  EXPECT_FALSE(d.suppressed(reuse));
  EXPECT_FALSE(d.reuse_at().has_value());
}

TEST(Dampening, MaxSuppressCapsThePenalty) {
  Dampening d(DampeningConfig{});
  for (int i = 0; i < 1000; ++i) d.flap(kT0);
  const double ceiling = 750 * std::exp2(120.0 / 15.0);
  EXPECT_NEAR(d.penalty(kT0), ceiling, 1e-6);
  // Suppressed for at most max_suppress after the last flap.
  EXPECT_LE(*d.reuse_at(), kT0 + 120s + 1ms);
  EXPECT_GE(*d.reuse_at(), kT0 + 119s);
}

TEST_F(Health, AFlapStormIsSuppressedAndReusedOnTime) {
  h.set_options(plain(0s), "wg0");
  first_up();
  // Down and up once a second: every 'down' adds 1000, decaying with a 15 s half-life.
  int up_events = 0;
  for (int i = 1; i <= 20; ++i) {
    bfd(bfd::State::Down);
    at(std::chrono::seconds(2 * i));
    bfd(bfd::State::Up);
    if (auto t = at(std::chrono::seconds(2 * i + 1)); t && t->to == TunnelState::Up) ++up_events;
  }
  EXPECT_TRUE(h.suppressed());
  EXPECT_EQ(h.state(), TunnelState::Down);
  EXPECT_TRUE(h.standby());  // working, but held: only a last resort
  EXPECT_EQ(up_events, 2);   // the third flap crossed suppress (2000)
  const MonoTime reuse = *h.next_deadline();
  EXPECT_GT(reuse, now);
  EXPECT_LE(reuse, now + 120s);
  EXPECT_FALSE(h.evaluate(reuse - 1ms).has_value());
  const auto t = h.evaluate(reuse);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "dampening: penalty below reuse 750");
  EXPECT_LT(h.penalty(reuse), 750);
}

TEST_F(Health, AHoldDownThatEndedDuringSuppressionIsNoLongerADeadline) {
  // Found by the api_request fuzzer: suppressed longer than the 3 s hold-down, the tunnel reported the
  // hold-down's end as its next deadline after it had passed, and the daemon's timer spun on it.
  h.set_options(plain(3s), "wg0");
  first_up();
  for (int i = 1; i <= 3; ++i) {
    bfd(bfd::State::Down);
    at(std::chrono::milliseconds(10 * i));
    bfd(bfd::State::Up);
    at(std::chrono::milliseconds(10 * i + 5));
  }
  ASSERT_TRUE(h.suppressed());
  at(10s);  // the hold-down has long passed; the suppression has not
  ASSERT_TRUE(h.suppressed());
  const auto next = h.next_deadline();
  ASSERT_TRUE(next.has_value());
  EXPECT_GT(*next, now);
}

TEST_F(Health, SuppressionShowsInTheCause) {
  h.set_options(plain(0s), "wg0");
  first_up();
  std::optional<TunnelHealth::Transition> last;
  for (int i = 1; i <= 3; ++i) {
    bfd(bfd::State::Down);
    at(std::chrono::milliseconds(10 * i));
    bfd(bfd::State::Up);
    last = at(std::chrono::milliseconds(10 * i + 5));
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->to, TunnelState::Down);
  EXPECT_EQ(last->cause.rfind("bfd up; dampened: penalty 2", 0), 0U) << last->cause;
}

TEST_F(Health, DegradedFlapsAreNotCounted) {
  h.set_options(options(0s), "wg0");
  first_up();
  for (int i = 0; i < 10; ++i) {
    for (int k = 0; k < 3; ++k) h.add_quality_sample(bad_rtt(), now);
    at(std::chrono::seconds(2 * i + 1));
    for (int k = 0; k < 5; ++k) h.add_quality_sample(good(), now);
    at(std::chrono::seconds(2 * i + 2));
  }
  EXPECT_EQ(h.penalty(now), 0);
  EXPECT_EQ(h.state(), TunnelState::Up);
}

// ---- a peer without BFD (bfd.enabled: false) ----------------------------------------------------------

HealthOptions no_bfd(std::chrono::microseconds hold_down, bool probes = true) {
  HealthOptions o;
  o.bfd = false;
  o.fail_back_hold_down = hold_down;
  if (probes) o.quality = QualityConfig{.degraded_loss = 50.0, .interval = 50ms};
  o.quality_settle = 3s;  // the real thing: liveness must not wait for it
  return o;
}
QualitySample no_reply(std::uint32_t n = 40) {
  return {.samples = n, .rtt = std::nullopt, .loss_percent = 100};
}

struct NoBfd : Health {
  void start(HealthOptions o) {
    h = TunnelHealth(std::move(o), "wg0");
    now = kT0;
  }
  std::optional<TunnelHealth::Transition> sample(const QualitySample& q, std::chrono::microseconds offset) {
    h.add_quality_sample(q, kT0 + offset);
    return at(offset);
  }
};

TEST_F(NoBfd, WithoutProbesItStartsUsableAndIgnoresBfd) {
  start(no_bfd(0s, false));
  auto t = at(0s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "started without bfd");
  bfd(bfd::State::Down, bfd::Diag::ControlDetectionTimeExpired);
  bfd(bfd::State::AdminDown, bfd::Diag::AdministrativelyDown);
  EXPECT_FALSE(at(1s).has_value());
  EXPECT_EQ(h.state(), TunnelState::Up);
  // WireGuard progress and the interface are what is left to take it down.
  h.set_wireguard_stalled(true);
  t = at(2s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Down);
  EXPECT_EQ(t->cause, "wireguard: rx stalled while tx grows");
  h.set_wireguard_stalled(false);
  t = at(3s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "wireguard: rx progress");
  h.set_link(LinkState::Down);
  EXPECT_EQ(at(4s)->cause, "interface wg0 down");
}

TEST_F(NoBfd, WithProbesItWaitsForTheFirstReplyWithoutHoldDown) {
  start(no_bfd(30s));
  EXPECT_FALSE(at(0s).has_value());
  EXPECT_EQ(h.state(), TunnelState::Down);
  EXPECT_FALSE(sample(no_reply(), 1s).has_value());
  EXPECT_FALSE(sample({.samples = 0, .rtt = std::nullopt, .loss_percent = 0}, 2s).has_value());
  const auto t = sample({.samples = 20, .rtt = 20ms, .loss_percent = 95}, 3s);  // one reply is enough
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "probes: first reply");
  EXPECT_FALSE(h.standby());
  bfd(bfd::State::Down);
  EXPECT_FALSE(at(4s).has_value());  // BFD is ignored here too
}

TEST_F(NoBfd, NoReplyIsDownAtOnceAndARepliesBringItBackEvenWhileDown) {
  start(no_bfd(0s));
  sample(good(), 0s);
  ASSERT_EQ(h.state(), TunnelState::Up);
  // Within the quality settle time, and before any N-of-M: liveness is judged on the first sample.
  auto t = sample(no_reply(), 1s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Down);
  EXPECT_EQ(t->cause, "probes: no reply to 40 probes");
  EXPECT_FALSE(sample(no_reply(), 2s).has_value());
  t = sample(good(), 3s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "probes: replies again");
  EXPECT_EQ(sample(no_reply(20), 3500ms)->cause, "probes: no reply to 20 probes");
  EXPECT_NEAR(h.penalty(now), 1000 * std::exp2(-2.5 / 15) + 1000, 1e-6);  // two flaps
}

TEST_F(NoBfd, AProbeFailureHasTheHoldDown) {
  start(no_bfd(30s));
  sample(good(), 0s);
  sample(no_reply(), 10s);
  auto t = sample(good(), 12s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Down);
  EXPECT_EQ(t->cause, "probes: replies again; fail-back hold-down 30s");
  EXPECT_TRUE(h.standby());
  EXPECT_EQ(h.next_deadline(), kT0 + 42s);
  t = at(42s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
}

TEST_F(NoBfd, WireguardBeforeProbesBeforeL7AndPartialLossIsQualityNotLiveness) {
  start(no_bfd(0s));
  sample(good(), 0s);
  h.set_wireguard_stalled(true);
  EXPECT_EQ(sample(no_reply(), 1s)->cause, "wireguard: rx stalled while tx grows");
  h.set_wireguard_stalled(false);
  EXPECT_FALSE(at(2s).has_value());  // the probes still see no reply
  EXPECT_EQ(h.state(), TunnelState::Down);
  h.set_l7_failed(true, "l7 check failed");
  EXPECT_FALSE(sample(good(), 3s).has_value());  // the L7 check still fails
  h.set_l7_failed(false, "l7 check passed");
  EXPECT_EQ(at(4s)->cause, "l7 check passed");
  h.set_l7_failed(true, "l7 check failed");
  EXPECT_EQ(sample(no_reply(), 5s)->cause, "probes: no reply to 40 probes");
  h.set_l7_failed(false, "l7 check passed");
  EXPECT_EQ(sample(good(), 6s)->cause, "probes: replies again");
  // Partial loss is quality, not liveness: degraded once settled (3 of 5), never down.
  for (int i = 0; i < 3; ++i)
    h.add_quality_sample({.samples = 40, .rtt = 20ms, .loss_percent = 60}, kT0 + 10s);
  EXPECT_EQ(at(10s)->to, TunnelState::Degraded);
}

TEST_F(NoBfd, ReloadTurningBfdOffKeepsAnUpTunnelAndOnWaitsForTheSession) {
  start(options(30s));
  first_up();
  h.set_options(no_bfd(30s), "wg0");
  EXPECT_FALSE(at(1s).has_value());  // BFD said up: still up, probes judge from now on
  bfd(bfd::State::Down);
  EXPECT_FALSE(at(2s).has_value());
  EXPECT_EQ(sample(no_reply(), 3s)->to, TunnelState::Down);
  // On again: the new session starts Down; not a failure of the tunnel, so no hold-down after it.
  h.set_options(options(30s), "wg0");
  sample(good(), 4s);  // probes no longer decide liveness
  EXPECT_EQ(h.state(), TunnelState::Down);
  bfd(bfd::State::Up);
  EXPECT_EQ(at(5s)->cause, "bfd up; fail-back hold-down 30s");  // it failed (probes) before the reload
  h.set_options(no_bfd(0s), "wg0");
  EXPECT_EQ(at(6s)->to, TunnelState::Up);
  h.set_options(options(30s), "wg0");
  auto t = at(7s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Down);
  EXPECT_EQ(t->cause, "bfd down (session starting: bfd enabled)");
  bfd(bfd::State::Up);
  t = at(8s);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->to, TunnelState::Up);
  EXPECT_EQ(t->cause, "bfd up");
  EXPECT_NEAR(h.penalty(now), 1000 * std::exp2(-5.0 / 15), 1e-6);  // only the flap at 3s
}

TEST_F(NoBfd, ReloadTurningBfdOffOnADownTunnelWaitsForAReply) {
  start(options(0s));  // a tunnel with BFD, never up
  EXPECT_FALSE(at(0s).has_value());
  h.set_options(no_bfd(0s), "wg0");
  EXPECT_FALSE(at(1s).has_value());
  EXPECT_EQ(h.state(), TunnelState::Down);
  EXPECT_EQ(sample(good(), 2s)->cause, "probes: first reply");
}

TEST(EndpointRotation, TriesTheNextEndpointOncePerIntervalWhileDown) {
  EndpointRotation r(3);
  EXPECT_FALSE(r.step(false, kT0).has_value());
  EXPECT_FALSE(r.next_deadline().has_value());
  EXPECT_FALSE(r.step(true, kT0).has_value());  // just went down: give the current endpoint a chance
  EXPECT_EQ(r.next_deadline(), kT0 + 5s);
  EXPECT_FALSE(r.step(true, kT0 + 4s).has_value());
  EXPECT_EQ(r.step(true, kT0 + 5s), 1U);
  EXPECT_FALSE(r.step(true, kT0 + 6s).has_value());  // rate bound
  EXPECT_EQ(r.step(true, kT0 + 10s), 2U);
  EXPECT_EQ(r.step(true, kT0 + 15s), 0U);  // round robin
  EXPECT_FALSE(r.step(false, kT0 + 16s).has_value());
  EXPECT_EQ(r.current(), 0U);  // the one that worked stays
  EXPECT_FALSE(r.next_deadline().has_value());
}

TEST(EndpointRotation, NothingToRotateWithOneEndpoint) {
  EndpointRotation r(1);
  EXPECT_FALSE(r.step(true, kT0).has_value());
  EXPECT_FALSE(r.step(true, kT0 + 1h).has_value());
  EXPECT_FALSE(r.next_deadline().has_value());
}

}  // namespace
}  // namespace wgfo

// One Session driven by hand with a fake clock: the RFC 5880 §6.8.6 state table (one TEST per local
// state x received state), §6.8.4 detection, §6.8.1 RemoteDiscr reset, §6.8.16 AdminDown, the §6.8.6
// A bit rule, and §6.8.7 transmission (jitter, slow start, RemoteMinRxInterval 0, late timers).
// Poll/Final and configuration changes are in session_poll_test.cpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "tests/bfd/session_fixture.hpp"

namespace wgfo::bfd {
namespace {

using namespace std::chrono_literals;
using namespace session_fixture;
using SessionFsmTest = SessionTest;

// ---- §6.8.6 state table: local Down ----

TEST_F(SessionFsmTest, DownRxAdminDownStaysDown) {
  enter(State::Down);
  expect_no_change(receive(State::AdminDown), State::Down);
  EXPECT_EQ(s_.remote_discr(), kRemote);
}

TEST_F(SessionFsmTest, DownRxDownGoesInit) {
  enter(State::Down);
  const Actions a = receive(State::Down);
  expect_change(a, State::Down, State::Init, Diag::None);
  EXPECT_EQ(a.transmit->your_discr, kRemote);
}

TEST_F(SessionFsmTest, DownRxInitGoesUp) {
  enter(State::Down);
  expect_change(receive(State::Init), State::Down, State::Up, Diag::None);
  EXPECT_EQ(s_.counters().up_transitions, 1u);
}

TEST_F(SessionFsmTest, DownRxUpStaysDown) {
  enter(State::Down);
  expect_no_change(receive(State::Up), State::Down);
}

// ---- local Init ----

TEST_F(SessionFsmTest, InitRxAdminDownGoesDownDiag3) {
  enter(State::Init);
  expect_change(receive(State::AdminDown), State::Init, State::Down, Diag::NeighborSignaledSessionDown);
}

TEST_F(SessionFsmTest, InitRxDownStaysInit) {
  enter(State::Init);
  expect_no_change(receive(State::Down), State::Init);
}

TEST_F(SessionFsmTest, InitRxInitGoesUp) {
  enter(State::Init);
  expect_change(receive(State::Init), State::Init, State::Up, Diag::None);
}

TEST_F(SessionFsmTest, InitRxUpGoesUp) {
  enter(State::Init);
  expect_change(receive(State::Up), State::Init, State::Up, Diag::None);
}

// ---- local Up ----

TEST_F(SessionFsmTest, UpRxAdminDownGoesDownDiag3) {
  enter(State::Up);
  expect_change(receive(State::AdminDown), State::Up, State::Down, Diag::NeighborSignaledSessionDown);
  EXPECT_EQ(s_.counters().down_transitions, 1u);
  EXPECT_EQ(s_.remote_state(), State::AdminDown);
}

TEST_F(SessionFsmTest, UpRxDownGoesDownDiag3) {
  enter(State::Up);
  expect_change(receive(State::Down), State::Up, State::Down, Diag::NeighborSignaledSessionDown);
  // Only a Detection Time without packets resets RemoteDiscr (§6.8.1), not the state change.
  EXPECT_EQ(s_.remote_discr(), kRemote);
}

TEST_F(SessionFsmTest, UpRxInitStaysUp) {
  enter(State::Up);
  expect_no_change(receive(State::Init), State::Up);
}

TEST_F(SessionFsmTest, UpRxUpStaysUp) {
  enter(State::Up);
  expect_no_change(receive(State::Up), State::Up);
}

// ---- local AdminDown: every received packet is discarded ----

TEST_F(SessionFsmTest, AdminDownRxAdminDownDiscarded) {
  enter(State::AdminDown);
  expect_no_change(receive(State::AdminDown), State::AdminDown);
  EXPECT_EQ(s_.counters().rx_discarded, 1u);
}

TEST_F(SessionFsmTest, AdminDownRxDownDiscarded) {
  enter(State::AdminDown);
  expect_no_change(receive(State::Down), State::AdminDown);
  EXPECT_EQ(s_.counters().rx_discarded, 1u);
  EXPECT_EQ(s_.remote_discr(), 0u);
}

TEST_F(SessionFsmTest, AdminDownRxInitDiscarded) {
  enter(State::AdminDown);
  expect_no_change(receive(State::Init), State::AdminDown);
  EXPECT_EQ(s_.counters().rx_discarded, 1u);
}

TEST_F(SessionFsmTest, AdminDownRxUpDiscarded) {
  enter(State::AdminDown);
  ControlPacket p = peer(State::Up);
  p.poll = true;  // discarded before the Poll step of §6.8.6: no Final either
  expect_no_change(s_.on_packet(p, now_ + 1ms), State::AdminDown);
  EXPECT_EQ(s_.counters().rx_discarded, 1u);
  EXPECT_EQ(s_.counters().finals_sent, 0u);
}

// ---- §6.8.4 detection, §6.8.1 RemoteDiscr reset ----

TEST_F(SessionFsmTest, DetectionTimeoutInInit) {
  enter(State::Init);
  // Remote Detect Mult 3 x max(our Required Min RX 50 ms, its Desired Min TX 1 s) = 3 s.
  EXPECT_EQ(s_.detection_time(), Micros{3s});
  EXPECT_LE(s_.next_deadline(), now_ + 3s);
  EXPECT_FALSE(s_.on_timer(now_ + 3s - 1us).state_change);
  EXPECT_EQ(s_.state(), State::Init);
  const Actions a = s_.on_timer(now_ + 3s);
  expect_change(a, State::Init, State::Down, Diag::ControlDetectionTimeExpired);
  EXPECT_EQ(s_.remote_discr(), 0u);
  EXPECT_EQ(a.transmit->your_discr, 0u);
}

TEST_F(SessionFsmTest, DetectionTimeoutInUp) {
  enter(State::Up);
  ControlPacket p = peer(State::Up);
  p.desired_min_tx_us = 50'000;
  p.detect_mult = 4;
  now_ += 20ms;
  s_.on_packet(p, now_);
  EXPECT_EQ(s_.detection_time(), Micros{200ms});
  // Periodic transmissions before the deadline must not bring the session down.
  TimePoint t = now_;
  while (s_.next_deadline() < now_ + 200ms) {
    t = s_.next_deadline();
    s_.on_timer(t);
    ASSERT_EQ(s_.state(), State::Up);
  }
  EXPECT_EQ(s_.next_deadline(), now_ + 200ms);
  EXPECT_FALSE(s_.on_timer(now_ + 200ms - 1us).state_change);
  expect_change(s_.on_timer(now_ + 200ms), State::Up, State::Down, Diag::ControlDetectionTimeExpired);
  EXPECT_EQ(s_.remote_discr(), 0u);
  EXPECT_EQ(s_.counters().down_transitions, 1u);
}

TEST_F(SessionFsmTest, RemoteDiscrResetWhileDown) {
  enter(State::Up);
  receive(State::Down);  // Up -> Down, diag 3, RemoteDiscr kept
  ASSERT_EQ(s_.state(), State::Down);
  ASSERT_EQ(s_.remote_discr(), kRemote);
  const Micros dt = s_.detection_time();
  ASSERT_EQ(dt, Micros{3s});
  s_.on_timer(now_ + dt - 1us);
  EXPECT_EQ(s_.remote_discr(), kRemote);
  const Actions a = s_.on_timer(now_ + dt);
  EXPECT_FALSE(a.state_change);
  EXPECT_EQ(s_.remote_discr(), 0u);
  EXPECT_EQ(s_.state(), State::Down);
  // No detection timer remains once RemoteDiscr is zero and the session is Down: only transmissions.
  for (int i = 0; i < 5; ++i) {
    const Actions b = s_.on_timer(s_.next_deadline());
    ASSERT_TRUE(b.transmit);
    EXPECT_EQ(b.transmit->your_discr, 0u);
  }
}

TEST_F(SessionFsmTest, OnTimerBeforeDeadlineDoesNothing) {
  enter(State::Up);
  const TimePoint d = s_.next_deadline();
  for (TimePoint t = now_; t < d; t += 1ms) {
    const Actions a = s_.on_timer(t);
    EXPECT_FALSE(a.transmit);
    EXPECT_FALSE(a.state_change);
    EXPECT_EQ(s_.next_deadline(), d);
  }
}

// ---- §6.8.16 AdminDown ----

TEST_F(SessionFsmTest, LocalAdminDownAndBack) {
  enter(State::Up);
  Actions a = s_.set_admin_down(true, now_);
  expect_change(a, State::Up, State::AdminDown, Diag::AdministrativelyDown);
  EXPECT_FALSE(a.transmit->poll);
  EXPECT_EQ(a.transmit->desired_min_tx_us, 1'000'000u);      // slow rate while not Up (§6.8.3)
  EXPECT_FALSE(s_.set_admin_down(true, now_).state_change);  // already AdminDown

  // Keeps transmitting AdminDown at >= 1 s (x jitter), and no detection timeout while AdminDown.
  TimePoint last = now_;
  for (int i = 0; i < 20; ++i) {
    const TimePoint t = s_.next_deadline();
    a = s_.on_timer(t);
    if (!a.transmit) continue;  // the RemoteDiscr reset deadline
    EXPECT_EQ(a.transmit->state, State::AdminDown);
    EXPECT_EQ(a.transmit->diag, Diag::AdministrativelyDown);
    EXPECT_GE(t - last, 750ms);
    last = t;
  }
  EXPECT_EQ(s_.state(), State::AdminDown);

  a = s_.set_admin_down(false, last);
  expect_change(a, State::AdminDown, State::Down, Diag::None);
  EXPECT_FALSE(s_.set_admin_down(false, last).state_change);
}

TEST_F(SessionFsmTest, AdminDownWithPathDownDiag) {
  expect_change(s_.set_admin_down(true, now_, Diag::PathDown), State::Down, State::AdminDown, Diag::PathDown);
}

TEST_F(SessionFsmTest, ReceivedAdminDownKeepsSessionDown) {
  enter(State::Up);
  expect_change(receive(State::AdminDown), State::Up, State::Down, Diag::NeighborSignaledSessionDown);
  for (int i = 0; i < 50; ++i) {
    const Actions a = receive(State::AdminDown);
    EXPECT_FALSE(a.state_change);
    EXPECT_EQ(s_.state(), State::Down);
  }
}

// ---- §6.8.6 A bit ----

TEST_F(SessionFsmTest, ABitWithoutConfiguredAuthIsDiscarded) {
  enter(State::Down);
  ControlPacket p = peer(State::Down, 0);
  p.auth_present = true;
  p.auth = AuthSection{AuthType::SimplePassword, 1, 0, {'x'}, 1};
  expect_no_change(s_.on_packet(p, now_), State::Down);
  EXPECT_EQ(s_.counters().rx_discarded, 1u);
  EXPECT_EQ(s_.counters().rx_packets, 1u);
  EXPECT_EQ(s_.remote_discr(), 0u);
  p.auth.reset();  // the bit alone is enough
  expect_no_change(s_.on_packet(p, now_), State::Down);
  EXPECT_EQ(s_.counters().rx_discarded, 2u);
}

// ---- §6.8.7 transmission ----

std::vector<Duration> tx_gaps(Session& s, int count) {
  std::vector<Duration> gaps;
  TimePoint last{};
  bool have_last = false;
  while (static_cast<int>(gaps.size()) < count) {
    const TimePoint t = s.next_deadline();
    const Actions a = s.on_timer(t);
    if (!a.transmit) continue;
    if (have_last) gaps.push_back(t - last);
    last = t;
    have_last = true;
  }
  return gaps;
}

TEST(SessionJitterTest, IntervalsAre75To100Percent) {
  FakeRandom random{99};
  random.push({0, 0, 0xffffffff, 0xffffffff, 0x80000000});  // extremes first
  Session s{kLocal, SessionConfig{Micros{1s}, Micros{1s}, 3}, kT0, random};
  const auto gaps = tx_gaps(s, 2000);
  const auto [lo, hi] = std::minmax_element(gaps.begin(), gaps.end());
  EXPECT_GE(*lo, 750ms);
  EXPECT_LE(*hi, 1000ms);
  EXPECT_LT(*lo, 752ms);  // the whole range is used
  EXPECT_GT(*hi, 998ms);
}

TEST(SessionJitterTest, IntervalsAre75To90PercentAtDetectMultOne) {
  FakeRandom random{5};
  random.push({0, 0, 0xffffffff, 0xffffffff});
  Session s{kLocal, SessionConfig{Micros{1s}, Micros{1s}, 1}, kT0, random};
  const auto gaps = tx_gaps(s, 2000);
  const auto [lo, hi] = std::minmax_element(gaps.begin(), gaps.end());
  EXPECT_GE(*lo, 750ms);
  EXPECT_LE(*hi, 900ms);
  EXPECT_LT(*lo, 752ms);
  EXPECT_GT(*hi, 898ms);
}

TEST_F(SessionFsmTest, SlowStartWhileDown) {
  // Configured 50 ms, but while not Up: advertise and send at 1 s (§6.8.3); Required Min RX as given.
  const auto gaps = tx_gaps(s_, 20);
  for (const Duration g : gaps) EXPECT_GE(g, 750ms);
  const Actions a = s_.on_timer(s_.next_deadline());
  ASSERT_TRUE(a.transmit);
  EXPECT_EQ(a.transmit->desired_min_tx_us, 1'000'000u);
  EXPECT_EQ(a.transmit->required_min_rx_us, 50'000u);
  EXPECT_EQ(a.transmit->required_min_echo_rx_us, 0u);
  EXPECT_EQ(a.transmit->version, 1);
  EXPECT_FALSE(a.transmit->control_plane_independent || a.transmit->demand || a.transmit->multipoint);
  EXPECT_EQ(s_.tx_interval(), Micros{1s});
}

TEST_F(SessionFsmTest, FirstPacketWithinFirstInterval) {
  FakeRandom r{1};
  Session s{kLocal, fast(), kT0, r};
  EXPECT_GE(s.next_deadline(), kT0);
  EXPECT_LT(s.next_deadline(), kT0 + 1s);
}

TEST_F(SessionFsmTest, NoPeriodicTxWhenRemoteMinRxZero) {
  ControlPacket p = peer(State::AdminDown, 0);
  p.required_min_rx_us = 0;
  expect_no_change(s_.on_packet(p, now_), State::Down);
  EXPECT_EQ(s_.tx_interval(), Micros{0});
  for (int i = 0; i < 20 && s_.next_deadline() != TimePoint::max(); ++i) {
    EXPECT_FALSE(s_.on_timer(s_.next_deadline()).transmit);
  }
  EXPECT_FALSE(s_.on_timer(now_ + 60s).transmit);
  EXPECT_EQ(s_.next_deadline(), TimePoint::max());
  EXPECT_EQ(s_.remote_discr(), 0u);  // aged out meanwhile

  // The peer asks for packets again: transmission resumes.
  p.required_min_rx_us = 300'000;
  s_.on_packet(p, now_ + 61s);
  EXPECT_EQ(s_.tx_interval(), Micros{1s});
  EXPECT_LE(s_.next_deadline(), now_ + 62s);
}

TEST_F(SessionFsmTest, LateTimerDoesNotAccumulate) {
  enter(State::Up);
  ASSERT_EQ(s_.tx_interval(), Micros{50ms});
  const TimePoint due = s_.next_deadline();
  random_.push(0);                               // no jitter reduction on the next draw: gap = 50 ms exactly
  ASSERT_TRUE(s_.on_timer(due + 5ms).transmit);  // 5 ms late
  // The next one is timed from `due`, not from `due + 5ms`.
  EXPECT_EQ(s_.next_deadline(), due + 50ms);

  // More than a whole interval late: timed from now, never in the past.
  const TimePoint due2 = s_.next_deadline();
  random_.push(0);
  ASSERT_TRUE(s_.on_timer(due2 + 200ms).transmit);
  EXPECT_EQ(s_.next_deadline(), due2 + 250ms);
}

TEST_F(SessionFsmTest, AFloodOfPollsIsAnsweredAtTheRateLimitOnly) {
  enter(State::Up);
  const SessionCounters before = s_.counters();
  // 10 000 Polls/s for 2 s, one every 100 us: only the budget (burst + rate) is processed and answered.
  ControlPacket poll = peer(State::Up);
  poll.poll = true;
  int finals = 0;
  for (int i = 1; i <= 20'000; ++i) {
    const Actions a = s_.on_packet(poll, now_ + Micros{100 * i});
    if (a.transmit && a.transmit->final) ++finals;
  }
  const std::uint64_t budget = kRxBurst + 2 * kRxRateLimit;
  EXPECT_LE(static_cast<std::uint64_t>(finals), budget + 1);
  EXPECT_GE(static_cast<std::uint64_t>(finals), budget - 1);
  EXPECT_EQ(s_.counters().rx_rate_limited - before.rx_rate_limited,
            20'000 - static_cast<std::uint64_t>(finals));
  EXPECT_EQ(s_.state(), State::Up);
}

}  // namespace
}  // namespace wgfo::bfd

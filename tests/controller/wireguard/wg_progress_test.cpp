// ProgressTracker on scripted sample sequences with injected times: what makes a stall (unanswered tx
// above the threshold for the stall time, counted from the first sample that shows it), what never
// does (an idle tunnel however old its handshake, our own keepalives, a one-way flow answered by the
// peer's passive keepalives, a counter reset), and handshake advance and age.

#include "controller/wireguard/progress.hpp"

#include <gtest/gtest.h>

namespace wgfo::wg {
namespace {

using namespace std::chrono_literals;
using Clock = ProgressTracker::Clock;
using WallClock = ProgressTracker::WallClock;

constexpr std::int64_t kEpoch = 1'700'000'000;  // wall-clock seconds at t = 0

Clock::time_point at(std::chrono::milliseconds t) {
  return Clock::time_point(t);
}
WallClock::time_point wall_at(std::chrono::milliseconds t) {
  return WallClock::time_point(std::chrono::seconds(kEpoch)) + t;
}

Key key(std::uint8_t b) {
  Key k{};
  k.fill(b);
  return k;
}

PeerStats sample(std::uint64_t rx, std::uint64_t tx, std::int64_t handshake_sec = kEpoch,
                 std::uint8_t peer = 1) {
  return PeerStats{
      .public_key = key(peer), .last_handshake = {handshake_sec, 0}, .rx_bytes = rx, .tx_bytes = tx};
}

struct Feeder {
  ProgressTracker tracker;
  PeerProgress feed(std::chrono::milliseconds t, const PeerStats& s) {
    return tracker.observe(s, at(t), wall_at(t));
  }
};

TEST(WgProgress, AnIdleTunnelIsNeverStalledHoweverOldItsHandshake) {
  Feeder f;
  const std::int64_t hour_ago = kEpoch - 3600;
  auto p = f.feed(0ms, sample(5000, 7000, hour_ago));
  EXPECT_TRUE(p.first_sample);
  for (auto t = 1s; t <= 6h; t += 1s) {
    p = f.feed(t, sample(5000, 7000, hour_ago));
    ASSERT_FALSE(p.rx_stalled) << "at " << t.count() << " s";
    ASSERT_TRUE(p.idle);
  }
  ASSERT_TRUE(p.handshake_age.has_value());
  EXPECT_EQ(*p.handshake_age, 7h);  // reported, but it is not a down signal
  EXPECT_FALSE(p.handshake_advancing);
  EXPECT_EQ(p.unanswered_tx_bytes, 0U);
}

TEST(WgProgress, AnIdleTunnelThatNeverHandshakedIsNotStalled) {
  Feeder f;
  for (auto t = 0s; t <= 1h; t += 5s) {
    const auto p = f.feed(t, sample(0, 0, 0));
    ASSERT_FALSE(p.rx_stalled);
    ASSERT_FALSE(p.handshake_age.has_value());
  }
}

TEST(WgProgress, StallAfterStallTimeOfUnansweredTx) {
  Feeder f;
  f.feed(0ms, sample(100, 100));
  auto p = f.feed(1000ms, sample(100, 100 + 257));  // over the threshold: the clock starts here
  EXPECT_FALSE(p.rx_stalled);
  EXPECT_EQ(p.unanswered_for, 0ms);
  EXPECT_EQ(p.unanswered_tx_bytes, 257U);
  p = f.feed(15999ms, sample(100, 5000));
  EXPECT_FALSE(p.rx_stalled);
  EXPECT_EQ(p.unanswered_for, 14999ms);
  p = f.feed(16000ms, sample(100, 6000));
  EXPECT_TRUE(p.rx_stalled);
  EXPECT_EQ(p.unanswered_for, 15000ms);
  // Still stalled when we stop sending: nothing has shown the peer answering.
  p = f.feed(600s, sample(100, 6000));
  EXPECT_TRUE(p.rx_stalled);
  // Any receive progress clears it at once.
  p = f.feed(601s, sample(132, 6000));
  EXPECT_FALSE(p.rx_stalled);
  EXPECT_EQ(p.unanswered_tx_bytes, 0U);
  EXPECT_EQ(p.unanswered_for, 0ms);
}

TEST(WgProgress, ThresholdIsExclusive) {
  Feeder f;
  f.feed(0ms, sample(0, 1000));
  f.feed(1s, sample(0, 1256));  // exactly 256: not yet
  auto p = f.feed(30s, sample(0, 1256));
  EXPECT_FALSE(p.rx_stalled);
  f.feed(31s, sample(0, 1257));  // 257: the clock starts now, not at 1 s
  p = f.feed(45999ms, sample(0, 1257));
  EXPECT_FALSE(p.rx_stalled);
  p = f.feed(46s, sample(0, 1257));
  EXPECT_TRUE(p.rx_stalled);
}

TEST(WgProgress, OurOwnKeepalivesAndHandshakeResponsesAreNotAStall) {
  Feeder f;
  f.feed(0s, sample(1000, 1000));
  f.feed(10s, sample(1000, 1032));  // passive keepalive (32)
  f.feed(20s, sample(1000, 1124));  // handshake response (92)
  f.feed(30s, sample(1000, 1188));  // cookie reply (64)
  for (auto t = 31s; t < 1h; t += 30s) ASSERT_FALSE(f.feed(t, sample(1000, 1188)).rx_stalled);
}

TEST(WgProgress, ClockStartsWhenGrowthIsSeenNotWhenRxLastMoved) {
  Feeder f;
  f.feed(0s, sample(500, 500));
  f.feed(3600s, sample(500, 500));              // an hour without rx, and without tx
  auto p = f.feed(3601s, sample(500, 10'500));  // then we send: the peer has had no time to answer
  EXPECT_FALSE(p.rx_stalled);
  p = f.feed(3610s, sample(600, 11'000));  // and it answers (passive keepalive within 10 s)
  EXPECT_FALSE(p.rx_stalled);
  EXPECT_EQ(p.unanswered_tx_bytes, 0U);
}

TEST(WgProgress, OneWayFlowAnsweredByPassiveKeepalivesNeverStalls) {
  Feeder f;
  std::uint64_t rx = 0;
  std::uint64_t tx = 0;
  for (int s = 0; s <= 600; ++s) {
    tx += 1400;                 // we stream data
    if (s % 10 == 9) rx += 32;  // the peer has nothing to send: a keepalive every 10 s
    ASSERT_FALSE(f.feed(std::chrono::seconds(s), sample(rx, tx)).rx_stalled) << s;
  }
}

TEST(WgProgress, DeadPeerWithOnlyHandshakeRetriesStalls) {
  Feeder f;
  f.feed(0s, sample(9000, 9000));
  std::uint64_t tx = 9000;
  bool stalled = false;
  for (int s = 1; s <= 30 && !stalled; ++s) {
    if (s % 5 == 0) tx += 148;  // a handshake initiation every Rekey-Timeout, no answer
    stalled = f.feed(std::chrono::seconds(s), sample(9000, tx)).rx_stalled;
    if (stalled) {
      EXPECT_EQ(s, 25);  // 296 bytes (> 256) at 10 s, then 15 s
    }
  }
  EXPECT_TRUE(stalled);
}

TEST(WgProgress, CounterResetRestartsTrackingAndIsNotAStall) {
  Feeder f;
  f.feed(0s, sample(100, 100));
  f.feed(1s, sample(100, 5000));
  EXPECT_FALSE(f.feed(15s, sample(100, 9000)).rx_stalled);  // 14 s unanswered
  auto p = f.feed(16s, sample(0, 148, 0));                  // interface recreated
  EXPECT_TRUE(p.counters_reset);
  EXPECT_TRUE(p.first_sample);
  EXPECT_FALSE(p.rx_stalled);
  EXPECT_EQ(p.unanswered_tx_bytes, 0U);
  f.feed(17s, sample(0, 1000, 0));  // unanswered again: a fresh 15 s from here
  EXPECT_FALSE(f.feed(31s, sample(0, 1500, 0)).rx_stalled);
  EXPECT_TRUE(f.feed(32s, sample(0, 1500, 0)).rx_stalled);
}

TEST(WgProgress, TxGoingBackwardsAloneIsAReset) {
  Feeder f;
  f.feed(0s, sample(100, 5000));
  const auto p = f.feed(1s, sample(100, 10));
  EXPECT_TRUE(p.counters_reset);
  EXPECT_FALSE(p.idle);
}

TEST(WgProgress, HandshakeAdvancingWithinTheWindow) {
  Feeder f;
  f.feed(0s, sample(0, 0, kEpoch));
  auto p = f.feed(10s, sample(10, 10, kEpoch + 9));
  EXPECT_TRUE(p.handshake_advancing);
  EXPECT_EQ(*p.handshake_age, 1s);
  EXPECT_TRUE(f.feed(190s, sample(10, 10, kEpoch + 9)).handshake_advancing);
  EXPECT_FALSE(f.feed(190001ms, sample(10, 10, kEpoch + 9)).handshake_advancing);
  // A new handshake after the wall clock was stepped back looks older, but is new.
  EXPECT_TRUE(f.feed(200s, sample(10, 10, kEpoch - 500)).handshake_advancing);
  // Going to "never" (peer reset) is no handshake.
  ProgressTracker fresh;
  fresh.observe(sample(10, 10, kEpoch), at(0s), wall_at(0s));
  EXPECT_FALSE(fresh.observe(sample(0, 0, 0), at(1s), wall_at(1s)).handshake_advancing);
}

TEST(WgProgress, FirstSampleIsABaselineOnly) {
  Feeder f;
  const auto p = f.feed(0s, sample(0, 1'000'000, kEpoch));
  EXPECT_TRUE(p.first_sample);
  EXPECT_FALSE(p.handshake_advancing);
  EXPECT_FALSE(p.idle);
  EXPECT_FALSE(p.rx_stalled);
  EXPECT_EQ(p.unanswered_tx_bytes, 0U);
}

TEST(WgProgress, HandshakeAgeIsWallClockAndNeverNegative) {
  ProgressTracker t;
  auto p = t.observe(sample(0, 0, kEpoch + 100), at(0s), wall_at(0s));  // skewed: in the future
  EXPECT_EQ(*p.handshake_age, 0ms);
  PeerStats s = sample(0, 0, kEpoch - 2);
  s.last_handshake.nanoseconds = 500'000'000;
  p = t.observe(s, at(1s), wall_at(0s));
  EXPECT_EQ(*p.handshake_age, 1500ms);
  s.last_handshake = {INT64_MAX, 0};  // nonsense from a broken peer: no overflow
  EXPECT_EQ(*t.observe(s, at(2s), wall_at(0s)).handshake_age, 0ms);
}

TEST(WgProgress, OutOfOrderSampleTimesDoNotRunTheClockBackwards) {
  Feeder f;
  f.feed(10s, sample(0, 0));
  f.feed(11s, sample(0, 1000));
  const auto p = f.feed(5s, sample(0, 2000));  // earlier than the previous sample
  EXPECT_EQ(p.unanswered_for, 0ms);
  EXPECT_TRUE(f.feed(26s, sample(0, 2000)).rx_stalled);
}

TEST(WgProgress, DeviceObservationForgetsPeersThatLeft) {
  ProgressTracker t;
  DeviceStats d{.ifname = "wg0", .peers = {sample(0, 0, kEpoch, 1), sample(0, 0, kEpoch, 2)}};
  EXPECT_EQ(t.observe(d, at(0s), wall_at(0s)).size(), 2U);
  EXPECT_EQ(t.tracked(), 2U);
  d.peers.pop_back();
  t.observe(d, at(1s), wall_at(1s));
  EXPECT_EQ(t.tracked(), 1U);
  d.peers.push_back(sample(0, 5000, kEpoch, 2));
  const auto out = t.observe(d, at(2s), wall_at(2s));
  ASSERT_EQ(out.size(), 2U);
  EXPECT_TRUE(out[1].first_sample);  // back: tracking starts afresh
  EXPECT_EQ(out[1].public_key, key(2));
  EXPECT_FALSE(out[0].first_sample);
}

TEST(WgProgress, ConfigurableThresholds) {
  Feeder f{ProgressTracker(ProgressConfig{.stall_time = 2s, .stall_tx_bytes = 0})};
  f.feed(0s, sample(0, 0));
  f.feed(1s, sample(0, 1));
  EXPECT_FALSE(f.feed(2s, sample(0, 1)).rx_stalled);
  EXPECT_TRUE(f.feed(3s, sample(0, 1)).rx_stalled);
}

}  // namespace
}  // namespace wgfo::wg

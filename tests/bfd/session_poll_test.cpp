// One Session driven by hand: the §6.5 Poll Sequence and the §6.8.3 rules for timer changes (which
// direction waits for the Final, one Poll at a time, slow start on leaving Up), §6.8.12 detect mult
// changes, and configuration clamping.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "tests/bfd/session_fixture.hpp"

namespace wgfo::bfd {
namespace {

using namespace std::chrono_literals;
using namespace session_fixture;
using SessionPollTest = SessionTest;

// ---- §6.5 / §6.8.3 Poll and Final ----

TEST_F(SessionPollTest, PollAnsweredWithFinalInEveryState) {
  for (State st : {State::Down, State::Init, State::Up}) {
    SCOPED_TRACE(to_string(st));
    FakeRandom r{3};
    Session s{kLocal, fast(), kT0, r};
    if (st == State::Init) s.on_packet(peer(State::Down, 0), kT0);
    if (st == State::Up) s.on_packet(peer(State::Init), kT0);
    ASSERT_EQ(s.state(), st);
    // A received state that leaves ours unchanged, so the reply is only the Final.
    const State rx = st == State::Up ? State::Up : (st == State::Init ? State::Down : State::AdminDown);
    ControlPacket p = peer(rx, kLocal);
    p.poll = true;
    const Actions a = s.on_packet(p, kT0 + 1ms);
    EXPECT_FALSE(a.state_change);
    EXPECT_EQ(s.state(), st);
    ASSERT_TRUE(a.transmit);
    EXPECT_TRUE(a.transmit->final);
    EXPECT_FALSE(a.transmit->poll);
    EXPECT_EQ(s.counters().finals_sent, 1u);
  }
}

TEST_F(SessionPollTest, GoingUpStartsPollTowardsConfiguredValues) {
  const Actions a = receive(State::Init);
  ASSERT_EQ(s_.state(), State::Up);
  EXPECT_TRUE(s_.poll_active());
  EXPECT_EQ(s_.counters().polls_started, 1u);
  ASSERT_TRUE(a.transmit);
  EXPECT_TRUE(a.transmit->poll);
  EXPECT_EQ(a.transmit->desired_min_tx_us, 50'000u);
  // A decrease of Desired Min TX applies at once: tx interval = max(50 ms, remote 50 ms).
  EXPECT_EQ(s_.tx_interval(), Micros{50ms});
  // Periodic packets carry P until the Final.
  Actions b = fire();
  ASSERT_TRUE(b.transmit);
  EXPECT_TRUE(b.transmit->poll);
  ControlPacket f = peer(State::Up);
  f.final = true;
  s_.on_packet(f, now_ + 1ms);
  EXPECT_FALSE(s_.poll_active());
  b = fire();
  ASSERT_TRUE(b.transmit);
  EXPECT_FALSE(b.transmit->poll);
}

TEST_F(SessionPollTest, StateChangeWithPollSendsOneFinalWithNewState) {
  ControlPacket p = peer(State::Init);
  p.poll = true;
  const Actions a = s_.on_packet(p, now_);
  expect_change(a, State::Down, State::Up, Diag::None);
  EXPECT_TRUE(a.transmit->final);
  EXPECT_FALSE(a.transmit->poll);  // our own Poll waits for the next periodic packet
  EXPECT_TRUE(s_.poll_active());
}

class PollRulesTest : public SessionTest {
 protected:
  // Up with the initial Poll finished, 50 ms both ways.
  void SetUp() override {
    enter(State::Up);
    final_reply();
    ASSERT_FALSE(s_.poll_active());
    ASSERT_EQ(s_.tx_interval(), Micros{50ms});
  }
  void final_reply() {
    ControlPacket f = peer(State::Up);
    f.desired_min_tx_us = 50'000;
    f.final = true;
    now_ += 1ms;
    s_.on_packet(f, now_);
  }
};

TEST_F(PollRulesTest, IncreaseOfDesiredMinTxWaitsForFinal) {
  s_.set_config(SessionConfig{Micros{200ms}, Micros{50ms}, 3}, now_);
  EXPECT_TRUE(s_.poll_active());
  EXPECT_EQ(s_.tx_interval(), Micros{50ms});
  const Actions a = fire();
  ASSERT_TRUE(a.transmit);
  EXPECT_TRUE(a.transmit->poll);
  EXPECT_EQ(a.transmit->desired_min_tx_us, 200'000u);
  final_reply();
  EXPECT_FALSE(s_.poll_active());
  EXPECT_EQ(s_.tx_interval(), Micros{200ms});
}

TEST_F(PollRulesTest, DecreaseOfRequiredMinRxWaitsForFinal) {
  // The peer may send faster than we require; our Required Min RX then sets the Detection Time.
  ControlPacket fast_peer = peer(State::Up);
  fast_peer.desired_min_tx_us = 10'000;
  s_.on_packet(fast_peer, now_);
  ASSERT_EQ(s_.detection_time(), Micros{150ms});  // 3 x max(50 ms, 10 ms)
  s_.set_config(SessionConfig{Micros{50ms}, Micros{20ms}, 3}, now_);
  EXPECT_TRUE(s_.poll_active());
  const Actions a = fire();
  ASSERT_TRUE(a.transmit);
  EXPECT_EQ(a.transmit->required_min_rx_us, 20'000u);  // advertised at once
  EXPECT_EQ(s_.detection_time(), Micros{150ms});       // old 50 ms still protects detection
  fast_peer.final = true;
  s_.on_packet(fast_peer, now_);
  EXPECT_FALSE(s_.poll_active());
  EXPECT_EQ(s_.detection_time(), Micros{60ms});  // 3 x max(20 ms, 10 ms)
}

TEST_F(PollRulesTest, OppositeChangesApplyAtOnce) {
  s_.set_config(SessionConfig{Micros{20ms}, Micros{100ms}, 3}, now_);
  EXPECT_TRUE(s_.poll_active());
  EXPECT_EQ(s_.tx_interval(), Micros{50ms});  // max(20 ms, remote min rx 50 ms)
  EXPECT_EQ(s_.rx_interval(), Micros{100ms});
  EXPECT_EQ(s_.detection_time(), Micros{300ms});
}

TEST_F(PollRulesTest, ChangeDuringPollRepollsAfterFinal) {
  s_.set_config(SessionConfig{Micros{100ms}, Micros{50ms}, 3}, now_);
  ASSERT_TRUE(s_.poll_active());
  s_.set_config(SessionConfig{Micros{300ms}, Micros{50ms}, 3}, now_);
  EXPECT_EQ(s_.counters().polls_started, 2u);  // initial Up poll + the first change
  Actions a = fire();
  ASSERT_TRUE(a.transmit);
  EXPECT_EQ(a.transmit->desired_min_tx_us, 100'000u);  // still the first Poll's value
  final_reply();
  EXPECT_TRUE(s_.poll_active());  // re-polled
  EXPECT_EQ(s_.counters().polls_started, 3u);
  EXPECT_EQ(s_.tx_interval(), Micros{100ms});
  a = fire();
  ASSERT_TRUE(a.transmit);
  EXPECT_TRUE(a.transmit->poll);
  EXPECT_EQ(a.transmit->desired_min_tx_us, 300'000u);
  final_reply();
  EXPECT_FALSE(s_.poll_active());
  EXPECT_EQ(s_.tx_interval(), Micros{300ms});
}

TEST_F(PollRulesTest, DetectMultChangeNeedsNoPoll) {
  s_.set_config(SessionConfig{Micros{50ms}, Micros{50ms}, 5}, now_);
  EXPECT_FALSE(s_.poll_active());
  const Actions a = fire();
  ASSERT_TRUE(a.transmit);
  EXPECT_EQ(a.transmit->detect_mult, 5);
  EXPECT_FALSE(a.transmit->poll);
}

TEST_F(PollRulesTest, PeerLoweredRequiredMinRxHonouredAtOnce) {
  s_.set_config(SessionConfig{Micros{10ms}, Micros{50ms}, 3}, now_);  // we want 10 ms
  final_reply();
  EXPECT_EQ(s_.tx_interval(), Micros{50ms});  // remote min rx 50 ms limits us
  const TimePoint before = s_.next_deadline();
  ControlPacket p = peer(State::Up);
  p.required_min_rx_us = 10'000;
  s_.on_packet(p, now_);
  EXPECT_EQ(s_.tx_interval(), Micros{10ms});
  EXPECT_LE(s_.next_deadline(), std::max(now_, before));
  EXPECT_LE(s_.next_deadline(), now_ + 10ms);
}

TEST_F(PollRulesTest, FinalWithoutPollIsIgnored) {
  const auto polls = s_.counters().polls_started;
  final_reply();
  EXPECT_FALSE(s_.poll_active());
  EXPECT_EQ(s_.counters().polls_started, polls);
}

TEST_F(PollRulesTest, LeavingUpEndsPollAndSlowsDown) {
  s_.set_config(SessionConfig{Micros{200ms}, Micros{50ms}, 3}, now_);
  ASSERT_TRUE(s_.poll_active());
  const Actions a = receive(State::Down);
  ASSERT_EQ(s_.state(), State::Down);
  EXPECT_FALSE(s_.poll_active());
  ASSERT_TRUE(a.transmit);
  EXPECT_FALSE(a.transmit->poll);
  EXPECT_EQ(a.transmit->desired_min_tx_us, 1'000'000u);
  EXPECT_EQ(s_.tx_interval(), Micros{1s});
}

TEST_F(PollRulesTest, LeavingUpDuringPollAppliesPendingIncrease) {
  // Found by the fuzzer: an increase waiting for its Final must not be lost when the session goes
  // Down with the advertised value already equal to the slow-start one.
  s_.set_config(SessionConfig{Micros{2s}, Micros{50ms}, 3}, now_);
  ASSERT_TRUE(s_.poll_active());
  ASSERT_EQ(s_.tx_interval(), Micros{50ms});
  receive(State::Down);
  ASSERT_EQ(s_.state(), State::Down);
  EXPECT_EQ(s_.tx_interval(), Micros{2s});
}

TEST(SessionConfigTest, OutOfRangeValuesAreClamped) {
  FakeRandom r{1};
  Session s{kLocal, SessionConfig{Micros{0}, Micros{-5}, 0}, kT0, r};
  EXPECT_EQ(s.config().desired_min_tx, Micros{1});
  EXPECT_EQ(s.config().required_min_rx, Micros{0});
  EXPECT_EQ(s.config().detect_mult, 1);
}

}  // namespace
}  // namespace wgfo::bfd

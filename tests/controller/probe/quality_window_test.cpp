// QualityWindow with a fake clock: loss, timeouts, late replies, duplicates, wrap-around, the RTT
// statistics and jitter.
#include "controller/probe/quality_window.hpp"

#include <gtest/gtest.h>

namespace wgfo::probe {
namespace {

using namespace std::chrono_literals;

const TimePoint t0 = TimePoint{} + 1h;
TimePoint at(Duration d) {
  return t0 + d;
}

// Sends probe `seq` at `sent` and answers it after `rtt`.
void answered(QualityWindow& w, std::uint32_t seq, Duration sent, Duration rtt) {
  w.on_sent(seq, at(sent));
  ASSERT_EQ(w.on_reply(seq, at(sent), at(sent + rtt)).outcome, ReplyOutcome::Accepted);
}

TEST(ProbeWindow, EmptyWindowIsNotValid) {
  const QualityWindow w;
  const QualitySummary s = w.summary(t0);
  EXPECT_FALSE(s.valid());
  EXPECT_EQ(s.probes, 0U);
  EXPECT_EQ(s.loss_percent, 0);
  EXPECT_EQ(s.rtt_median, 0ns);
  EXPECT_EQ(w.next_deadline(), TimePoint::max());
}

TEST(ProbeWindow, RttStatistics) {
  QualityWindow w({20, 1s});
  // Send order 10, 50, 20, 40, 30 ms: sorted 10 20 30 40 50.
  const Duration rtts[] = {10ms, 50ms, 20ms, 40ms, 30ms};
  for (std::uint32_t i = 0; i < 5; ++i) answered(w, i, i * 100ms, rtts[i]);
  const QualitySummary s = w.summary(at(1s));
  EXPECT_TRUE(s.valid());
  EXPECT_EQ(s.probes, 5U);
  EXPECT_EQ(s.samples, 5U);
  EXPECT_EQ(s.lost, 0U);
  EXPECT_EQ(s.pending, 0U);
  EXPECT_EQ(s.loss_percent, 0);
  EXPECT_EQ(s.rtt_median, 30ms);
  EXPECT_EQ(s.rtt_mean, 30ms);
  EXPECT_EQ(s.rtt_p95, 50ms);  // nearest rank: ceil(4.75) = 5th
  EXPECT_EQ(s.rtt_min, 10ms);
  EXPECT_EQ(s.rtt_max, 50ms);
  // |50-10| + |20-50| + |40-20| + |30-40| = 40 + 30 + 20 + 10 = 100 over 4 differences.
  EXPECT_EQ(s.jitter, 25ms);
}

TEST(ProbeWindow, EvenMedianAndP95Rank) {
  QualityWindow w({100, 1s});
  for (std::uint32_t i = 0; i < 4; ++i) answered(w, i, i * 10ms, (i + 1) * 10ms);
  EXPECT_EQ(w.summary(at(2s)).rtt_median, 25ms);

  QualityWindow big({100, 1s});
  for (std::uint32_t i = 0; i < 20; ++i) answered(big, i, i * 10ms, (i + 1) * 1ms);
  const QualitySummary s = big.summary(at(2s));
  EXPECT_EQ(s.rtt_p95, 19ms);  // ceil(0.95 * 20) = 19th of 1..20 ms
  EXPECT_EQ(s.rtt_median, 10500us);
  EXPECT_EQ(s.jitter, 1ms);
}

TEST(ProbeWindow, SingleSampleHasNoJitter) {
  QualityWindow w;
  answered(w, 7, 0ms, 12ms);
  const QualitySummary s = w.summary(at(10ms));
  EXPECT_EQ(s.samples, 1U);
  EXPECT_EQ(s.rtt_median, 12ms);
  EXPECT_EQ(s.rtt_p95, 12ms);
  EXPECT_EQ(s.jitter, 0ms);
}

TEST(ProbeWindow, JitterFollowsSendOrderAndSkipsLostProbes) {
  QualityWindow w({20, 1s});
  w.on_sent(1, at(0ms));
  w.on_sent(2, at(100ms));
  w.on_sent(3, at(200ms));
  w.on_sent(4, at(300ms));
  // Replies out of order; probe 2 never answered.
  EXPECT_EQ(w.on_reply(4, at(300ms), at(340ms)).outcome, ReplyOutcome::Accepted);  // 40
  EXPECT_EQ(w.on_reply(1, at(0ms), at(350ms)).outcome, ReplyOutcome::Accepted);    // 350
  EXPECT_EQ(w.on_reply(3, at(200ms), at(360ms)).outcome, ReplyOutcome::Accepted);  // 160
  const QualitySummary s = w.summary(at(2s));
  EXPECT_EQ(s.lost, 1U);
  // Send order of the answered: 350, 160, 40 -> (190 + 120) / 2.
  EXPECT_EQ(s.jitter, 155ms);
}

TEST(ProbeWindow, HoldTimeIsSubtracted) {
  QualityWindow w;
  w.on_sent(1, at(0ms));
  const ReplyResult r = w.on_reply(1, at(0ms), at(50ms), 20ms);
  EXPECT_EQ(r.outcome, ReplyOutcome::Accepted);
  EXPECT_EQ(r.rtt, 30ms);
  // A hold not below the raw round trip cannot be right: the raw value is used.
  w.on_sent(2, at(100ms));
  EXPECT_EQ(w.on_reply(2, at(100ms), at(150ms), 50ms).rtt, 50ms);
  w.on_sent(3, at(200ms));
  EXPECT_EQ(w.on_reply(3, at(200ms), at(250ms), 2s).rtt, 50ms);
  w.on_sent(4, at(300ms));
  EXPECT_EQ(w.on_reply(4, at(300ms), at(350ms), -1ns).rtt, 50ms);
}

TEST(ProbeWindow, ReceiveBeforeSendGivesZeroRtt) {
  QualityWindow w;
  w.on_sent(1, at(10ms));
  const ReplyResult r = w.on_reply(1, at(10ms), at(9ms));
  EXPECT_EQ(r.outcome, ReplyOutcome::Accepted);
  EXPECT_EQ(r.rtt, 0ns);
}

TEST(ProbeWindow, TimeoutMakesAProbeLostOnce) {
  QualityWindow w({20, 1s});
  w.on_sent(5, at(0ms));
  EXPECT_EQ(w.next_deadline(), at(1s));

  QualitySummary s = w.summary(at(999ms));
  EXPECT_EQ(s.pending, 1U);
  EXPECT_EQ(s.lost, 0U);
  EXPECT_FALSE(s.valid());
  EXPECT_TRUE(w.expire(at(999ms)).empty());

  // summary() judges a probe past its timeout even before expire() runs.
  s = w.summary(at(1s));
  EXPECT_EQ(s.lost, 1U);
  EXPECT_EQ(s.pending, 0U);
  EXPECT_EQ(s.loss_percent, 100);
  EXPECT_EQ(w.counters().lost, 0U);

  EXPECT_EQ(w.expire(at(1s)), std::vector<std::uint32_t>{5});
  EXPECT_TRUE(w.expire(at(5s)).empty());
  EXPECT_EQ(w.counters().lost, 1U);
  EXPECT_EQ(w.next_deadline(), TimePoint::max());
}

TEST(ProbeWindow, LateReplyAfterExpireDoesNotCountTwice) {
  QualityWindow w({20, 1s});
  w.on_sent(1, at(0ms));
  ASSERT_EQ(w.expire(at(1s)).size(), 1U);
  EXPECT_EQ(w.on_reply(1, at(0ms), at(1200ms)).outcome, ReplyOutcome::Late);
  const QualitySummary s = w.summary(at(2s));
  EXPECT_EQ(s.lost, 1U);
  EXPECT_EQ(s.samples, 0U);
  EXPECT_EQ(w.counters().lost, 1U);
  EXPECT_EQ(w.counters().late, 1U);
  EXPECT_EQ(w.counters().answered, 0U);
}

TEST(ProbeWindow, LateReplyIsJudgedByItsReceiveTime) {
  QualityWindow w({20, 1s});
  w.on_sent(1, at(0ms));
  w.on_sent(2, at(100ms));
  // expire() has not run, but the reply arrived after the timeout: lost, and counted once.
  EXPECT_EQ(w.on_reply(1, at(0ms), at(1s)).outcome, ReplyOutcome::Late);
  EXPECT_EQ(w.counters().lost, 1U);
  EXPECT_TRUE(w.expire(at(1050ms)).empty());
  EXPECT_EQ(w.expire(at(1100ms)), std::vector<std::uint32_t>{2});
  EXPECT_EQ(w.counters().lost, 2U);
  // One nanosecond before the deadline still counts.
  w.on_sent(3, at(2s));
  EXPECT_EQ(w.on_reply(3, at(2s), at(3s) - 1ns).outcome, ReplyOutcome::Accepted);
}

TEST(ProbeWindow, DuplicatesUnknownAndMismatchedAreIgnored) {
  QualityWindow w({20, 1s});
  answered(w, 1, 0ms, 10ms);
  EXPECT_EQ(w.on_reply(1, at(0ms), at(20ms)).outcome, ReplyOutcome::Duplicate);
  EXPECT_EQ(w.on_reply(99, at(0ms), at(20ms)).outcome, ReplyOutcome::Unknown);

  w.on_sent(2, at(100ms));
  // A forged echo (wrong timestamp) cannot invent an RTT, and leaves the probe pending.
  EXPECT_EQ(w.on_reply(2, at(90ms), at(110ms)).outcome, ReplyOutcome::Mismatched);
  EXPECT_EQ(w.summary(at(150ms)).pending, 1U);
  EXPECT_EQ(w.on_reply(2, at(100ms), at(130ms)).outcome, ReplyOutcome::Accepted);

  const QualitySummary s = w.summary(at(2s));
  EXPECT_EQ(s.samples, 2U);
  EXPECT_EQ(s.rtt_mean, 20ms);
  const QualityWindow::Counters& c = w.counters();
  EXPECT_EQ(c.sent, 2U);
  EXPECT_EQ(c.answered, 2U);
  EXPECT_EQ(c.duplicate, 1U);
  EXPECT_EQ(c.unknown, 1U);
  EXPECT_EQ(c.mismatched, 1U);
  EXPECT_EQ(c.lost, 0U);
}

TEST(ProbeWindow, SequenceWrapAround) {
  QualityWindow w({4, 1s});
  const std::uint32_t seqs[] = {0xfffffffe, 0xffffffff, 0, 1};
  for (std::size_t i = 0; i < 4; ++i) w.on_sent(seqs[i], at(i * 10ms));
  // Answer in reverse, across the wrap.
  EXPECT_EQ(w.on_reply(1, at(30ms), at(35ms)).outcome, ReplyOutcome::Accepted);
  EXPECT_EQ(w.on_reply(0, at(20ms), at(25ms)).outcome, ReplyOutcome::Accepted);
  EXPECT_EQ(w.on_reply(0xffffffff, at(10ms), at(25ms)).outcome, ReplyOutcome::Accepted);
  EXPECT_EQ(w.expire(at(1s)), std::vector<std::uint32_t>{0xfffffffe});
  const QualitySummary s = w.summary(at(1s));
  EXPECT_EQ(s.samples, 3U);
  EXPECT_EQ(s.lost, 1U);
  EXPECT_EQ(s.loss_percent, 25);
  // Sliding on: 2 replaces 0xfffffffe, which is then unknown.
  w.on_sent(2, at(1100ms));
  EXPECT_EQ(w.on_reply(0xfffffffe, at(0ms), at(1100ms)).outcome, ReplyOutcome::Unknown);
  EXPECT_EQ(w.summary(at(1100ms)).lost, 0U);
}

TEST(ProbeWindow, WindowSlides) {
  QualityWindow w({3, 1s});
  w.on_sent(0, at(0ms));  // lost
  answered(w, 1, 100ms, 10ms);
  answered(w, 2, 200ms, 10ms);
  EXPECT_NEAR(w.summary(at(1500ms)).loss_percent, 100.0 / 3, 1e-9);
  answered(w, 3, 1500ms, 40ms);  // pushes the lost probe out
  QualitySummary s = w.summary(at(1600ms));
  EXPECT_EQ(s.probes, 3U);
  EXPECT_EQ(s.lost, 0U);
  EXPECT_EQ(s.loss_percent, 0);
  EXPECT_EQ(s.rtt_max, 40ms);
  answered(w, 4, 1600ms, 40ms);
  answered(w, 5, 1700ms, 40ms);
  s = w.summary(at(1800ms));
  EXPECT_EQ(s.rtt_min, 40ms);
  EXPECT_EQ(s.jitter, 0ns);
  EXPECT_EQ(w.counters().sent, 6U);
  EXPECT_EQ(w.counters().lost, 1U);
}

TEST(ProbeWindow, PendingProbesAreNeitherLostNorReceived) {
  QualityWindow w({10, 1s});
  answered(w, 1, 0ms, 10ms);
  answered(w, 2, 100ms, 10ms);
  answered(w, 3, 200ms, 10ms);
  w.on_sent(4, at(300ms));   // will be lost
  w.on_sent(5, at(1250ms));  // in flight at 1.3 s
  const QualitySummary s = w.summary(at(1300ms));
  EXPECT_EQ(s.samples, 3U);
  EXPECT_EQ(s.lost, 1U);
  EXPECT_EQ(s.pending, 1U);
  EXPECT_EQ(s.loss_percent, 25);
  EXPECT_EQ(w.next_deadline(), at(1300ms));  // probe 4: not expired yet
}

TEST(ProbeWindow, PendingProbePushedOutCountsAsLost) {
  QualityWindow w({2, 10s});
  w.on_sent(1, at(0ms));
  w.on_sent(2, at(100ms));
  w.on_sent(3, at(200ms));  // window too short for the timeout: probe 1 leaves unjudged
  EXPECT_EQ(w.counters().lost, 1U);
  EXPECT_EQ(w.on_reply(1, at(0ms), at(300ms)).outcome, ReplyOutcome::Unknown);
  EXPECT_EQ(w.next_deadline(), at(10100ms));
}

TEST(ProbeWindow, OnSentJudgesExpiredProbesFirst) {
  QualityWindow w({20, 1s});
  w.on_sent(1, at(0ms));
  w.on_sent(2, at(1s));
  EXPECT_EQ(w.counters().lost, 1U);
  EXPECT_TRUE(w.expire(at(1s)).empty());
}

TEST(ProbeWindow, ConfigValidationAndClamping) {
  EXPECT_EQ(validate(WindowConfig{}), "");
  EXPECT_EQ(validate(WindowConfig{0, 1s}), "window size 0 not in 1..100000");
  EXPECT_EQ(validate(WindowConfig{100001, 1s}), "window size 100001 not in 1..100000");
  EXPECT_EQ(validate(WindowConfig{20, 0s}), "probe timeout must be in (0, 60s]");
  EXPECT_EQ(validate(WindowConfig{20, 61s}), "probe timeout must be in (0, 60s]");
  const QualityWindow w(WindowConfig{0, -5s});
  EXPECT_EQ(w.config().size, 1U);
  EXPECT_EQ(w.config().timeout, 1ns);
  EXPECT_EQ(QualityWindow(WindowConfig{1'000'000, 1h}).config(), (WindowConfig{kMaxWindowSize, kMaxTimeout}));
}

TEST(ProbeWindow, OutcomeNames) {
  EXPECT_EQ(to_string(ReplyOutcome::Accepted), "accepted");
  EXPECT_EQ(to_string(ReplyOutcome::Late), "late");
  EXPECT_EQ(to_string(ReplyOutcome::Duplicate), "duplicate");
  EXPECT_EQ(to_string(ReplyOutcome::Unknown), "unknown");
  EXPECT_EQ(to_string(ReplyOutcome::Mismatched), "mismatched");
}

}  // namespace
}  // namespace wgfo::probe

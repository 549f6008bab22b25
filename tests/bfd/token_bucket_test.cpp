// TokenBucket: the receive budget per source (bfd/io/bfd_service.hpp). Fake time only.

#include <gtest/gtest.h>

#include <chrono>

#include "bfd/token_bucket.hpp"

namespace wgfo::bfd {
namespace {

using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint{} + 100s;

int take_all(TokenBucket& b, TimePoint now) {
  int n = 0;
  while (b.take(now)) ++n;
  return n;
}

TEST(TokenBucketTest, StartsFullThenAllowsTheRate) {
  TokenBucket b{1000, 100};
  EXPECT_EQ(take_all(b, kT0), 100);  // the burst
  EXPECT_FALSE(b.take(kT0));
  EXPECT_EQ(take_all(b, kT0 + 10ms), 10);  // 1000/s for 10 ms
  EXPECT_EQ(take_all(b, kT0 + 10ms + 500us), 0);
  EXPECT_EQ(take_all(b, kT0 + 11ms), 1);
}

TEST(TokenBucketTest, AFloodGetsTheRateAndNoMore) {
  // 10 000 packets/s for 2 s, one every 100 us: 100 from the burst plus 1000/s pass.
  TokenBucket b{1000, 100};
  int passed = 0;
  for (int i = 0; i < 20'000; ++i) passed += b.take(kT0 + Micros{100 * i}) ? 1 : 0;
  EXPECT_GE(passed, 2099);
  EXPECT_LE(passed, 2101);
}

TEST(TokenBucketTest, SubMicrosecondStepsAreNotLost) {
  // Calls 0.5 us apart: each whole microsecond must still be credited once.
  TokenBucket b{1'000'000, 1};
  EXPECT_TRUE(b.take(kT0));
  int passed = 0;
  for (int i = 1; i <= 2000; ++i) passed += b.take(kT0 + std::chrono::nanoseconds{500 * i}) ? 1 : 0;
  EXPECT_EQ(passed, 1000);
}

TEST(TokenBucketTest, IdleTimeRefillsOnlyToTheBurstAndTimeGoingBackAddsNothing) {
  TokenBucket b{1000, 100};
  take_all(b, kT0);
  EXPECT_EQ(take_all(b, kT0 + 24h), 100);
  EXPECT_EQ(take_all(b, kT0), 0);  // earlier than the last call
}

}  // namespace
}  // namespace wgfo::bfd

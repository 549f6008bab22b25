// TimerQueue: the lazy deadline heap behind the BFD thread (bfd/timer_queue.hpp).
#include "bfd/timer_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wgfo::bfd {
namespace {

using std::chrono::milliseconds;
const TimePoint t0{};

std::vector<int> expire(TimerQueue<int>& q, TimePoint now) {
  std::vector<int> out;
  q.expire(now, [&](int id) { out.push_back(id); });
  return out;
}

TEST(TimerQueue, HandsOutDueIdsEarliestFirst) {
  TimerQueue<int> q;
  q.schedule(1, t0 + milliseconds(30));
  q.schedule(2, t0 + milliseconds(10));
  q.schedule(3, t0 + milliseconds(20));
  EXPECT_EQ(q.next(), t0 + milliseconds(10));
  EXPECT_EQ(expire(q, t0 + milliseconds(25)), (std::vector<int>{2, 3}));
  EXPECT_EQ(q.next(), t0 + milliseconds(30));
  EXPECT_EQ(expire(q, t0 + milliseconds(29)), std::vector<int>{});
  EXPECT_EQ(expire(q, t0 + milliseconds(30)), std::vector<int>{1});
  EXPECT_FALSE(q.next().has_value());
}

TEST(TimerQueue, LaterDeadlineKeepsTheEarlierEntry) {
  // A received packet moves detection later: no heap work, the early entry fires and the owner
  // re-schedules.
  TimerQueue<int> q;
  q.schedule(1, t0 + milliseconds(10));
  q.schedule(1, t0 + milliseconds(50));
  EXPECT_EQ(q.heap_size(), 1U);
  EXPECT_EQ(q.next(), t0 + milliseconds(10));
  EXPECT_EQ(expire(q, t0 + milliseconds(10)), std::vector<int>{1});
}

TEST(TimerQueue, EarlierDeadlineWinsAndTheOldEntryIsStale) {
  TimerQueue<int> q;
  q.schedule(1, t0 + milliseconds(50));
  q.schedule(1, t0 + milliseconds(10));
  EXPECT_EQ(expire(q, t0 + milliseconds(10)), std::vector<int>{1});
  // The 50 ms entry is stale: nothing fires when its time comes.
  EXPECT_EQ(expire(q, t0 + milliseconds(60)), std::vector<int>{});
  EXPECT_EQ(q.heap_size(), 0U);
}

TEST(TimerQueue, CancelledIdNeverFires) {
  TimerQueue<int> q;
  q.schedule(1, t0 + milliseconds(10));
  q.schedule(2, t0 + milliseconds(10));
  q.cancel(1);
  EXPECT_EQ(expire(q, t0 + milliseconds(10)), std::vector<int>{2});
  EXPECT_EQ(q.size(), 0U);
}

TEST(TimerQueue, RescheduleInsideExpireWaitsForTheNextCall) {
  // An owner whose deadline does not move forward must not trap expire() in a loop.
  TimerQueue<int> q;
  q.schedule(1, t0 + milliseconds(10));
  int calls = 0;
  q.expire(t0 + milliseconds(10), [&](int id) {
    ++calls;
    q.schedule(id, t0 + milliseconds(5));  // already due
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(q.next(), t0 + milliseconds(5));
  EXPECT_EQ(expire(q, t0 + milliseconds(10)), std::vector<int>{1});
}

TEST(TimerQueue, HeapStaysBoundedUnderChurn) {
  // Many sessions, each re-armed every tick with a later deadline: entries do not pile up.
  TimerQueue<int> q;
  constexpr int kSessions = 1000;
  for (int id = 0; id < kSessions; ++id) q.schedule(id, t0 + milliseconds(id % 50));
  for (int tick = 0; tick < 500; ++tick) {
    const TimePoint now = t0 + milliseconds(tick);
    q.expire(now, [&](int id) { q.schedule(id, now + milliseconds(50)); });
    for (int id = tick % 7; id < kSessions; id += 7) q.schedule(id, now + milliseconds(150));
  }
  EXPECT_EQ(q.size(), static_cast<std::size_t>(kSessions));
  EXPECT_LE(q.heap_size(), 2U * kSessions);
}

}  // namespace
}  // namespace wgfo::bfd

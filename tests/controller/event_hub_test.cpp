// EventHub: what WatchEvents streams get from the core, without sockets. Waits use a zero timeout
// where nothing is expected, so the test never sleeps.
#include "controller/api/event_hub.hpp"

#include <gtest/gtest.h>

namespace wgfo::api {
namespace {

using namespace std::chrono_literals;
using Next = EventHub::Subscription::Next;

TunnelEvent event(std::string tunnel, std::string cause) {
  return TunnelEvent{std::chrono::system_clock::time_point{}, std::move(tunnel), TunnelState::Up,
                     TunnelState::Down, std::move(cause)};
}

TEST(EventHub, DeliversInOrderToEverySubscriber) {
  EventHub hub;
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  hub.publish(event("primary", "one"));
  hub.publish(event("backup", "two"));
  for (auto* s : {&a, &b}) {
    TunnelEvent e;
    ASSERT_EQ((*s)->next(e, 0ms), Next::Event);
    EXPECT_EQ(e.cause, "one");
    ASSERT_EQ((*s)->next(e, 0ms), Next::Event);
    EXPECT_EQ(e.cause, "two");
    EXPECT_EQ((*s)->next(e, 0ms), Next::Timeout);
  }
}

TEST(EventHub, FiltersByTunnel) {
  EventHub hub;
  auto s = hub.subscribe("backup");
  hub.publish(event("primary", "one"));
  hub.publish(event("backup", "two"));
  TunnelEvent e;
  ASSERT_EQ(s->next(e, 0ms), Next::Event);
  EXPECT_EQ(e.cause, "two");
  EXPECT_EQ(s->next(e, 0ms), Next::Timeout);
}

TEST(EventHub, ASlowSubscriberIsClosedNotTheCoreBlockedAndOthersKeepGoing) {
  EventHub hub;
  auto slow = hub.subscribe();
  auto fast = hub.subscribe();
  TunnelEvent e;
  for (std::size_t i = 0; i <= EventHub::kQueueLimit; ++i) {
    hub.publish(event("primary", std::to_string(i)));
    ASSERT_EQ(fast->next(e, 0ms), Next::Event);
  }
  EXPECT_EQ(hub.subscribers(), 1U);
  // What was queued is still delivered, then the reason.
  for (std::size_t i = 0; i < EventHub::kQueueLimit; ++i) ASSERT_EQ(slow->next(e, 0ms), Next::Event);
  EXPECT_EQ(slow->next(e, 0ms), Next::Closed);
  EXPECT_TRUE(slow->overflowed());
  EXPECT_NE(slow->close_reason().find("events behind"), std::string::npos) << slow->close_reason();
}

TEST(EventHub, CloseAllEndsStreamsAndLaterSubscriptions) {
  EventHub hub;
  auto s = hub.subscribe();
  hub.close_all("wg-failoverd is stopping");
  TunnelEvent e;
  EXPECT_EQ(s->next(e, 0ms), Next::Closed);
  EXPECT_FALSE(s->overflowed());
  EXPECT_EQ(s->close_reason(), "wg-failoverd is stopping");
  auto late = hub.subscribe();
  EXPECT_EQ(late->next(e, 0ms), Next::Closed);
  hub.publish(event("primary", "after"));  // nobody left; must not crash
  EXPECT_EQ(hub.subscribers(), 0U);
}

TEST(EventHub, UnsubscribeStopsDelivery) {
  EventHub hub;
  auto s = hub.subscribe();
  hub.unsubscribe(s);
  hub.publish(event("primary", "one"));
  TunnelEvent e;
  EXPECT_EQ(s->next(e, 0ms), Next::Timeout);
  EXPECT_EQ(hub.subscribers(), 0U);
}

}  // namespace
}  // namespace wgfo::api

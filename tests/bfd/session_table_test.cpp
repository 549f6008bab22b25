// SessionTable: discriminator allocation (RFC 5880 §6.8.1) and §6.8.6 / RFC 5881 §3 demultiplexing.

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <unordered_set>

#include "bfd/session_table.hpp"
#include "tests/support/fake_random.hpp"

namespace wgfo::bfd {
namespace {

using namespace std::chrono_literals;
using testsupport::FakeRandom;

const TimePoint kT0 = TimePoint{} + 100s;

SessionKey v4(std::uint8_t last, std::uint32_t ifindex) {
  SessionKey k;
  k.family = 4;
  k.peer[0] = 10;
  k.peer[3] = last;
  k.ifindex = ifindex;
  return k;
}

ControlPacket packet(State state, Discriminator your) {
  ControlPacket p;
  p.state = state;
  p.detect_mult = 3;
  p.my_discr = 0x1234;
  p.your_discr = your;
  p.desired_min_tx_us = 1'000'000;
  p.required_min_rx_us = 1'000'000;
  return p;
}

TEST(SessionTableTest, AddFindRemove) {
  FakeRandom random{1};
  SessionTable table{random};
  Session* s = table.add(v4(1, 7), SessionConfig{}, kT0);
  ASSERT_NE(s, nullptr);
  EXPECT_NE(s->local_discr(), 0u);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.find(s->local_discr()), s);
  EXPECT_EQ(table.find(v4(1, 7)), s);
  ASSERT_NE(table.key_of(s->local_discr()), nullptr);
  EXPECT_EQ(*table.key_of(s->local_discr()), v4(1, 7));
  EXPECT_EQ(table.find(v4(1, 8)), nullptr);  // same address, other interface

  EXPECT_EQ(table.add(v4(1, 7), SessionConfig{}, kT0), nullptr) << "one session per key";
  EXPECT_EQ(table.size(), 1u);

  const Discriminator d = s->local_discr();
  table.remove(d);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.find(d), nullptr);
  EXPECT_EQ(table.find(v4(1, 7)), nullptr);
  EXPECT_EQ(table.key_of(d), nullptr);
  table.remove(d);  // harmless
  EXPECT_NE(table.add(v4(1, 7), SessionConfig{}, kT0), nullptr) << "key free again";
}

TEST(SessionTableTest, DiscriminatorSkipsZeroAndCollisions) {
  FakeRandom random{1};
  SessionTable table{random};
  random.push({0, 0x42});  // zero is never used (§6.8.1: nonzero)
  Session* first = table.add(v4(1, 1), SessionConfig{}, kT0);
  EXPECT_EQ(first->local_discr(), 0x42u);
  random.push({0x42, 0, 0x43});  // collision, zero, then a free value
  Session* second = table.add(v4(2, 1), SessionConfig{}, kT0);
  EXPECT_EQ(second->local_discr(), 0x43u);
}

TEST(SessionTableTest, BrokenRandomSourceStillTerminates) {
  class Constant : public RandomSource {
   public:
    std::uint32_t next() override { return 5; }
  };
  Constant random;
  SessionTable table{random};
  std::set<Discriminator> seen;
  for (std::uint8_t i = 1; i <= 10; ++i) {
    Session* s = table.add(v4(i, 1), SessionConfig{}, kT0);
    ASSERT_NE(s, nullptr);
    EXPECT_NE(s->local_discr(), 0u);
    EXPECT_TRUE(seen.insert(s->local_discr()).second);
  }
}

TEST(SessionTableTest, ManyDiscriminatorsUniqueAndNonZero) {
  FakeRandom random{77};
  SessionTable table{random};
  std::unordered_set<Discriminator> seen;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    SessionKey k = v4(0, i);
    Session* s = table.add(k, SessionConfig{}, kT0);
    ASSERT_NE(s, nullptr);
    EXPECT_NE(s->local_discr(), 0u);
    EXPECT_TRUE(seen.insert(s->local_discr()).second);
  }
  EXPECT_EQ(table.size(), 5000u);
}

TEST(SessionTableTest, DemuxByYourDiscriminator) {
  FakeRandom random{1};
  SessionTable table{random};
  Session* s = table.add(v4(1, 7), SessionConfig{}, kT0);
  table.add(v4(2, 7), SessionConfig{}, kT0);
  const DemuxResult r = table.demux(packet(State::Up, s->local_discr()), v4(1, 7));
  EXPECT_EQ(r.error, DemuxError::None);
  EXPECT_EQ(r.session, s);
}

TEST(SessionTableTest, DemuxUnknownYourDiscriminator) {
  FakeRandom random{1};
  SessionTable table{random};
  Session* s = table.add(v4(1, 7), SessionConfig{}, kT0);
  const DemuxResult r = table.demux(packet(State::Up, s->local_discr() + 1), v4(1, 7));
  EXPECT_EQ(r.error, DemuxError::UnknownYourDiscriminator);
  EXPECT_EQ(r.session, nullptr);
}

TEST(SessionTableTest, DemuxWrongSource) {
  FakeRandom random{1};
  SessionTable table{random};
  Session* s = table.add(v4(1, 7), SessionConfig{}, kT0);
  for (const SessionKey& from : {v4(2, 7), v4(1, 8)}) {
    const DemuxResult r = table.demux(packet(State::Up, s->local_discr()), from);
    EXPECT_EQ(r.error, DemuxError::WrongSource);
    EXPECT_EQ(r.session, nullptr);
  }
  SessionKey v6 = v4(1, 7);
  v6.family = 6;
  EXPECT_EQ(table.demux(packet(State::Up, s->local_discr()), v6).error, DemuxError::WrongSource);
}

TEST(SessionTableTest, DemuxByPeerWhenYourDiscriminatorZero) {
  FakeRandom random{1};
  SessionTable table{random};
  Session* s = table.add(v4(1, 7), SessionConfig{}, kT0);
  for (State st : {State::Down, State::AdminDown}) {
    const DemuxResult r = table.demux(packet(st, 0), v4(1, 7));
    EXPECT_EQ(r.error, DemuxError::None);
    EXPECT_EQ(r.session, s);
  }
  const DemuxResult miss = table.demux(packet(State::Down, 0), v4(1, 9));
  EXPECT_EQ(miss.error, DemuxError::UnknownPeer);
  EXPECT_EQ(miss.session, nullptr);
}

TEST(SessionTableTest, ForEachVisitsEverySession) {
  FakeRandom random{1};
  SessionTable table{random};
  for (std::uint8_t i = 1; i <= 5; ++i) table.add(v4(i, 1), SessionConfig{}, kT0);
  std::set<std::uint8_t> visited;
  table.for_each([&](const SessionKey& k, Session& s) {
    visited.insert(k.peer[3]);
    EXPECT_EQ(table.find(k), &s);
  });
  EXPECT_EQ(visited, (std::set<std::uint8_t>{1, 2, 3, 4, 5}));
}

TEST(SessionTableTest, SessionKeyHashSeparatesFields) {
  const SessionKeyHash h;
  EXPECT_EQ(h(v4(1, 7)), h(v4(1, 7)));
  EXPECT_NE(h(v4(1, 7)), h(v4(2, 7)));
  EXPECT_NE(h(v4(1, 7)), h(v4(1, 8)));
  SessionKey v6 = v4(1, 7);
  v6.family = 6;
  EXPECT_NE(h(v4(1, 7)), h(v6));
}

// Several sessions to one peer on one interface, told apart by the local address (FRR keys its
// sessions the same way; the scale benchmark runs thousands of them on one veth).
TEST(SessionTableTest, LocalAddressSeparatesSessionsToOnePeer) {
  FakeRandom random;
  SessionTable table(random);
  SessionKey a = v4(1, 7);
  SessionKey b = v4(1, 7);
  a.local = {10, 0, 0, 100};
  b.local = {10, 0, 0, 101};
  Session* sa = table.add(a, SessionConfig{}, kT0);
  Session* sb = table.add(b, SessionConfig{}, kT0);
  ASSERT_NE(sa, nullptr);
  ASSERT_NE(sb, nullptr);
  EXPECT_NE(sa, sb);
  EXPECT_EQ(table.demux(packet(State::Down, 0), b).session, sb);
  // A packet naming a's discriminator but sent to b's local address is not a's.
  EXPECT_EQ(table.demux(packet(State::Up, sa->local_discr()), b).error, DemuxError::WrongSource);
  SessionKey other = a;
  other.local = {10, 0, 0, 102};
  EXPECT_EQ(table.demux(packet(State::Down, 0), other).error, DemuxError::UnknownPeer);
  EXPECT_NE(SessionKeyHash{}(a), SessionKeyHash{}(b));
}

TEST(SessionTableTest, DemuxErrorNames) {
  EXPECT_EQ(to_string(DemuxError::None), "ok");
  EXPECT_NE(to_string(DemuxError::UnknownYourDiscriminator), to_string(DemuxError::UnknownPeer));
  EXPECT_NE(to_string(DemuxError::WrongSource), to_string(DemuxError::UnknownPeer));
}

}  // namespace
}  // namespace wgfo::bfd

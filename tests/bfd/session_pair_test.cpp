// Two Sessions back to back in memory with a fake clock and a small event loop: every transmitted
// packet is serialized, "sent" over a link with a fixed latency, parsed and delivered to the other
// side; on_timer() is called exactly at next_deadline(). Received packets are handed in before timers
// due at the same instant, like the I/O layer does (drain RX first).

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <vector>

#include "bfd/packet.hpp"
#include "bfd/session.hpp"
#include "tests/support/fake_random.hpp"

namespace wgfo::bfd {
namespace {

using namespace std::chrono_literals;
using testsupport::FakeRandom;

const TimePoint kT0 = TimePoint{} + 5000s;
constexpr int kA = 0;
constexpr int kB = 1;

SessionConfig fast() {
  return SessionConfig{Micros{50ms}, Micros{50ms}, 3};
}

struct Sent {
  TimePoint at;
  int from;
  ControlPacket packet;
};

struct Received {
  TimePoint at;
  int to;
  ControlPacket packet;
};

struct Event {
  TimePoint at;
  int who;
  StateChange change;
};

class Pair {
 public:
  // `phase_a`/`phase_b` script the first draw of each session: the random phase of its first packet.
  Pair(SessionConfig a, SessionConfig b, std::uint32_t phase_a = 0, std::uint32_t phase_b = 0x80000000)
      : random_(Pair::seeded(phase_a, phase_b)),
        a_(0xaaaa0001, a, kT0, random_),
        b_(0xbbbb0002, b, kT0, random_) {}

  Session& at(int who) { return who == kA ? a_ : b_; }
  Session& a() { return a_; }
  Session& b() { return b_; }
  TimePoint now() const { return now_; }

  // false: packets sent from `from` from now on are lost.
  void set_delivery(int from, bool on) { deliver_[static_cast<std::size_t>(from)] = on; }

  void handle(int who, const Actions& act) {
    if (act.state_change) events.push_back({now_, who, *act.state_change});
    if (!act.transmit) return;
    const ControlPacket& p = *act.transmit;
    EXPECT_FALSE(p.poll && p.final) << "§6.5: never P and F together";
    std::array<std::uint8_t, kMaxPacketLength> buf{};
    const std::size_t n = serialize(p, buf);
    ASSERT_GT(n, 0u);
    const ParseResult r = parse(std::span<const std::uint8_t>(buf.data(), n));
    ASSERT_TRUE(r) << to_string(r.error);
    EXPECT_EQ(r.packet, p);
    sent.push_back({now_, who, p});
    if (deliver_[static_cast<std::size_t>(who)]) {
      in_flight_.push_back(
          {now_ + latency_, 1 - who, r.packet, std::vector<std::uint8_t>(buf.begin(), buf.begin() + n)});
    }
  }

  // Processes every event due at or before `end`, then leaves the clock at `end`.
  void run_until(TimePoint end) {
    run_while(end, [] { return true; });
  }

  // Runs until `done()` holds after some event, or `limit`; returns whether `done()` held.
  bool run_until(TimePoint limit, const std::function<bool()>& done) {
    bool reached = false;
    run_while(limit, [&] {
      reached = done();
      return !reached;
    });
    return reached;
  }

  bool both_up() { return a_.state() == State::Up && b_.state() == State::Up; }

  // Applies an operator action to one side at the current time.
  void apply(int who, const Actions& act) { handle(who, act); }

  std::vector<Sent> sent;
  std::vector<Received> received;
  std::vector<Event> events;
  std::array<TimePoint, 2> last_rx{};

 private:
  static FakeRandom seeded(std::uint32_t phase_a, std::uint32_t phase_b) {
    FakeRandom r{2024};
    r.push({phase_a, phase_b});
    return r;
  }

  TimePoint next_event() {
    TimePoint t = std::min(a_.next_deadline(), b_.next_deadline());
    if (!in_flight_.empty()) t = std::min(t, in_flight_.front().at);
    return t;
  }

  void run_while(TimePoint end, const std::function<bool()>& keep_going) {
    for (;;) {
      const TimePoint t = next_event();
      if (t > end) break;
      now_ = t;
      while (!in_flight_.empty() && in_flight_.front().at <= now_) {
        const InFlight w = in_flight_.front();
        in_flight_.pop_front();
        received.push_back({now_, w.to, w.packet});
        last_rx[static_cast<std::size_t>(w.to)] = now_;
        handle(w.to, at(w.to).on_packet(w.packet, now_, w.wire));
      }
      for (int who : {kA, kB}) {
        if (at(who).next_deadline() > now_) continue;
        handle(who, at(who).on_timer(now_));
        if (at(who).next_deadline() <= now_) {
          ADD_FAILURE() << "on_timer() at its deadline left it due: no progress";
          return;
        }
      }
      if (!keep_going()) return;
    }
    now_ = end;
  }

  struct InFlight {
    TimePoint at;
    int to;
    ControlPacket packet;
    std::vector<std::uint8_t> wire;  // as serialized: authentication verifies these bytes
  };

  FakeRandom random_;
  Session a_;
  Session b_;
  TimePoint now_ = kT0;
  Duration latency_ = 1ms;
  std::array<bool, 2> deliver_{true, true};
  std::deque<InFlight> in_flight_;
};

// Brings a fresh pair Up and lets the Poll Sequences finish.
void bring_up(Pair& pair) {
  ASSERT_TRUE(pair.run_until(kT0 + 5s, [&] { return pair.both_up(); }));
  pair.run_until(pair.now() + 2s);
  ASSERT_TRUE(pair.both_up());
  ASSERT_FALSE(pair.a().poll_active());
  ASSERT_FALSE(pair.b().poll_active());
}

TEST(SessionPairTest, UpInExactlyThreePackets) {
  Pair pair{fast(), fast()};
  ASSERT_TRUE(pair.run_until(kT0 + 5s, [&] { return pair.both_up(); }));
  ASSERT_EQ(pair.received.size(), 3u);
  EXPECT_EQ(pair.received[0].to, kB);
  EXPECT_EQ(pair.received[0].packet.state, State::Down);
  EXPECT_EQ(pair.received[0].packet.your_discr, 0u);
  EXPECT_EQ(pair.received[1].to, kA);
  EXPECT_EQ(pair.received[1].packet.state, State::Init);
  EXPECT_EQ(pair.received[2].to, kB);
  EXPECT_EQ(pair.received[2].packet.state, State::Up);
  // A's first packet goes at its random phase (scripted 0 here); the rest follow 1 ms apart.
  EXPECT_EQ(pair.now(), kT0 + 3ms);
  EXPECT_EQ(pair.a().remote_discr(), pair.b().local_discr());
  EXPECT_EQ(pair.b().remote_discr(), pair.a().local_discr());
}

TEST(SessionPairTest, SimultaneousStartStillComesUp) {
  Pair pair{fast(), fast(), 0, 0};  // both send their first Down at the same instant
  ASSERT_TRUE(pair.run_until(kT0 + 5s, [&] { return pair.both_up(); }));
  EXPECT_EQ(pair.received.size(), 4u);
}

TEST(SessionPairTest, ConvergeToConfiguredIntervalsViaPollFinal) {
  Pair pair{fast(), SessionConfig{Micros{20ms}, Micros{30ms}, 4}};
  bring_up(pair);
  Session& a = pair.a();
  Session& b = pair.b();
  EXPECT_GE(a.counters().polls_started, 1u);
  EXPECT_GE(b.counters().polls_started, 1u);
  // A: TX max(50, B's rx 30) = 50; expects B at max(50, B's tx 20) = 50; detection 4 x 50.
  EXPECT_EQ(a.tx_interval(), Micros{50ms});
  EXPECT_EQ(a.rx_interval(), Micros{50ms});
  EXPECT_EQ(a.detection_time(), Micros{200ms});
  // B: TX max(20, A's rx 50) = 50; expects A at max(30, 50) = 50; detection 3 x 50.
  EXPECT_EQ(b.tx_interval(), Micros{50ms});
  EXPECT_EQ(b.rx_interval(), Micros{50ms});
  EXPECT_EQ(b.detection_time(), Micros{150ms});
  // Packets now carry the configured values.
  const ControlPacket& last_a =
      std::find_if(pair.sent.rbegin(), pair.sent.rend(), [](const Sent& s) { return s.from == kA; })->packet;
  EXPECT_EQ(last_a.desired_min_tx_us, 50'000u);
  EXPECT_FALSE(last_a.poll);

  // Steady state for 60 s: no state change, and A sends at 50 ms x (75..100 %).
  const std::size_t events_before = pair.events.size();
  const std::size_t sent_before = pair.sent.size();
  const TimePoint start = pair.now();
  pair.run_until(start + 60s);
  EXPECT_EQ(pair.events.size(), events_before);
  TimePoint prev = start;
  bool first = true;
  for (std::size_t i = sent_before; i < pair.sent.size(); ++i) {
    const Sent& s = pair.sent[i];
    if (s.from != kA) continue;
    if (!first) {
      EXPECT_GE(s.at - prev, 37500us);
      EXPECT_LE(s.at - prev, 50ms);
    }
    first = false;
    prev = s.at;
  }
}

TEST(SessionPairTest, DetectionExactlyAtDetectionTime) {
  Pair pair{fast(), fast()};
  bring_up(pair);
  const Micros dt = pair.b().detection_time();
  ASSERT_EQ(dt, Micros{150ms});

  pair.set_delivery(kA, false);
  pair.run_until(pair.now() + 2ms);  // what was already on the wire arrives
  const TimePoint expected = pair.last_rx[kB] + dt;
  const std::size_t events_before = pair.events.size();

  pair.run_until(expected - 1us);
  EXPECT_EQ(pair.b().state(), State::Up);
  EXPECT_EQ(pair.events.size(), events_before);
  EXPECT_FALSE(pair.b().on_timer(expected - 1us).state_change);

  pair.run_until(expected);
  EXPECT_EQ(pair.b().state(), State::Down);
  ASSERT_GT(pair.events.size(), events_before);
  const Event& e = pair.events[events_before];
  EXPECT_EQ(e.who, kB);
  EXPECT_EQ(e.at, expected);
  EXPECT_EQ(e.change.from, State::Up);
  EXPECT_EQ(e.change.to, State::Down);
  EXPECT_EQ(e.change.diag, Diag::ControlDetectionTimeExpired);
  EXPECT_EQ(pair.b().remote_discr(), 0u);

  // B's Down reaches A, which goes Down with diag 3 one link latency later.
  pair.run_until(expected + 1ms);
  EXPECT_EQ(pair.a().state(), State::Down);
  EXPECT_EQ(pair.a().local_diag(), Diag::NeighborSignaledSessionDown);
}

TEST(SessionPairTest, TimerChangesOnLiveSession) {
  Pair pair{fast(), fast()};
  bring_up(pair);
  const std::size_t events_before = pair.events.size();

  // 50 ms -> 100 ms: A's TX slows only after B has acknowledged (and grown its Detection Time).
  pair.apply(kA, pair.a().set_config(SessionConfig{Micros{100ms}, Micros{100ms}, 3}, pair.now()));
  EXPECT_TRUE(pair.a().poll_active());
  pair.run_until(pair.now() + 3s);
  EXPECT_FALSE(pair.a().poll_active());
  EXPECT_EQ(pair.a().tx_interval(), Micros{100ms});
  EXPECT_EQ(pair.a().rx_interval(), Micros{100ms});
  EXPECT_EQ(pair.a().detection_time(), Micros{300ms});
  EXPECT_EQ(pair.b().tx_interval(), Micros{100ms});  // A now asks for >= 100 ms
  EXPECT_EQ(pair.b().rx_interval(), Micros{100ms});
  EXPECT_EQ(pair.b().detection_time(), Micros{300ms});

  // And back to 50 ms.
  pair.apply(kA, pair.a().set_config(fast(), pair.now()));
  pair.run_until(pair.now() + 3s);
  EXPECT_FALSE(pair.a().poll_active());
  EXPECT_EQ(pair.a().tx_interval(), Micros{50ms});
  EXPECT_EQ(pair.a().detection_time(), Micros{150ms});
  EXPECT_EQ(pair.b().tx_interval(), Micros{50ms});
  EXPECT_EQ(pair.b().detection_time(), Micros{150ms});

  // Detect mult 3 -> 5 needs no Poll; B's Detection Time follows with A's next packet.
  pair.apply(kA, pair.a().set_config(SessionConfig{Micros{50ms}, Micros{50ms}, 5}, pair.now()));
  EXPECT_FALSE(pair.a().poll_active());
  pair.run_until(pair.now() + 1s);
  EXPECT_EQ(pair.b().remote_detect_mult(), 5);
  EXPECT_EQ(pair.b().detection_time(), Micros{250ms});
  EXPECT_EQ(pair.a().detection_time(), Micros{150ms});

  EXPECT_EQ(pair.events.size(), events_before) << "no state change on either side";
  EXPECT_TRUE(pair.both_up());
}

TEST(SessionPairTest, PollIsAnsweredByImmediateFinal) {
  Pair pair{fast(), fast()};
  bring_up(pair);
  const std::size_t from = pair.received.size();
  pair.apply(kA, pair.a().set_config(SessionConfig{Micros{80ms}, Micros{50ms}, 3}, pair.now()));
  pair.run_until(pair.now() + 1s);

  int polls = 0;
  for (std::size_t i = from; i < pair.received.size(); ++i) {
    const Received& r = pair.received[i];
    if (r.to != kB || !r.packet.poll) continue;
    ++polls;
    // B sent a Final at the very instant it received the Poll.
    const bool answered = std::any_of(pair.sent.begin(), pair.sent.end(), [&](const Sent& s) {
      return s.from == kB && s.at == r.at && s.packet.final && !s.packet.poll;
    });
    EXPECT_TRUE(answered);
  }
  EXPECT_GE(polls, 1);
  EXPECT_FALSE(pair.a().poll_active());
  EXPECT_EQ(pair.a().tx_interval(), Micros{80ms});
}

TEST(SessionPairTest, AdminDownHoldsPeerDown) {
  Pair pair{fast(), fast()};
  bring_up(pair);
  const std::size_t events_before = pair.events.size();
  const std::size_t sent_before = pair.sent.size();
  pair.apply(kA, pair.a().set_admin_down(true, pair.now()));
  ASSERT_EQ(pair.a().state(), State::AdminDown);

  pair.run_until(pair.now() + 60s);
  // B went Down once, with diag 3, one link latency after A's AdminDown, and stayed Down.
  std::vector<Event> b_events;
  for (std::size_t i = events_before; i < pair.events.size(); ++i) {
    if (pair.events[i].who == kB) b_events.push_back(pair.events[i]);
  }
  ASSERT_EQ(b_events.size(), 1u);
  EXPECT_EQ(b_events[0].change.from, State::Up);
  EXPECT_EQ(b_events[0].change.to, State::Down);
  EXPECT_EQ(b_events[0].change.diag, Diag::NeighborSignaledSessionDown);
  EXPECT_EQ(pair.b().state(), State::Down);
  EXPECT_EQ(pair.b().remote_state(), State::AdminDown);
  EXPECT_EQ(pair.a().state(), State::AdminDown);
  EXPECT_GT(pair.a().counters().rx_discarded, 0u);

  // Both keep sending at the slow rate: A AdminDown, B Down.
  std::array<TimePoint, 2> prev{};
  std::array<int, 2> count{};
  for (std::size_t i = sent_before; i < pair.sent.size(); ++i) {
    const Sent& s = pair.sent[i];
    const auto w = static_cast<std::size_t>(s.from);
    if (s.from == kA) {
      EXPECT_EQ(s.packet.state, State::AdminDown);
    }
    if (count[w] >= 2) {
      EXPECT_GE(s.at - prev[w], 750ms);  // after the state-change packets
    }
    prev[w] = s.at;
    ++count[w];
  }
  EXPECT_GE(count[kA], 55);
  EXPECT_GE(count[kB], 55);

  // Leaving AdminDown brings both back Up.
  pair.apply(kA, pair.a().set_admin_down(false, pair.now()));
  EXPECT_EQ(pair.a().state(), State::Down);
  EXPECT_TRUE(pair.run_until(pair.now() + 5s, [&] { return pair.both_up(); }));
}

}  // namespace
}  // namespace wgfo::bfd

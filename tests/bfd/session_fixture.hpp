#pragma once
// Shared fixture of the single-Session tests (session_fsm_test.cpp, session_poll_test.cpp): one
// Session with 50 ms intervals and a fake clock, and packets from a peer with discriminator kRemote.

#include <gtest/gtest.h>

#include <chrono>

#include "bfd/session.hpp"
#include "tests/support/fake_random.hpp"

namespace wgfo::bfd::session_fixture {

using namespace std::chrono_literals;
using testsupport::FakeRandom;

constexpr Discriminator kLocal = 0x0a0a0a0a;
constexpr Discriminator kRemote = 0xbeef;
inline const TimePoint kT0 = TimePoint{} + 1000s;

inline SessionConfig fast() {
  return SessionConfig{Micros{50ms}, Micros{50ms}, 3};
}

inline ControlPacket peer(State state, Discriminator your = kLocal) {
  ControlPacket p;
  p.state = state;
  p.detect_mult = 3;
  p.my_discr = kRemote;
  p.your_discr = (state == State::Down || state == State::AdminDown) ? your : kLocal;
  p.desired_min_tx_us = 1'000'000;
  p.required_min_rx_us = 50'000;
  return p;
}

class SessionTest : public ::testing::Test {
 protected:
  FakeRandom random_{7};
  Session s_{kLocal, fast(), kT0, random_};
  TimePoint now_ = kT0;

  // Brings the session into `state` the ordinary way, at now_.
  void enter(State state) {
    switch (state) {
      case State::Down:
        break;
      case State::Init:
        s_.on_packet(peer(State::Down, 0), now_);
        break;
      case State::Up:
        s_.on_packet(peer(State::Init), now_);
        break;
      case State::AdminDown:
        s_.set_admin_down(true, now_);
        break;
    }
    ASSERT_EQ(s_.state(), state);
  }

  Actions receive(State state) {
    now_ += 10ms;
    return s_.on_packet(peer(state), now_);
  }

  // Advances the clock to the session's next deadline and fires it.
  Actions fire() {
    now_ = s_.next_deadline();
    return s_.on_timer(now_);
  }

  void expect_change(const Actions& a, State from, State to, Diag diag) {
    ASSERT_TRUE(a.state_change.has_value());
    EXPECT_EQ(a.state_change->from, from);
    EXPECT_EQ(a.state_change->to, to);
    EXPECT_EQ(a.state_change->diag, diag);
    EXPECT_EQ(s_.state(), to);
    EXPECT_EQ(s_.local_diag(), diag);
    // A local state change is transmitted at once, carrying the new state.
    ASSERT_TRUE(a.transmit.has_value());
    EXPECT_EQ(a.transmit->state, to);
    EXPECT_EQ(a.transmit->diag, diag);
  }

  void expect_no_change(const Actions& a, State state) {
    EXPECT_FALSE(a.state_change.has_value());
    EXPECT_FALSE(a.transmit.has_value());
    EXPECT_EQ(s_.state(), state);
  }
};

}  // namespace wgfo::bfd::session_fixture

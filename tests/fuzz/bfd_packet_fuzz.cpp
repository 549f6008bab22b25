// libFuzzer target for the BFD core: the RFC 5880 codec and the session state machine.
//
// 1. Codec: parse() must never crash on any input; every packet it accepts must serialize, and
//    parse(serialize(p)) must give back exactly p (and the same bytes again).
// 2. Session: a valid input packet is fed to a fresh Session, then the input is also read as a small
//    program (packets, time steps, config changes, admin toggles) that drives one Session, checking
//    invariants after every call: our packets are valid (never P and F together, Version 1, no echo,
//    >= 1 s Desired Min TX while not Up), on_timer() makes progress past the time it is called with,
//    and calling it early does nothing.
// Any violation aborts, which libFuzzer reports as a crash.
//
// Linked with tests/fuzz/replay_main.cpp (normal g++ build), a main() replays every file of a corpus
// directory through the same entry point as a unit test.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "bfd/packet.hpp"
#include "bfd/session.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace std::chrono_literals;
using wgfo::bfd::Actions;
using wgfo::bfd::ControlPacket;
using wgfo::bfd::Micros;
using wgfo::bfd::Session;
using wgfo::bfd::SessionConfig;
using wgfo::bfd::State;
using wgfo::bfd::TimePoint;

class Xorshift : public wgfo::bfd::RandomSource {
 public:
  std::uint32_t next() override {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }

 private:
  std::uint32_t state_{0x9e3779b9};
};

constexpr std::array<Micros, 8> kIntervals = {Micros{0},     Micros{1ms}, Micros{10ms}, Micros{50ms},
                                              Micros{300ms}, Micros{1s},  Micros{3s},   Micros{10s}};

// Reads the input as a byte stream; past the end every read is 0.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> d) : d_(d) {}
  bool done() const { return pos_ >= d_.size(); }
  std::uint8_t byte() { return pos_ < d_.size() ? d_[pos_++] : 0; }
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, d_.size() - std::min(pos_, d_.size()));
    const auto s = d_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const std::uint8_t> d_;
  std::size_t pos_{0};
};

void check_codec(std::span<const std::uint8_t> input) {
  const wgfo::bfd::ParseResult r = wgfo::bfd::parse(input);
  if (!r) return;
  std::array<std::uint8_t, wgfo::bfd::kMaxPacketLength> out{};
  const std::size_t n = wgfo::bfd::serialize(r.packet, out);
  FUZZ_CHECK(n >= wgfo::bfd::kMandatoryLength && n <= input.size());
  const wgfo::bfd::ParseResult again = wgfo::bfd::parse(std::span<const std::uint8_t>(out.data(), n));
  FUZZ_CHECK(again);
  FUZZ_CHECK(again.packet == r.packet);
  std::array<std::uint8_t, wgfo::bfd::kMaxPacketLength> out2{};
  FUZZ_CHECK(wgfo::bfd::serialize(again.packet, out2) == n);
  FUZZ_CHECK(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out2.begin()));
  (void)wgfo::bfd::to_string(r.packet.diag);
  (void)wgfo::bfd::to_string(r.packet.state);
}

class Driver {
 public:
  Driver() : session_(0x5eed, SessionConfig{Micros{50ms}, Micros{50ms}, 3}, now_, random_) {}

  void packet(const ControlPacket& p) { check(session_.on_packet(p, now_)); }

  // Fires every deadline up to now_ + step, in order, as a punctual scheduler would.
  void advance(std::chrono::microseconds step) {
    const TimePoint end = now_ + step;
    // Each firing moves now_ forward by at least 1 us (checked below), so a step of N us fires at most
    // N times; more is a hang. Not a fixed count: a desired_min_tx of 0 is clamped to 1 us (§4.1), and
    // Up at 1 us against a peer asking 1 us legitimately fires 3 million times in 3 s.
    for (std::int64_t guard = 0; session_.next_deadline() <= end; ++guard, ++fired_) {
      FUZZ_CHECK(guard <= step.count());
      now_ = std::max(now_, session_.next_deadline());
      check(session_.on_timer(now_));
      FUZZ_CHECK(session_.next_deadline() > now_);  // progress
    }
    now_ = end;
    // Early calls do nothing (the scheduler's lazy timers rely on it).
    const TimePoint d = session_.next_deadline();
    if (d != TimePoint::max() && d > now_) {
      const Actions a = session_.on_timer(now_);
      FUZZ_CHECK(!a.transmit && !a.state_change);
      FUZZ_CHECK(session_.next_deadline() == d);
    }
  }

  // A late scheduler: one call long after the deadline.
  void jump(std::chrono::microseconds step) {
    now_ += step;
    check(session_.on_timer(now_));
    FUZZ_CHECK(session_.next_deadline() > now_);
  }

  void config(std::uint8_t tx, std::uint8_t rx, std::uint8_t mult) {
    const SessionConfig c{kIntervals[tx % kIntervals.size()], kIntervals[rx % kIntervals.size()], mult};
    check(session_.set_config(c, now_));
  }

  void admin(bool down, std::uint8_t diag) {
    check(session_.set_admin_down(down, now_, static_cast<wgfo::bfd::Diag>(diag % 10)));
  }

  Session& session() { return session_; }
  TimePoint now() const { return now_; }
  // Enough timer firings for one input: at a 1 us interval a program of 256 steps could fire 65 million
  // times (9 s an input) and learn nothing more than the first thousand did.
  bool exhausted() const { return fired_ > 2'000'000; }

 private:
  void check(const Actions& a) {
    if (a.state_change) {
      FUZZ_CHECK(a.state_change->to == session_.state());
      FUZZ_CHECK(a.state_change->from != a.state_change->to);
      FUZZ_CHECK(a.transmit.has_value());  // a state change is always announced at once
    }
    if (a.transmit) {
      const ControlPacket& p = *a.transmit;
      FUZZ_CHECK(!(p.poll && p.final));
      FUZZ_CHECK(p.version == 1 && !p.multipoint && !p.demand && !p.control_plane_independent);
      FUZZ_CHECK(p.required_min_echo_rx_us == 0 && !p.auth && !p.auth_present);
      FUZZ_CHECK(p.state == session_.state());
      FUZZ_CHECK(p.my_discr == session_.local_discr());
      if (p.state != State::Up) FUZZ_CHECK(p.desired_min_tx_us >= 1'000'000);
      if (p.state != State::Up) FUZZ_CHECK(!p.poll);
      std::array<std::uint8_t, wgfo::bfd::kMaxPacketLength> buf{};
      const std::size_t n = wgfo::bfd::serialize(p, buf);
      FUZZ_CHECK(n == wgfo::bfd::kMandatoryLength);
      const wgfo::bfd::ParseResult r = wgfo::bfd::parse(std::span<const std::uint8_t>(buf.data(), n));
      FUZZ_CHECK(r);  // everything we send passes the peer's §6.8.6 checks
      FUZZ_CHECK(r.packet == p);
    }
    const Micros tx = session_.tx_interval();
    if (session_.state() != State::Up && tx.count() > 0) FUZZ_CHECK(tx >= Micros{1s});
    FUZZ_CHECK(session_.detection_time() == session_.remote_detect_mult() * session_.rx_interval());
  }

  Xorshift random_;
  std::int64_t fired_{0};
  TimePoint now_ = TimePoint{} + 3600s;
  Session session_;
};

// A well-formed packet from a peer, shaped by two input bytes.
ControlPacket synthetic_peer(const Session& s, std::uint8_t flags, std::uint8_t intervals) {
  ControlPacket p;
  p.state = static_cast<State>(flags & 3);
  p.poll = (flags & 4) != 0;
  p.final = (flags & 8) != 0 && !p.poll;
  p.demand = (flags & 16) != 0;
  p.detect_mult = static_cast<std::uint8_t>((flags >> 5) + 1);
  p.my_discr = 0xfeed;
  p.your_discr = s.local_discr();
  p.desired_min_tx_us = static_cast<std::uint32_t>(kIntervals[intervals & 7].count());
  if (p.desired_min_tx_us == 0) p.desired_min_tx_us = 1;  // 0 is reserved (§4.1)
  p.required_min_rx_us = static_cast<std::uint32_t>(kIntervals[(intervals >> 3) & 7].count());
  return p;
}

void drive_session(std::span<const std::uint8_t> input) {
  // Whole input as one packet, into a fresh session, twice with timers in between.
  if (const wgfo::bfd::ParseResult r = wgfo::bfd::parse(input)) {
    Driver d;
    d.packet(r.packet);
    d.advance(std::chrono::microseconds{r.packet.detect_mult * 1000});
    d.packet(r.packet);
    d.advance(3s);
  }

  // The input as a program.
  Driver d;
  Reader in(input);
  for (int steps = 0; !in.done() && steps < 256 && !d.exhausted(); ++steps) {
    switch (in.byte() % 6) {
      case 0: {
        const std::size_t len = in.byte() % (wgfo::bfd::kMaxPacketLength + 1);
        if (const wgfo::bfd::ParseResult r = wgfo::bfd::parse(in.take(len))) d.packet(r.packet);
        break;
      }
      case 1:
        d.advance(std::chrono::milliseconds{in.byte()});
        break;
      case 2: {
        const std::uint8_t tx = in.byte();
        const std::uint8_t rx = in.byte();
        d.config(tx, rx, in.byte());
        break;
      }
      case 3: {
        const std::uint8_t b = in.byte();
        d.admin((b & 1) != 0, static_cast<std::uint8_t>(b >> 1));
        break;
      }
      case 4:
        d.jump(std::chrono::milliseconds{100 * in.byte()});
        break;
      case 5: {
        const std::uint8_t flags = in.byte();
        d.packet(synthetic_peer(d.session(), flags, in.byte()));
        break;
      }
    }
  }
  d.advance(3s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  check_codec(input);
  drive_session(input);
  return 0;
}

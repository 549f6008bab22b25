// RFC 5880 §6.7.4 Keyed SHA1 / Meticulous Keyed SHA1: the SHA-1 itself (FIPS 180-4 test vectors),
// the digest construction (a known answer computed outside this code base, with Python's hashlib),
// the sequence windows, and a Session that signs what it sends and verifies what it receives.

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "bfd/auth.hpp"
#include "bfd/session.hpp"
#include "bfd/sha1.hpp"
#include "tests/support/fake_random.hpp"

namespace wgfo::bfd {
namespace {

using namespace std::chrono_literals;

std::string hex(const Sha1Digest& d) {
  std::string out;
  for (const std::uint8_t b : d) {
    std::array<char, 3> two{};
    std::snprintf(two.data(), two.size(), "%02x", b);
    out += two.data();
  }
  return out;
}

std::string sha1_hex(std::string_view text) {
  return hex(
      sha1(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
}

TEST(Sha1Test, Fips180Vectors) {
  EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // 56 bytes: the length no longer fits the first padding block.
  EXPECT_EQ(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(sha1_hex(std::string(55, 'a')), "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  EXPECT_EQ(sha1_hex(std::string(64, 'a')), "0098ba824b5c16427bd7a1122a5a442a25ec644d");
  EXPECT_EQ(sha1_hex(std::string(1'000'000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

AuthKey key(AuthType type, std::string_view secret = "s3cret", std::uint8_t id = 7) {
  AuthKey k;
  k.type = type;
  k.key_id = id;
  std::copy(secret.begin(), secret.end(), k.secret.begin());
  return k;
}

ControlPacket sample() {
  ControlPacket p;
  p.state = State::Up;
  p.detect_mult = 3;
  p.my_discr = 0x11223344;
  p.your_discr = 0x55667788;
  p.desired_min_tx_us = 50'000;
  p.required_min_rx_us = 50'000;
  return p;
}

std::vector<std::uint8_t> wire(const ControlPacket& p) {
  std::array<std::uint8_t, kMaxPacketLength> buf{};
  const std::size_t n = serialize(p, buf);
  return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)};
}

TEST(AuthTest, DigestIsSha1OverThePacketWithTheKeyInTheDigestField) {
  ControlPacket p = sample();
  sign(p, key(AuthType::MeticulousKeyedSha1), 0x01020304);
  const std::vector<std::uint8_t> w = wire(p);
  ASSERT_EQ(w.size(), 52u);
  EXPECT_EQ(w[1] & 0x04, 0x04);  // A bit
  EXPECT_EQ(w[3], 52);           // Length
  EXPECT_EQ(w[24], 5);           // Auth Type
  EXPECT_EQ(w[25], 28);          // Auth Len
  EXPECT_EQ(w[26], 7);           // Key ID
  Sha1Digest digest{};
  std::copy(w.begin() + 32, w.end(), digest.begin());
  // python3: hashlib.sha1(mandatory section + auth section with b"s3cret" zero-padded to 20).
  EXPECT_EQ(hex(digest), "951946bcc5ce8b47e1352773b07ce214be203a9b");
  const ParseResult r = parse(w);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.packet, p);
}

TEST(AuthTest, VerifyAcceptsOnlyTheSignedBytesUnderTheSameKey) {
  const AuthKey k = key(AuthType::KeyedSha1);
  ControlPacket p = sample();
  sign(p, k, 100);
  std::vector<std::uint8_t> w = wire(p);
  const ParseResult r = parse(w);
  ASSERT_TRUE(r);
  EXPECT_EQ(verify(r.packet, w, k, {}, 3), AuthError::None);
  EXPECT_EQ(verify(r.packet, w, key(AuthType::KeyedSha1, "s3creT"), {}, 3), AuthError::BadDigest);
  EXPECT_EQ(verify(r.packet, w, key(AuthType::KeyedSha1, "s3cret", 8), {}, 3), AuthError::WrongKeyId);
  EXPECT_EQ(verify(r.packet, w, key(AuthType::MeticulousKeyedSha1), {}, 3), AuthError::WrongType);
  EXPECT_EQ(verify(sample(), wire(sample()), k, {}, 3), AuthError::Missing);
  // Any changed bit of the packet, here Desired Min TX, breaks the digest.
  w[15] ^= 0x01;
  const ParseResult tampered = parse(w);
  ASSERT_TRUE(tampered);
  EXPECT_EQ(verify(tampered.packet, w, k, {}, 3), AuthError::BadDigest);
}

AuthError verify_seq(AuthType type, std::uint32_t rcv, std::uint32_t sent) {
  const AuthKey k = key(type);
  ControlPacket p = sample();
  sign(p, k, sent);
  const std::vector<std::uint8_t> w = wire(p);
  return verify(p, w, k, AuthSeqState{true, rcv}, 3);
}

TEST(AuthTest, KeyedWindowIsRcvToRcvPlusThreeDetectMult) {
  EXPECT_EQ(verify_seq(AuthType::KeyedSha1, 1000, 1000), AuthError::None);  // a repeat is allowed
  EXPECT_EQ(verify_seq(AuthType::KeyedSha1, 1000, 1009), AuthError::None);
  EXPECT_EQ(verify_seq(AuthType::KeyedSha1, 1000, 1010), AuthError::SequenceOutOfWindow);
  EXPECT_EQ(verify_seq(AuthType::KeyedSha1, 1000, 999), AuthError::SequenceOutOfWindow);
  EXPECT_EQ(verify_seq(AuthType::KeyedSha1, 0xfffffffe, 3), AuthError::None);  // circular
}

TEST(AuthTest, MeticulousWindowExcludesTheLastSequence) {
  EXPECT_EQ(verify_seq(AuthType::MeticulousKeyedSha1, 1000, 1000), AuthError::SequenceOutOfWindow);
  EXPECT_EQ(verify_seq(AuthType::MeticulousKeyedSha1, 1000, 1001), AuthError::None);
  EXPECT_EQ(verify_seq(AuthType::MeticulousKeyedSha1, 1000, 1009), AuthError::None);
  EXPECT_EQ(verify_seq(AuthType::MeticulousKeyedSha1, 1000, 1010), AuthError::SequenceOutOfWindow);
  EXPECT_EQ(verify_seq(AuthType::MeticulousKeyedSha1, 0xffffffff, 0), AuthError::None);
}

// ---- a Session with authentication, fed by hand ------------------------------------------------------

constexpr Discriminator kLocal = 0x0a0a0a0a;
constexpr Discriminator kRemote = 0xbeef;
const TimePoint kT0 = TimePoint{} + 1000s;

SessionConfig with_auth(const AuthKey& k) {
  SessionConfig c{Micros{50ms}, Micros{50ms}, 3};
  c.auth = k;
  return c;
}

class AuthSessionTest : public ::testing::Test {
 protected:
  const AuthKey key_ = key(AuthType::MeticulousKeyedSha1);
  testsupport::FakeRandom random_{7};
  Session s_{kLocal, with_auth(key_), kT0, random_};
  TimePoint now_ = kT0;
  std::uint32_t peer_seq_ = 5000;

  // An unsigned packet from the peer in `state`.
  static ControlPacket from_peer(State state) {
    ControlPacket p = sample();
    p.state = state;
    p.my_discr = kRemote;
    p.your_discr = state == State::Down ? 0 : kLocal;
    return p;
  }
  // A packet from the peer, signed with `k` and the peer's next sequence number, handed in as bytes.
  Actions receive(State state, const AuthKey& k, std::optional<std::uint32_t> seq = std::nullopt) {
    ControlPacket p = from_peer(state);
    sign(p, k, seq ? *seq : peer_seq_++);
    last_wire_ = wire(p);
    const ParseResult r = parse(last_wire_);
    EXPECT_TRUE(r);
    return s_.on_packet(r.packet, now_, last_wire_);
  }
  Actions receive(State state) { return receive(state, key_); }
  // Down -> Init -> Up with the right key, 10 ms apart.
  void bring_up() {
    receive(State::Down);
    now_ += 10ms;
    receive(State::Up);
    ASSERT_EQ(s_.state(), State::Up);
  }

  std::vector<std::uint8_t> last_wire_;
};

TEST_F(AuthSessionTest, ComesUpWithTheRightKeyAndSignsEveryPacket) {
  receive(State::Down);
  EXPECT_EQ(s_.state(), State::Init);
  now_ += 10ms;
  const Actions up = receive(State::Up);
  EXPECT_EQ(s_.state(), State::Up);
  ASSERT_TRUE(up.transmit.has_value());

  // Every packet we send verifies under the key, and Meticulous sequence numbers rise by one.
  std::optional<std::uint32_t> last;
  for (int i = 0; i < 20; ++i) {
    now_ = s_.next_deadline();
    const Actions a = s_.on_timer(now_);
    if (!a.transmit) continue;
    const std::vector<std::uint8_t> w = wire(*a.transmit);
    const ParseResult r = parse(w);
    ASSERT_TRUE(r);
    ASSERT_TRUE(r.packet.auth.has_value());
    EXPECT_EQ(verify(r.packet, w, key_, {}, 3), AuthError::None);
    if (last) {
      EXPECT_EQ(r.packet.auth->sequence, *last + 1);
    }
    last = r.packet.auth->sequence;
    receive(State::Up);  // keep the session alive
  }
  EXPECT_EQ(s_.state(), State::Up);
  EXPECT_EQ(s_.counters().rx_auth_failed, 0u);
}

TEST_F(AuthSessionTest, WrongKeyUnsignedAndReplayedPacketsAreDiscardedAndCounted) {
  receive(State::Down, key(AuthType::MeticulousKeyedSha1, "other"));
  EXPECT_EQ(s_.state(), State::Down);
  EXPECT_EQ(s_.last_auth_error(), AuthError::BadDigest);

  const ControlPacket unsigned_packet = from_peer(State::Down);
  const std::vector<std::uint8_t> w = wire(unsigned_packet);
  s_.on_packet(unsigned_packet, now_, w);
  EXPECT_EQ(s_.state(), State::Down);
  EXPECT_EQ(s_.last_auth_error(), AuthError::Missing);

  receive(State::Down);
  EXPECT_EQ(s_.state(), State::Init);
  // The same bytes again: a Meticulous sequence number must move on.
  const ParseResult again = parse(last_wire_);
  ASSERT_TRUE(again);
  now_ += 10ms;
  s_.on_packet(again.packet, now_, last_wire_);
  EXPECT_EQ(s_.last_auth_error(), AuthError::SequenceOutOfWindow);
  EXPECT_EQ(s_.counters().rx_auth_failed, 3u);
  EXPECT_EQ(s_.counters().rx_discarded, 3u);
  // Without the datagram the digest cannot be checked: refused, never trusted.
  s_.on_packet(again.packet, now_);
  EXPECT_EQ(s_.counters().rx_auth_failed, 4u);
  EXPECT_EQ(s_.state(), State::Init);
}

TEST_F(AuthSessionTest, ARestartedPeerIsAcceptedAfterTwiceTheDetectionTime) {
  bring_up();
  const Micros detection = s_.detection_time();

  // The peer restarts with a new random sequence: refused while the old one may still be live...
  now_ += detection;
  receive(State::Down, key_, peer_seq_ + 100'000);
  EXPECT_EQ(s_.last_auth_error(), AuthError::SequenceOutOfWindow);
  // ...and accepted once twice the Detection Time has passed without a valid packet (§6.8.1).
  now_ = kT0 + 10ms + 2 * detection;
  s_.on_timer(now_);
  EXPECT_EQ(s_.state(), State::Down);
  peer_seq_ += 200'000;
  receive(State::Down);
  EXPECT_EQ(s_.state(), State::Init);
  now_ += 10ms;
  receive(State::Up);
  EXPECT_EQ(s_.state(), State::Up);
}

TEST_F(AuthSessionTest, AForgedFloodCostsNoBudgetSoTheRealPeerStillGetsThrough) {
  bring_up();
  // 10 000 forged packets/s (wrong key) for 2 s around the real peer's 20 packets/s.
  const AuthKey forged = key(AuthType::MeticulousKeyedSha1, "guess");
  const TimePoint start = now_;
  for (int i = 1; i <= 20'000; ++i) {
    now_ = start + Micros{100 * i};
    receive(State::Up, forged, 1);
    if (i % 500 == 0) receive(State::Up);
    s_.on_timer(now_);
  }
  EXPECT_EQ(s_.state(), State::Up);
  EXPECT_EQ(s_.counters().rx_auth_failed, 20'000u);
  EXPECT_EQ(s_.counters().rx_rate_limited, 0u);
}

TEST_F(AuthSessionTest, WithoutAuthConfiguredASignedPacketIsDiscarded) {
  Session plain{kLocal, SessionConfig{Micros{50ms}, Micros{50ms}, 3}, kT0, random_};
  ControlPacket p = from_peer(State::Down);
  sign(p, key_, 1);
  const std::vector<std::uint8_t> w = wire(p);
  plain.on_packet(p, now_, w);
  EXPECT_EQ(plain.state(), State::Down);
  EXPECT_EQ(plain.counters().rx_discarded, 1u);
  EXPECT_EQ(plain.counters().rx_auth_failed, 0u);  // not an authentication failure: none configured
}

}  // namespace
}  // namespace wgfo::bfd

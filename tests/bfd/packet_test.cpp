// RFC 5880 §4.1-§4.4 codec: golden bytes written by hand from the RFC layout, both directions, and
// one minimal case per §6.8.6 packet-only check.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "bfd/packet.hpp"

namespace wgfo::bfd {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Mandatory section of a Down packet: Vers 1 / Diag 0, Sta Down, no flags, Detect Mult 3, Length 24,
// My Discr 0x11223344, Your Discr 0, Desired Min TX 1 s, Required Min RX 1 s, Echo RX 0.
const Bytes kDownBytes = {
    0x20, 0x40, 0x03, 0x18,  // Vers=1 Diag=0 | Sta=1 (Down) | Mult 3 | Length 24
    0x11, 0x22, 0x33, 0x44,  // My Discriminator
    0x00, 0x00, 0x00, 0x00,  // Your Discriminator
    0x00, 0x0f, 0x42, 0x40,  // Desired Min TX 1 000 000 us
    0x00, 0x0f, 0x42, 0x40,  // Required Min RX 1 000 000 us
    0x00, 0x00, 0x00, 0x00,  // Required Min Echo RX 0
};

ControlPacket down_packet() {
  ControlPacket p;
  p.state = State::Down;
  p.detect_mult = 3;
  p.my_discr = 0x11223344;
  p.desired_min_tx_us = 1'000'000;
  p.required_min_rx_us = 1'000'000;
  return p;
}

// Up with P set, 50 ms intervals, Your Discr 0x55667788.
const Bytes kUpPollBytes = {
    0x20, 0xe0, 0x03, 0x18,  // Sta=3 (Up), P (0x20)
    0x11, 0x22, 0x33, 0x44,  //
    0x55, 0x66, 0x77, 0x88,  //
    0x00, 0x00, 0xc3, 0x50,  // 50 000 us
    0x00, 0x00, 0xc3, 0x50,  // 50 000 us
    0x00, 0x00, 0x00, 0x00,
};

ControlPacket up_poll_packet() {
  ControlPacket p = down_packet();
  p.state = State::Up;
  p.poll = true;
  p.your_discr = 0x55667788;
  p.desired_min_tx_us = 50'000;
  p.required_min_rx_us = 50'000;
  return p;
}

// Up with F set, answering a Poll; Detect Mult 5, Required Min RX 100 ms.
const Bytes kUpFinalBytes = {
    0x20, 0xd0, 0x05, 0x18,  // Sta=3 (Up), F (0x10), Mult 5
    0x11, 0x22, 0x33, 0x44,  //
    0x55, 0x66, 0x77, 0x88,  //
    0x00, 0x00, 0xc3, 0x50,  // 50 000 us
    0x00, 0x01, 0x86, 0xa0,  // 100 000 us
    0x00, 0x00, 0x00, 0x00,
};

ControlPacket up_final_packet() {
  ControlPacket p = up_poll_packet();
  p.poll = false;
  p.final = true;
  p.detect_mult = 5;
  p.required_min_rx_us = 100'000;
  return p;
}

// AdminDown, Diag 7, C and D set (written as given), Echo RX 0x01020304.
const Bytes kAdminDownBytes = {
    0x27, 0x0a, 0x01, 0x18,  // Diag 7 | Sta=0, C (0x08) D (0x02) | Mult 1
    0x11, 0x22, 0x33, 0x44,  //
    0x00, 0x00, 0x00, 0x00,  //
    0x00, 0x0f, 0x42, 0x40,  //
    0x00, 0x00, 0x00, 0x00,  // Required Min RX 0: "send me nothing"
    0x01, 0x02, 0x03, 0x04,
};

ControlPacket admin_down_packet() {
  ControlPacket p = down_packet();
  p.state = State::AdminDown;
  p.diag = Diag::AdministrativelyDown;
  p.control_plane_independent = true;
  p.demand = true;
  p.detect_mult = 1;
  p.required_min_rx_us = 0;
  p.required_min_echo_rx_us = 0x01020304;
  return p;
}

// Down packet header with the A bit and the given Length, followed by `auth`.
Bytes with_auth(std::uint8_t length, const Bytes& auth) {
  Bytes b = kDownBytes;
  b[1] = 0x44;  // Sta=1, A (0x04)
  b[3] = length;
  b.insert(b.end(), auth.begin(), auth.end());
  return b;
}

// §4.2 Simple Password: Type 1, Len 3 + 5, Key ID 7, "abcde".
const Bytes kSimpleBytes = with_auth(32, {0x01, 0x08, 0x07, 'a', 'b', 'c', 'd', 'e'});

ControlPacket simple_packet() {
  ControlPacket p = down_packet();
  p.auth_present = true;
  AuthSection a;
  a.type = AuthType::SimplePassword;
  a.key_id = 7;
  a.value = {'a', 'b', 'c', 'd', 'e'};
  a.value_len = 5;
  p.auth = a;
  return p;
}

Bytes md5_bytes(std::uint8_t type) {
  Bytes auth = {type, 0x18, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2a};  // Len 24, Key 1, Rsvd, Seq 42
  for (std::uint8_t i = 0; i < 16; ++i) auth.push_back(i);        // digest 00..0f
  return with_auth(48, auth);
}

ControlPacket md5_packet(AuthType type) {
  ControlPacket p = down_packet();
  p.auth_present = true;
  AuthSection a;
  a.type = type;
  a.key_id = 1;
  a.sequence = 42;
  for (std::uint8_t i = 0; i < 16; ++i) a.value[i] = i;
  a.value_len = 16;
  p.auth = a;
  return p;
}

Bytes sha1_bytes(std::uint8_t type) {
  Bytes auth = {type, 0x1c, 0x02, 0x00, 0xde, 0xad, 0xbe, 0xef};  // Len 28, Key 2, Rsvd, Seq
  for (std::uint8_t i = 0; i < 20; ++i) auth.push_back(static_cast<std::uint8_t>(0xa0 + i));
  return with_auth(52, auth);
}

ControlPacket sha1_packet(AuthType type) {
  ControlPacket p = down_packet();
  p.auth_present = true;
  AuthSection a;
  a.type = type;
  a.key_id = 2;
  a.sequence = 0xdeadbeef;
  for (std::uint8_t i = 0; i < 20; ++i) a.value[i] = static_cast<std::uint8_t>(0xa0 + i);
  a.value_len = 20;
  p.auth = a;
  return p;
}

struct Golden {
  std::string name;
  Bytes bytes;
  ControlPacket packet;
};

std::vector<Golden> goldens() {
  return {
      {"down", kDownBytes, down_packet()},
      {"up_poll", kUpPollBytes, up_poll_packet()},
      {"up_final", kUpFinalBytes, up_final_packet()},
      {"admin_down", kAdminDownBytes, admin_down_packet()},
      {"simple_password", kSimpleBytes, simple_packet()},
      {"keyed_md5", md5_bytes(2), md5_packet(AuthType::KeyedMd5)},
      {"meticulous_md5", md5_bytes(3), md5_packet(AuthType::MeticulousKeyedMd5)},
      {"keyed_sha1", sha1_bytes(4), sha1_packet(AuthType::KeyedSha1)},
      {"meticulous_sha1", sha1_bytes(5), sha1_packet(AuthType::MeticulousKeyedSha1)},
  };
}

Bytes serialize_to_vector(const ControlPacket& p) {
  std::array<std::uint8_t, kMaxPacketLength> buf{};
  const std::size_t n = serialize(p, buf);
  return Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
}

TEST(PacketTest, GoldenBytesParse) {
  for (const Golden& g : goldens()) {
    SCOPED_TRACE(g.name);
    const ParseResult r = parse(g.bytes);
    ASSERT_TRUE(r) << to_string(r.error);
    EXPECT_EQ(r.packet, g.packet);
  }
}

TEST(PacketTest, GoldenBytesSerialize) {
  for (const Golden& g : goldens()) {
    SCOPED_TRACE(g.name);
    EXPECT_EQ(serialize_to_vector(g.packet), g.bytes);
  }
}

TEST(PacketTest, MaxPacketLengthIsMeticulousSha1) {
  EXPECT_EQ(sha1_bytes(5).size(), kMaxPacketLength);
}

TEST(PacketTest, SimplePasswordOfEveryLengthRoundTrips) {
  for (std::uint8_t len = 1; len <= 16; ++len) {
    SCOPED_TRACE(len);
    ControlPacket p = simple_packet();
    p.auth->value = {};
    for (std::uint8_t i = 0; i < len; ++i) p.auth->value[i] = static_cast<std::uint8_t>('A' + i);
    p.auth->value_len = len;
    const Bytes b = serialize_to_vector(p);
    ASSERT_EQ(b.size(), 24u + 3u + len);
    EXPECT_EQ(b[25], 3 + len);  // Auth Len (§4.2)
    const ParseResult r = parse(b);
    ASSERT_TRUE(r) << to_string(r.error);
    EXPECT_EQ(r.packet, p);
  }
}

TEST(PacketTest, ReservedByteIgnoredOnReceiptAndZeroOnTransmit) {
  for (Bytes b : {md5_bytes(2), sha1_bytes(4)}) {
    b[27] = 0xff;  // Reserved (§4.3/§4.4)
    const ParseResult r = parse(b);
    ASSERT_TRUE(r) << to_string(r.error);
    const Bytes out = serialize_to_vector(r.packet);
    EXPECT_EQ(out[27], 0);
    b[27] = 0;
    EXPECT_EQ(out, b);
  }
}

TEST(PacketTest, LongerLengthAndTrailingBytesAccepted) {
  // §6.8.6 only discards Length below the minimum or beyond the payload.
  Bytes b = kDownBytes;
  b[3] = 28;
  b.insert(b.end(), {1, 2, 3, 4, 5, 6});  // 30 bytes received, Length 28
  const ParseResult r = parse(b);
  ASSERT_TRUE(r) << to_string(r.error);
  EXPECT_EQ(r.packet, down_packet());
}

TEST(PacketTest, SerializeDerivesLengthAndABitFromAuth) {
  ControlPacket p = down_packet();
  p.auth_present = true;  // no auth section: A must come out clear
  EXPECT_EQ(serialize_to_vector(p), kDownBytes);

  ControlPacket q = md5_packet(AuthType::KeyedMd5);
  q.auth_present = false;  // auth section present: A must come out set
  q.auth->value_len = 0;   // digest field has a fixed size regardless
  EXPECT_EQ(serialize_to_vector(q), md5_bytes(2));
}

TEST(PacketTest, SerializeRefusesSmallBufferAndInvalidAuth) {
  std::array<std::uint8_t, 23> small{};
  EXPECT_EQ(serialize(down_packet(), small), 0u);
  std::array<std::uint8_t, 47> almost{};
  EXPECT_EQ(serialize(md5_packet(AuthType::KeyedMd5), almost), 0u);
  std::array<std::uint8_t, 24> exact{};
  EXPECT_EQ(serialize(down_packet(), exact), 24u);

  std::array<std::uint8_t, kMaxPacketLength> buf{};
  ControlPacket p = simple_packet();
  p.auth->value_len = 0;
  EXPECT_EQ(serialize(p, buf), 0u);
  p.auth->value_len = 17;
  EXPECT_EQ(serialize(p, buf), 0u);
  p.auth->type = AuthType::Reserved;
  p.auth->value_len = 4;
  EXPECT_EQ(serialize(p, buf), 0u);
}

TEST(PacketTest, TruncatedInputsOfEveryLengthAreTooShort) {
  for (std::size_t n = 0; n < kMandatoryLength; ++n) {
    SCOPED_TRACE(n);
    const ParseResult r = parse(std::span<const std::uint8_t>(kDownBytes.data(), n));
    EXPECT_FALSE(r);
    EXPECT_EQ(r.error, ParseError::TooShort);
  }
}

struct Invalid {
  std::string name;
  Bytes bytes;
  ParseError expected;
};

Bytes mutate(Bytes b, std::size_t at, std::uint8_t value) {
  b[at] = value;
  return b;
}

std::vector<Invalid> invalid_cases() {
  Bytes zero_my = kDownBytes;
  zero_my[4] = zero_my[5] = zero_my[6] = zero_my[7] = 0;
  Bytes longer_than_received = kDownBytes;
  longer_than_received[3] = 25;
  Bytes simple_beyond_length = kSimpleBytes;
  simple_beyond_length[3] = 31;  // Length 31 < 24 + Auth Len 8
  Bytes simple_beyond_length_a = kSimpleBytes;
  simple_beyond_length_a[25] = 9;  // Auth Len 9 > Length - 24

  return {
      {"version 0", mutate(kDownBytes, 0, 0x00), ParseError::BadVersion},
      {"version 2", mutate(kDownBytes, 0, 0x40), ParseError::BadVersion},
      {"version 7", mutate(kDownBytes, 0, 0xe0), ParseError::BadVersion},
      {"length 23", mutate(kDownBytes, 3, 23), ParseError::LengthMismatch},
      {"length 0", mutate(kDownBytes, 3, 0), ParseError::LengthMismatch},
      {"length beyond payload", longer_than_received, ParseError::LengthMismatch},
      {"A set, length 25", mutate(with_auth(25, {0x01, 0x04, 0x01, 'x'}), 3, 25), ParseError::LengthMismatch},
      {"A set, length 24", mutate(kDownBytes, 1, 0x44), ParseError::LengthMismatch},
      {"detect mult 0", mutate(kDownBytes, 2, 0), ParseError::ZeroDetectMult},
      {"multipoint", mutate(kDownBytes, 1, 0x41), ParseError::MultipointSet},
      {"my discr 0", zero_my, ParseError::ZeroMyDiscriminator},
      {"your discr 0 in Init", mutate(kDownBytes, 1, 0x80), ParseError::ZeroYourDiscriminatorNotDown},
      {"your discr 0 in Up", mutate(kDownBytes, 1, 0xc0), ParseError::ZeroYourDiscriminatorNotDown},
      {"poll and final", mutate(kDownBytes, 1, 0x70), ParseError::PollAndFinal},
      {"simple, empty password", with_auth(27, {0x01, 0x03, 0x01}), ParseError::BadAuthLength},
      {"simple, 17 byte password", with_auth(44, {0x01, 0x14, 0x01, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
                                                  'h',  'i',  'j',  'k', 'l', 'm', 'n', 'o', 'p', 'q'}),
       ParseError::BadAuthLength},
      {"simple, Auth Len 2", with_auth(26, {0x01, 0x02}), ParseError::BadAuthLength},
      {"simple, Length short of Auth Len", simple_beyond_length, ParseError::BadAuthLength},
      {"simple, Auth Len beyond Length", simple_beyond_length_a, ParseError::BadAuthLength},
      {"keyed md5, Auth Len 23", mutate(md5_bytes(2), 25, 23), ParseError::BadAuthLength},
      {"keyed md5, Auth Len 28", mutate(md5_bytes(2), 25, 28), ParseError::BadAuthLength},
      {"meticulous md5, Auth Len 25", mutate(md5_bytes(3), 25, 25), ParseError::BadAuthLength},
      {"keyed md5, Length 47", mutate(md5_bytes(2), 3, 47), ParseError::BadAuthLength},
      {"keyed sha1, Auth Len 24", mutate(sha1_bytes(4), 25, 24), ParseError::BadAuthLength},
      {"meticulous sha1, Auth Len 29", mutate(sha1_bytes(5), 25, 29), ParseError::BadAuthLength},
      {"meticulous sha1, Length 51", mutate(sha1_bytes(5), 3, 51), ParseError::BadAuthLength},
      {"auth type 0", mutate(md5_bytes(2), 24, 0), ParseError::UnknownAuthType},
      {"auth type 6", mutate(md5_bytes(2), 24, 6), ParseError::UnknownAuthType},
      {"auth type 255", mutate(md5_bytes(2), 24, 255), ParseError::UnknownAuthType},
  };
}

TEST(PacketTest, EveryValidationRule) {
  for (const Invalid& c : invalid_cases()) {
    SCOPED_TRACE(c.name);
    const ParseResult r = parse(c.bytes);
    EXPECT_FALSE(r);
    EXPECT_EQ(r.error, c.expected) << to_string(r.error);
  }
}

TEST(PacketTest, YourDiscrZeroAllowedInDownAndAdminDown) {
  EXPECT_TRUE(parse(kDownBytes));
  EXPECT_TRUE(parse(mutate(kDownBytes, 1, 0x00)));  // AdminDown
}

TEST(PacketTest, ChecksRunInRfcOrder) {
  // Version 2 and Detect Mult 0 and M set: the version check comes first in §6.8.6.
  Bytes b = mutate(mutate(mutate(kDownBytes, 0, 0x40), 2, 0), 1, 0x41);
  EXPECT_EQ(parse(b).error, ParseError::BadVersion);
  b[0] = 0x20;
  EXPECT_EQ(parse(b).error, ParseError::ZeroDetectMult);
  b[2] = 3;
  EXPECT_EQ(parse(b).error, ParseError::MultipointSet);
}

TEST(PacketTest, ParseErrorNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int e = 0; e <= static_cast<int>(ParseError::UnknownAuthType); ++e) {
    const std::string_view n = to_string(static_cast<ParseError>(e));
    EXPECT_FALSE(n.empty());
    names.insert(n);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(ParseError::UnknownAuthType) + 1);
}

TEST(PacketTest, TypeNames) {
  EXPECT_EQ(to_string(State::Up), "up");
  EXPECT_EQ(to_string(State::Down), "down");
  EXPECT_EQ(to_string(State::Init), "init");
  EXPECT_EQ(to_string(State::AdminDown), "admin-down");
  EXPECT_EQ(to_string(Diag::ControlDetectionTimeExpired), "control-detection-time-expired");
  EXPECT_EQ(to_string(Diag::NeighborSignaledSessionDown), "neighbor-signaled-session-down");
  EXPECT_EQ(to_string(Diag::MisConnectivityDefect), "mis-connectivity-defect");
  EXPECT_EQ(to_string(static_cast<Diag>(17)), "diag-17");
  EXPECT_EQ(to_string(static_cast<Diag>(31)), "diag-31");
}

}  // namespace
}  // namespace wgfo::bfd

// Probe and ICMP Echo codecs: golden bytes, round trips and every decode error.
#include <gtest/gtest.h>

#include <vector>

#include "controller/probe/icmp_packet.hpp"
#include "controller/probe/probe_packet.hpp"

namespace wgfo::probe {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes hex(std::string_view h) {
  std::string digits;
  for (const char c : h) {
    if (c != ' ') digits += c;
  }
  Bytes out;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

template <std::size_t N>
Bytes vec(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

// ---- probe_packet -----------------------------------------------------------------------------------

const ProbeMessage kRequest{MessageType::Request, 0x01020304, 0xa0b0c0d0, 0x1122334455667788, 0};
const Bytes kRequestBytes = hex("57474650 01010000 01020304 a0b0c0d0 1122334455667788 0000000000000000");

TEST(ProbePacket, EncodesGoldenRequest) {
  EXPECT_EQ(vec(encode(kRequest)), kRequestBytes);
}

TEST(ProbePacket, EncodesGoldenReply) {
  const ProbeMessage reply = make_reply(kRequest, 0xabcdef);
  EXPECT_EQ(reply.type, MessageType::Reply);
  EXPECT_EQ(reply.session_id, kRequest.session_id);
  EXPECT_EQ(reply.sequence, kRequest.sequence);
  EXPECT_EQ(reply.tx_timestamp, kRequest.tx_timestamp);
  EXPECT_EQ(vec(encode(reply)), hex("57474650 01020000 01020304 a0b0c0d0 1122334455667788 0000000000abcdef"));
}

TEST(ProbePacket, DecodesGoldenBytes) {
  const DecodeResult r = decode(kRequestBytes);
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.message, kRequest);
}

TEST(ProbePacket, RoundTripsExtremeValues) {
  for (const ProbeMessage& m : {ProbeMessage{MessageType::Reply, 0xffffffff, 0xffffffff, ~0ULL, ~0ULL},
                                ProbeMessage{MessageType::Request, 0, 0, 0, 0}}) {
    const ProbeBytes b = encode(m);
    const DecodeResult r = decode(b);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.message, m);
  }
}

TEST(ProbePacket, IgnoresReservedOnReceipt) {
  Bytes b = kRequestBytes;
  b[6] = 0xff;
  b[7] = 0x01;
  const DecodeResult r = decode(b);
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.message, kRequest);
}

TEST(ProbePacket, RejectsShortPackets) {
  for (std::size_t n = 0; n < kHeaderSize; ++n) {
    const DecodeResult r = decode(std::span(kRequestBytes).first(n));
    EXPECT_FALSE(r);
    EXPECT_EQ(r.error, "packet too short: " + std::to_string(n) + " octets, expected 32");
  }
}

TEST(ProbePacket, RejectsBadMagic) {
  Bytes b = kRequestBytes;
  b[0] = 0x12;
  EXPECT_EQ(decode(b).error, "bad magic 0x12474650");
  b = kRequestBytes;
  b[3] ^= 1;
  EXPECT_EQ(decode(b).error, "bad magic 0x57474651");
}

TEST(ProbePacket, RejectsOtherVersions) {
  for (const int v : {0, 2, 255}) {
    Bytes b = kRequestBytes;
    b[4] = static_cast<std::uint8_t>(v);
    EXPECT_EQ(decode(b).error, "unsupported version " + std::to_string(v));
  }
  // The version is checked before the length: a longer packet of a later version says so.
  Bytes b = kRequestBytes;
  b[4] = 2;
  b.resize(48);
  EXPECT_EQ(decode(b).error, "unsupported version 2");
}

TEST(ProbePacket, RejectsWrongLengths) {
  for (const std::size_t n : {std::size_t{8}, std::size_t{31}, std::size_t{33}, std::size_t{512}}) {
    Bytes b = kRequestBytes;
    b.resize(n);
    EXPECT_EQ(decode(b).error, "bad length: " + std::to_string(n) + " octets, expected 32");
  }
}

TEST(ProbePacket, RejectsUnknownTypes) {
  for (const int t : {0, 3, 128, 255}) {
    Bytes b = kRequestBytes;
    b[5] = static_cast<std::uint8_t>(t);
    EXPECT_EQ(decode(b).error, "unknown message type " + std::to_string(t));
  }
}

TEST(ProbePacket, NamesTypes) {
  EXPECT_EQ(to_string(MessageType::Request), "request");
  EXPECT_EQ(to_string(MessageType::Reply), "reply");
}

// ---- icmp_packet ------------------------------------------------------------------------------------

TEST(ProbeInternetChecksum, Rfc1071Example) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2, whose complement is 220d.
  EXPECT_EQ(internet_checksum(hex("0001f203f4f5f6f7")), 0x220d);
}

TEST(ProbeInternetChecksum, ClassicPing) {
  // A Windows ping (id 1, seq 1, "abcdefghijklmnopqrstuvwabcdefghi") carries checksum 4d5a.
  Bytes b = hex("0800000000010001");
  const std::string data = "abcdefghijklmnopqrstuvwabcdefghi";
  b.insert(b.end(), data.begin(), data.end());
  EXPECT_EQ(internet_checksum(b), 0x4d5a);
  b[2] = 0x4d;
  b[3] = 0x5a;
  EXPECT_EQ(internet_checksum(b), 0);  // a message with its checksum sums to zero
}

TEST(ProbeInternetChecksum, OddLengthPadsWithZero) {
  EXPECT_EQ(internet_checksum(hex("0102 03")), internet_checksum(hex("0102 0300")));
  EXPECT_EQ(internet_checksum({}), 0xffff);
  EXPECT_EQ(internet_checksum({}, 0x1234), static_cast<std::uint16_t>(~0x1234));
}

const EchoPayload kPayload{0xdeadbeef, 0x00010002, 0x0102030405060708};

TEST(ProbeIcmpEcho, EncodesGoldenV4Request) {
  // Checksum computed independently (Python, RFC 1071).
  EXPECT_EQ(vec(encode_echo_request(IpFamily::V4, 0x1234, kPayload)),
            hex("08009a84 12340002 57474649 deadbeef 00010002 00000000 0102030405060708"));
}

TEST(ProbeIcmpEcho, EncodesV6RequestWithoutChecksum) {
  EXPECT_EQ(vec(encode_echo_request(IpFamily::V6, 0x1234, kPayload)),
            hex("80000000 12340002 57474649 deadbeef 00010002 00000000 0102030405060708"));
}

TEST(ProbeIcmpEcho, Icmpv6ChecksumCoversThePseudoHeader) {
  const EchoBytes m = encode_echo_request(IpFamily::V6, 0x1234, kPayload);
  const IpAddress a = *IpAddress::parse("fe80::1");
  const IpAddress b = *IpAddress::parse("fe80::2");
  EXPECT_EQ(icmpv6_checksum(a, b, m), 0x2525);  // computed independently
  EXPECT_NE(icmpv6_checksum(a, *IpAddress::parse("fe80::3"), m), 0x2525);
}

TEST(ProbeIcmpEcho, ReplyRoundTrip) {
  for (const IpFamily f : {IpFamily::V4, IpFamily::V6}) {
    const EchoBytes reply = make_echo_reply(f, encode_echo_request(f, 0x1234, kPayload));
    const EchoDecodeResult e = decode_echo(f, reply);
    ASSERT_TRUE(e) << e.error;
    EXPECT_EQ(e.header.type, f == IpFamily::V4 ? kIcmp4EchoReply : kIcmp6EchoReply);
    EXPECT_EQ(e.header.identifier, 0x1234);
    EXPECT_EQ(e.header.sequence, 0x0002);
    const PayloadDecodeResult p = decode_payload(e.data);
    ASSERT_TRUE(p) << p.error;
    EXPECT_EQ(p.payload, kPayload);
  }
  EXPECT_EQ(vec(make_echo_reply(IpFamily::V4, encode_echo_request(IpFamily::V4, 0x1234, kPayload))),
            hex("0000a284 12340002 57474649 deadbeef 00010002 00000000 0102030405060708"));
}

TEST(ProbeIcmpEcho, DecodeErrors) {
  const EchoBytes good = make_echo_reply(IpFamily::V4, encode_echo_request(IpFamily::V4, 1, kPayload));
  EXPECT_EQ(decode_echo(IpFamily::V4, std::span(good).first(7)).error, "ICMP message too short: 7 octets");

  Bytes b(good.begin(), good.end());
  b[0] = 3;  // destination unreachable
  EXPECT_EQ(decode_echo(IpFamily::V4, b).error, "not an echo message: ICMP type 3");
  EXPECT_EQ(decode_echo(IpFamily::V6, good).error, "not an echo message: ICMPv6 type 0");

  b.assign(good.begin(), good.end());
  b[1] = 1;
  EXPECT_EQ(decode_echo(IpFamily::V4, b).error, "bad echo code 1");

  b.assign(good.begin(), good.end());
  b[20] ^= 0x40;
  EXPECT_EQ(decode_echo(IpFamily::V4, b).error, "bad ICMP checksum");

  // ICMPv6 checksums are the kernel's: a zero checksum decodes.
  const EchoBytes v6 = make_echo_reply(IpFamily::V6, encode_echo_request(IpFamily::V6, 1, kPayload));
  EXPECT_TRUE(decode_echo(IpFamily::V6, v6));
}

TEST(ProbeIcmpEcho, PayloadErrors) {
  const EchoBytes req = encode_echo_request(IpFamily::V4, 1, kPayload);
  const auto data = std::span(req).subspan(kIcmpHeaderSize);
  EXPECT_EQ(decode_payload(data.first(23)).error, "echo payload too short: 23 octets");
  Bytes b(data.begin(), data.end());
  b[0] = 'X';
  EXPECT_EQ(decode_payload(b).error, "echo payload is not a wg-failover probe");
  b.assign(data.begin(), data.end());
  b.resize(64, 0xee);  // a peer may pad: still ours
  EXPECT_TRUE(decode_payload(b));
}

Bytes ipv4(const EchoBytes& icmp, std::uint8_t proto = 1) {
  Bytes b = hex("45000034 00004000 40010000 cb007102 cb007101");
  b[9] = proto;
  b.insert(b.end(), icmp.begin(), icmp.end());
  return b;
}

TEST(ProbeIpv4Header, StripsAndChecks) {
  const EchoBytes reply = make_echo_reply(IpFamily::V4, encode_echo_request(IpFamily::V4, 1, kPayload));
  const Bytes good = ipv4(reply);  // total length 0x34 = 52 = 20 + 32, DF set (allowed)
  const Ipv4StripResult s = strip_ipv4_header(good);
  ASSERT_TRUE(s) << s.error;
  EXPECT_EQ(Bytes(s.payload.begin(), s.payload.end()), vec(reply));

  // Options: IHL 6, one more word in front of the ICMP message.
  Bytes opt = good;
  opt[0] = 0x46;
  opt[3] = 0x38;
  opt.insert(opt.begin() + 20, {1, 1, 1, 0});
  const Ipv4StripResult so = strip_ipv4_header(opt);
  ASSERT_TRUE(so) << so.error;
  EXPECT_EQ(Bytes(so.payload.begin(), so.payload.end()), vec(reply));

  // Trailing octets beyond Total Length (link padding) are cut off.
  Bytes padded = good;
  padded.resize(good.size() + 6, 0);
  EXPECT_EQ(strip_ipv4_header(padded).payload.size(), 32U);

  EXPECT_EQ(strip_ipv4_header(std::span(good).first(19)).error, "IPv4 packet too short: 19 octets");
  Bytes b = good;
  b[0] = 0x65;
  EXPECT_EQ(strip_ipv4_header(b).error, "not IPv4: version 6");
  b = good;
  b[0] = 0x44;
  EXPECT_EQ(strip_ipv4_header(b).error, "bad IPv4 header length 16");
  b = good;
  b[0] = 0x4f;
  EXPECT_EQ(strip_ipv4_header(std::span(b).first(40)).error, "bad IPv4 header length 60");
  b = good;
  b[3] = 0x35;
  EXPECT_EQ(strip_ipv4_header(b).error, "bad IPv4 total length 53 (52 octets received)");
  b = good;
  b[3] = 0x10;
  EXPECT_EQ(strip_ipv4_header(b).error, "bad IPv4 total length 16 (52 octets received)");
  b = good;
  b[6] = 0x20;  // MF
  EXPECT_EQ(strip_ipv4_header(b).error, "IPv4 fragment");
  b = good;
  b[7] = 0x01;  // offset 8
  EXPECT_EQ(strip_ipv4_header(b).error, "IPv4 fragment");
  EXPECT_EQ(strip_ipv4_header(ipv4(reply, 17)).error, "not ICMP: protocol 17");
}

}  // namespace
}  // namespace wgfo::probe

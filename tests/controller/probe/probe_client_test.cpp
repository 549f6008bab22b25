// The pure probe clients (UDP protocol and ICMP Echo) with a fake clock: request building, reply
// matching (session, identifier, type), verdict counting and timeouts.
#include "controller/probe/probe_client.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "controller/probe/icmp_packet.hpp"
#include "controller/probe/probe_packet.hpp"

namespace wgfo::probe {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

const TimePoint t0 = TimePoint{} + 10h;

template <std::size_t N>
Bytes vec(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

Bytes request(ProbeClient& c, TimePoint now) {
  Bytes b(c.request_size());
  EXPECT_EQ(c.make_request(now, b), b.size());
  return b;
}

// What a responder sends back for a request, with the given hold time.
Bytes udp_reply(const Bytes& req, std::uint64_t hold_ns) {
  const DecodeResult d = decode(req);
  EXPECT_TRUE(d) << d.error;
  return vec(encode(make_reply(d.message, hold_ns)));
}

TEST(ProbeWireTimestamp, RoundTrips) {
  EXPECT_EQ(from_wire_timestamp(to_wire_timestamp(t0)), t0);
  EXPECT_EQ(to_wire_timestamp(TimePoint{} + 1500ns), 1500U);
}

TEST(ProbeReceiveTime, SubtractsTheQueueingAge) {
  const TimePoint now = t0;
  const std::chrono::nanoseconds wall = 1'700'000'000s;
  EXPECT_EQ(estimate_receive_time(now, wall, wall - 3ms), now - 3ms);
  EXPECT_EQ(estimate_receive_time(now, wall, wall), now);
  EXPECT_EQ(estimate_receive_time(now, wall, wall - 1s), now - 1s);
  // A wall-clock step in between: the age is not believable, use now.
  EXPECT_EQ(estimate_receive_time(now, wall, wall + 1ms), now);
  EXPECT_EQ(estimate_receive_time(now, wall, wall - 2s), now);
}

TEST(ProbeUdpClient, BuildsNumberedRequests) {
  UdpProbeClient c({20, 1s}, 0xcafe0001, 41);
  EXPECT_EQ(c.request_size(), kPacketSize);
  Bytes small(31);
  EXPECT_EQ(c.make_request(t0, small), 0U);  // nothing recorded
  EXPECT_EQ(c.counters().sent, 0U);

  const Bytes r1 = request(c, t0);
  const Bytes r2 = request(c, t0 + 100ms);
  const DecodeResult d1 = decode(r1);
  const DecodeResult d2 = decode(r2);
  ASSERT_TRUE(d1 && d2);
  EXPECT_EQ(d1.message.type, MessageType::Request);
  EXPECT_EQ(d1.message.session_id, 0xcafe0001U);
  EXPECT_EQ(d1.message.sequence, 41U);
  EXPECT_EQ(d2.message.sequence, 42U);
  EXPECT_EQ(d1.message.tx_timestamp, to_wire_timestamp(t0));
  EXPECT_EQ(d1.message.hold_ns, 0U);
  EXPECT_EQ(c.next_sequence(), 43U);
  EXPECT_EQ(c.counters().sent, 2U);
}

TEST(ProbeUdpClient, AcceptsItsRepliesWithHoldTime) {
  UdpProbeClient c({20, 1s}, 7);
  const Bytes req = request(c, t0);
  const DatagramResult r = c.on_datagram(udp_reply(req, 2'000'000), t0 + 12ms);  // held 2 ms
  EXPECT_EQ(r.verdict, Verdict::Accepted);
  EXPECT_EQ(r.sequence, 0U);
  EXPECT_EQ(r.rtt, 10ms);
  const QualitySummary s = c.summary(t0 + 20ms);
  EXPECT_EQ(s.samples, 1U);
  EXPECT_EQ(s.rtt_median, 10ms);
}

TEST(ProbeUdpClient, SortsOutEverythingElse) {
  UdpProbeClient c({20, 1s}, 7);
  const Bytes req = request(c, t0);

  // Our own request reflected (or any request): never a reply, never answered.
  EXPECT_EQ(c.on_datagram(req, t0 + 1ms).verdict, Verdict::NotReply);

  // A reply to another session (e.g. our previous incarnation).
  DecodeResult other = decode(req);
  other.message.session_id = 8;
  EXPECT_EQ(c.on_datagram(vec(encode(make_reply(other.message, 0))), t0 + 1ms).verdict, Verdict::Foreign);

  // Garbage.
  const Bytes junk = {1, 2, 3};
  const DatagramResult m = c.on_datagram(junk, t0 + 1ms);
  EXPECT_EQ(m.verdict, Verdict::Malformed);
  EXPECT_EQ(m.error, "packet too short: 3 octets, expected 32");

  // A reply with a forged timestamp.
  DecodeResult forged = decode(req);
  forged.message.tx_timestamp += 1;
  EXPECT_EQ(c.on_datagram(vec(encode(make_reply(forged.message, 0))), t0 + 1ms).verdict, Verdict::Mismatched);

  // An unknown sequence number, then the real reply and its duplicate.
  DecodeResult unknown = decode(req);
  unknown.message.sequence = 1000;
  EXPECT_EQ(c.on_datagram(vec(encode(make_reply(unknown.message, 0))), t0 + 1ms).verdict, Verdict::Unknown);
  EXPECT_EQ(c.on_datagram(udp_reply(req, 0), t0 + 2ms).verdict, Verdict::Accepted);
  EXPECT_EQ(c.on_datagram(udp_reply(req, 0), t0 + 3ms).verdict, Verdict::Duplicate);

  const ProbeCounters k = c.counters();
  EXPECT_EQ(k.sent, 1U);
  EXPECT_EQ(k.answered, 1U);
  EXPECT_EQ(k.not_reply, 1U);
  EXPECT_EQ(k.foreign, 1U);
  EXPECT_EQ(k.malformed, 1U);
  EXPECT_EQ(k.mismatched, 1U);
  EXPECT_EQ(k.unknown, 1U);
  EXPECT_EQ(k.duplicate, 1U);
  EXPECT_EQ(c.summary(t0 + 2s).samples, 1U);
}

TEST(ProbeUdpClient, HugeHoldIsNotTrusted) {
  UdpProbeClient c({20, 1s}, 7);
  const Bytes req = request(c, t0);
  const DatagramResult r = c.on_datagram(udp_reply(req, ~0ULL), t0 + 30ms);
  EXPECT_EQ(r.verdict, Verdict::Accepted);
  EXPECT_EQ(r.rtt, 30ms);
}

TEST(ProbeUdpClient, TimeoutsBecomeEventsAndLateRepliesChangeNothing) {
  UdpProbeClient c({20, 1s}, 7, 0xffffffff);
  const Bytes a = request(c, t0);          // seq 0xffffffff
  const Bytes b = request(c, t0 + 100ms);  // seq 0 (wrapped)
  EXPECT_EQ(c.next_deadline(), t0 + 1s);
  EXPECT_TRUE(c.expire(t0 + 999ms).empty());
  const std::vector<ProbeEvent> e = c.expire(t0 + 1s);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].kind, ProbeEvent::Kind::Timeout);
  EXPECT_EQ(e[0].sequence, 0xffffffffU);
  EXPECT_EQ(c.on_datagram(udp_reply(a, 0), t0 + 1050ms).verdict, Verdict::Late);
  const DatagramResult rb = c.on_datagram(udp_reply(b, 0), t0 + 150ms);
  EXPECT_EQ(rb.verdict, Verdict::Accepted);
  EXPECT_EQ(rb.sequence, 0U);
  const QualitySummary s = c.summary(t0 + 2s);
  EXPECT_EQ(s.lost, 1U);
  EXPECT_EQ(s.samples, 1U);
  EXPECT_EQ(s.loss_percent, 50);
  EXPECT_EQ(c.counters().late, 1U);
  EXPECT_EQ(c.counters().lost, 1U);
}

TEST(ProbeVerdict, AllNamed) {
  EXPECT_EQ(to_string(Verdict::Accepted), "accepted");
  EXPECT_EQ(to_string(Verdict::Foreign), "foreign");
  EXPECT_EQ(to_string(Verdict::NotReply), "not-reply");
  EXPECT_EQ(to_string(Verdict::Malformed), "malformed");
  EXPECT_EQ(to_string(Verdict::Late), "late");
  EXPECT_EQ(to_string(Verdict::Duplicate), "duplicate");
  EXPECT_EQ(to_string(Verdict::Unknown), "unknown");
  EXPECT_EQ(to_string(Verdict::Mismatched), "mismatched");
}

// ---- ICMP -------------------------------------------------------------------------------------------

// The echo reply a peer sends for `req` (an ICMP message without IP header), as a Bytes.
Bytes icmp_reply(IpFamily f, const Bytes& req) {
  EchoBytes b{};
  std::copy(req.begin(), req.end(), b.begin());
  return vec(make_echo_reply(f, b));
}

Bytes with_ipv4_header(const Bytes& icmp) {
  Bytes b = {0x45, 0, 0,    static_cast<std::uint8_t>(20 + icmp.size()),
             0,    0, 0x40, 0,
             64,   1, 0,    0,
             203,  0, 113,  2,
             203,  0, 113,  1};
  b.insert(b.end(), icmp.begin(), icmp.end());
  return b;
}

TEST(ProbeIcmpClient, RequestsCarryIdentifierAndFullSequence) {
  IcmpProbeClient c({IpFamily::V4, 0x4242, false}, {20, 1s}, 0x5e55, 0x1fffe);
  const Bytes req = request(c, t0);
  ASSERT_EQ(req.size(), kIcmpEchoSize);
  const EchoDecodeResult e = decode_echo(IpFamily::V4, req);
  ASSERT_TRUE(e) << e.error;
  EXPECT_EQ(e.header.type, kIcmp4EchoRequest);
  EXPECT_EQ(e.header.identifier, 0x4242);
  EXPECT_EQ(e.header.sequence, 0xfffe);
  const PayloadDecodeResult p = decode_payload(e.data);
  ASSERT_TRUE(p);
  EXPECT_EQ(p.payload.session_id, 0x5e55U);
  EXPECT_EQ(p.payload.sequence, 0x1fffeU);
  EXPECT_EQ(p.payload.tx_timestamp, to_wire_timestamp(t0));
}

TEST(ProbeIcmpClient, MatchesRepliesAcrossThe16BitWrap) {
  for (const IpFamily f : {IpFamily::V4, IpFamily::V6}) {
    IcmpProbeClient c({f, 9, false}, {20, 1s}, 1, 0xffff);
    const Bytes a = request(c, t0);         // header seq 0xffff
    const Bytes b = request(c, t0 + 10ms);  // header seq 0x0000, payload 0x10000
    const DatagramResult rb = c.on_datagram(icmp_reply(f, b), t0 + 15ms);
    EXPECT_EQ(rb.verdict, Verdict::Accepted);
    EXPECT_EQ(rb.sequence, 0x10000U);
    EXPECT_EQ(rb.rtt, 5ms);
    const DatagramResult ra = c.on_datagram(icmp_reply(f, a), t0 + 20ms);
    EXPECT_EQ(ra.verdict, Verdict::Accepted);
    EXPECT_EQ(ra.sequence, 0xffffU);
    EXPECT_EQ(ra.rtt, 20ms);
  }
}

TEST(ProbeIcmpClient, StripsTheIpv4HeaderOfRawSockets) {
  IcmpProbeClient c({IpFamily::V4, 9, true}, {20, 1s}, 1);
  const Bytes req = request(c, t0);
  EXPECT_EQ(c.on_datagram(with_ipv4_header(icmp_reply(IpFamily::V4, req)), t0 + 4ms).verdict,
            Verdict::Accepted);
  // Without the header the first octet is no IPv4 version.
  const DatagramResult bad = c.on_datagram(icmp_reply(IpFamily::V4, req), t0 + 5ms);
  EXPECT_EQ(bad.verdict, Verdict::Malformed);
  EXPECT_EQ(bad.error, "not IPv4: version 0");
}

TEST(ProbeIcmpClient, IgnoresOtherPingsAndRequests) {
  IcmpProbeClient c({IpFamily::V4, 9, false}, {20, 1s}, 0xaaaa);
  const Bytes req = request(c, t0);

  // Our own request (a raw socket on the same host may see it).
  EXPECT_EQ(c.on_datagram(req, t0 + 1ms).verdict, Verdict::NotReply);

  // Another process's ping: other identifier.
  IcmpProbeClient other({IpFamily::V4, 10, false}, {20, 1s}, 0xaaaa);
  EXPECT_EQ(c.on_datagram(icmp_reply(IpFamily::V4, request(other, t0)), t0 + 1ms).verdict, Verdict::Foreign);

  // Same identifier, but a plain ping payload (not ours) or another session.
  Bytes plain = {8, 0, 0, 0, 0, 9, 0, 0};
  plain.resize(8 + 56, 0x61);
  Bytes plain_reply = plain;
  plain_reply[0] = 0;
  plain_reply[2] = plain_reply[3] = 0;
  const std::uint16_t sum = internet_checksum(plain_reply);
  plain_reply[2] = static_cast<std::uint8_t>(sum >> 8);
  plain_reply[3] = static_cast<std::uint8_t>(sum);
  EXPECT_EQ(c.on_datagram(plain_reply, t0 + 1ms).verdict, Verdict::Foreign);
  IcmpProbeClient stranger({IpFamily::V4, 9, false}, {20, 1s}, 0xbbbb);
  EXPECT_EQ(c.on_datagram(icmp_reply(IpFamily::V4, request(stranger, t0)), t0 + 1ms).verdict,
            Verdict::Foreign);

  // A corrupted reply and one whose header sequence disagrees with the payload.
  Bytes corrupt = icmp_reply(IpFamily::V4, req);
  corrupt[30] ^= 1;
  EXPECT_EQ(c.on_datagram(corrupt, t0 + 1ms).error, "bad ICMP checksum");
  Bytes moved = req;
  moved[7] = 5;
  const DatagramResult mv = c.on_datagram(icmp_reply(IpFamily::V4, moved), t0 + 1ms);
  EXPECT_EQ(mv.verdict, Verdict::Malformed);
  EXPECT_EQ(mv.error, "echo sequence 5 does not match the payload's 0");

  EXPECT_EQ(c.on_datagram(icmp_reply(IpFamily::V4, req), t0 + 2ms).verdict, Verdict::Accepted);
  const ProbeCounters k = c.counters();
  EXPECT_EQ(k.not_reply, 1U);
  EXPECT_EQ(k.foreign, 3U);
  EXPECT_EQ(k.malformed, 2U);
  EXPECT_EQ(k.answered, 1U);
}

TEST(ProbeIcmpClient, FamiliesDoNotMix) {
  IcmpProbeClient c({IpFamily::V6, 9, false}, {20, 1s}, 1);
  const Bytes req = request(c, t0);
  EXPECT_EQ(req[0], kIcmp6EchoRequest);
  EXPECT_EQ(c.on_datagram(icmp_reply(IpFamily::V4, req), t0 + 1ms).verdict, Verdict::Malformed);
  EXPECT_EQ(c.on_datagram(icmp_reply(IpFamily::V6, req), t0 + 1ms).verdict, Verdict::Accepted);
}

}  // namespace
}  // namespace wgfo::probe

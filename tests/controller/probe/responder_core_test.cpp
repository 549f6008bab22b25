// ResponderCore with a fake clock: what is answered, the hold time, and the rate limits (per source,
// global, bounded source table).
#include "controller/probe/responder_core.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wgfo::probe {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;

const TimePoint t0 = TimePoint{} + 5h;
const IpAddress kA = *IpAddress::parse("203.0.113.1");
const IpAddress kB = *IpAddress::parse("203.0.113.5");
const IpAddress kC = *IpAddress::parse("2001:db8::1");

Bytes request(std::uint32_t seq = 1) {
  const ProbeBytes b = encode(ProbeMessage{MessageType::Request, 0x11, seq, 0x1234, 0});
  return Bytes(b.begin(), b.end());
}

bool answered(ResponderCore& r, const IpAddress& from, TimePoint now, std::uint16_t port = 40000) {
  return r.handle(request(), from, port, now, now).reply.has_value();
}

TEST(ProbeResponderCore, AnswersARequestWithAReplyOfTheSameSize) {
  ResponderCore r;
  const Bytes req = request(77);
  const ResponderDecision d = r.handle(req, kA, 50000, t0, t0 + 3ms);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(d.reply->size(), req.size());
  const DecodeResult m = decode(*d.reply);
  ASSERT_TRUE(m) << m.error;
  EXPECT_EQ(m.message, (ProbeMessage{MessageType::Reply, 0x11, 77, 0x1234, 3'000'000}));
  EXPECT_EQ(r.counters().received, 1U);
  EXPECT_EQ(r.counters().replied, 1U);
}

TEST(ProbeResponderCore, HoldIsNeverNegative) {
  ResponderCore r;
  const ResponderDecision d = r.handle(request(), kA, 50000, t0 + 1ms, t0);
  ASSERT_TRUE(d.reply);
  EXPECT_EQ(decode(*d.reply).message.hold_ns, 0U);
}

TEST(ProbeResponderCore, NeverAnswersRepliesMalformedOrPrivilegedPorts) {
  ResponderCore r;
  const ProbeBytes reply = encode(ProbeMessage{MessageType::Reply, 1, 1, 1, 1});
  EXPECT_FALSE(r.handle(reply, kA, 50000, t0, t0).reply);  // no loops between responders

  const Bytes junk = {0x57, 0x47, 0x46, 0x50, 1, 9, 0, 0};
  const ResponderDecision bad = r.handle(junk, kA, 50000, t0, t0);
  EXPECT_FALSE(bad.reply);
  EXPECT_EQ(bad.error, "bad length: 8 octets, expected 32");

  EXPECT_FALSE(answered(r, kA, t0, 7));     // echo
  EXPECT_FALSE(answered(r, kA, t0, 1023));  // still privileged
  EXPECT_FALSE(answered(r, kA, t0, 0));
  EXPECT_TRUE(answered(r, kA, t0, 1024));

  const ResponderCounters& c = r.counters();
  EXPECT_EQ(c.received, 6U);
  EXPECT_EQ(c.not_request, 1U);
  EXPECT_EQ(c.malformed, 1U);
  EXPECT_EQ(c.bad_source_port, 3U);
  EXPECT_EQ(c.replied, 1U);
  EXPECT_EQ(c.rate_limited, 0U);
}

TEST(ProbeResponderCore, PerSourceTokenBucket) {
  ResponderCore r({RateLimit{2, 5}, RateLimit{1000, 1000}, 100});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(answered(r, kA, t0)) << i;  // the burst
  EXPECT_FALSE(answered(r, kA, t0));
  EXPECT_FALSE(answered(r, kA, t0, 40001));  // per address: another port does not help
  EXPECT_TRUE(answered(r, kB, t0));          // another source has its own bucket
  EXPECT_FALSE(answered(r, kA, t0 + 499ms));
  EXPECT_TRUE(answered(r, kA, t0 + 500ms));  // 2/s: one token after 500 ms
  EXPECT_FALSE(answered(r, kA, t0 + 500ms));
  EXPECT_EQ(r.counters().rate_limited, 4U);
  EXPECT_EQ(r.counters().replied, 7U);
}

TEST(ProbeResponderCore, GlobalBucket) {
  ResponderCore r({RateLimit{100, 100}, RateLimit{10, 3}, 100});
  EXPECT_TRUE(answered(r, kA, t0));
  EXPECT_TRUE(answered(r, kB, t0));
  EXPECT_TRUE(answered(r, kC, t0));
  EXPECT_FALSE(answered(r, *IpAddress::parse("198.51.100.1"), t0));
  EXPECT_FALSE(answered(r, kA, t0));
  EXPECT_TRUE(answered(r, kA, t0 + 100ms));
  EXPECT_EQ(r.counters().rate_limited, 2U);
}

TEST(ProbeResponderCore, SourceTableIsBounded) {
  ResponderCore r({RateLimit{1, 2}, RateLimit{1000, 1000}, 2});
  EXPECT_TRUE(answered(r, kA, t0));
  EXPECT_TRUE(answered(r, kB, t0));
  // Full, and both buckets are still refilling: a new source is refused, fail closed.
  EXPECT_FALSE(answered(r, kC, t0 + 500ms));
  EXPECT_EQ(r.counters().source_table_full, 1U);
  EXPECT_EQ(r.tracked_sources(), 2U);
  // One second later both buckets are full again: forgetting them changes nothing, so they are swept.
  EXPECT_TRUE(answered(r, kC, t0 + 1s));
  EXPECT_EQ(r.tracked_sources(), 1U);
  EXPECT_TRUE(answered(r, kA, t0 + 1s));
  EXPECT_EQ(r.tracked_sources(), 2U);
}

TEST(ProbeResponderCore, FloodFromOneSourceIsCappedAtTheBurst) {
  ResponderCore r;  // defaults: 50/s, burst 50
  int replies = 0;
  for (int i = 0; i < 1000; ++i) replies += answered(r, kA, t0 + i * 100us) ? 1 : 0;  // 10000/s for 100 ms
  // 50 of the burst plus 50/s over the 99.9 ms of the flood.
  EXPECT_EQ(replies, 54);
  EXPECT_EQ(r.counters().rate_limited, 946U);
}

TEST(ProbeTokenBucket, RefillsUpToTheBurst) {
  const RateLimit l{10, 2};
  TokenBucket b(l, t0);
  EXPECT_TRUE(b.full(l, t0));
  EXPECT_TRUE(b.take(l, t0));
  EXPECT_FALSE(b.full(l, t0));
  EXPECT_TRUE(b.take(l, t0));
  EXPECT_FALSE(b.take(l, t0));
  EXPECT_FALSE(b.take(l, t0 + 99ms));
  EXPECT_TRUE(b.take(l, t0 + 100ms));
  EXPECT_TRUE(b.full(l, t0 + 10s));
  EXPECT_TRUE(b.take(l, t0 + 10s));
  EXPECT_TRUE(b.take(l, t0 + 10s));
  EXPECT_FALSE(b.take(l, t0 + 10s));  // capped at the burst, not 100 tokens
  EXPECT_FALSE(b.take(l, t0 + 9s));   // time going backwards refills nothing
}

TEST(ProbeResponderLimits, Validation) {
  EXPECT_EQ(validate(ResponderLimits{}), "");
  EXPECT_EQ(validate(ResponderLimits{RateLimit{0, 5}, RateLimit{}, 1}), "per-source rate must be positive");
  EXPECT_EQ(validate(ResponderLimits{RateLimit{1, 0.5}, RateLimit{}, 1}),
            "per-source burst must be at least 1");
  EXPECT_EQ(validate(ResponderLimits{RateLimit{}, RateLimit{-1, 5}, 1}), "global rate must be positive");
  EXPECT_EQ(validate(ResponderLimits{RateLimit{}, RateLimit{1, 5}, 0}), "max_sources must be at least 1");
}

}  // namespace
}  // namespace wgfo::probe

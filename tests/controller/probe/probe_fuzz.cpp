// libFuzzer target for the pure probe code: the decoders of everything a probe socket can receive,
// the responder's decision, and a QualityWindow driven by the input as a program.
//
// 1. Codecs: decode() never crashes; what it accepts re-encodes to the same bytes (Reserved aside) and
//    decodes to the same message. decode_echo/decode_payload/strip_ipv4_header likewise never crash,
//    stay inside the input, and an accepted IPv4 echo has a valid checksum.
// 2. Responder: a reply is only ever sent for a valid Request, has the request's size and echoes its
//    session, sequence and timestamp.
// 3. Clients and window: the input is also a program (send, answer the k-th probe after d ms, advance
//    time, feed raw bytes) for a UdpProbeClient and an IcmpProbeClient; after every step the summary
//    is consistent (counts add up, loss in 0..100, min <= median, p95, mean <= max) and no probe times
//    out twice.
// Any violation aborts, which libFuzzer reports as a crash.
//
// The normal build (with tests/fuzz/replay_main.cpp) replays a corpus directory as the unit test
// probe_fuzz_corpus. A libFuzzer binary, by hand (tests/fuzz/ is where WGFO_FUZZ builds its targets; this one
// is not wired in there yet):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. -o /tmp/probe_fuzz
//     tests/controller/probe/probe_fuzz.cpp controller/ip.cpp
//     controller/probe/{probe_packet,quality_window,icmp_packet,probe_client,responder_core}.cpp
//   /tmp/probe_fuzz -max_total_time=60 tests/controller/probe/corpus
//   (one command line; -fsanitize=fuzzer instruments these sources, which is all the target runs)

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <span>
#include <vector>

#include "controller/probe/icmp_packet.hpp"
#include "controller/probe/probe_client.hpp"
#include "controller/probe/probe_packet.hpp"
#include "controller/probe/responder_core.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wgfo;
using namespace wgfo::probe;

bool inside(std::span<const std::uint8_t> part, std::span<const std::uint8_t> whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_codecs(std::span<const std::uint8_t> in) {
  if (const DecodeResult d = decode(in)) {
    FUZZ_CHECK(in.size() == kPacketSize);
    ProbeBytes b = encode(d.message);
    FUZZ_CHECK(std::equal(b.begin(), b.begin() + 6, in.begin()));
    FUZZ_CHECK(std::equal(b.begin() + 8, b.end(), in.begin() + 8));
    FUZZ_CHECK(decode(b).message == d.message);
  } else {
    FUZZ_CHECK(!d.error.empty());
  }
  for (const IpFamily f : {IpFamily::V4, IpFamily::V6}) {
    if (const EchoDecodeResult e = decode_echo(f, in)) {
      FUZZ_CHECK(inside(e.data, in) && e.data.size() + kIcmpHeaderSize == in.size());
      if (f == IpFamily::V4) FUZZ_CHECK(internet_checksum(in) == 0);
      (void)decode_payload(e.data);
    }
  }
  if (const Ipv4StripResult s = strip_ipv4_header(in)) {
    FUZZ_CHECK(inside(s.payload, in));
    (void)decode_echo(IpFamily::V4, s.payload);
  }
}

void check_responder(std::span<const std::uint8_t> in) {
  ResponderCore r;
  const TimePoint t = TimePoint{} + 1h;
  const ResponderDecision d = r.handle(in, IpAddress(), 40000, t, t + 1ms);
  if (!d.reply) return;
  const DecodeResult req = decode(in);
  FUZZ_CHECK(req && req.message.type == MessageType::Request);
  FUZZ_CHECK(d.reply->size() == in.size());
  const DecodeResult rep = decode(*d.reply);
  FUZZ_CHECK(rep && rep.message.type == MessageType::Reply);
  FUZZ_CHECK(rep.message.session_id == req.message.session_id &&
             rep.message.sequence == req.message.sequence &&
             rep.message.tx_timestamp == req.message.tx_timestamp && rep.message.hold_ns == 1'000'000);
}

void check_summary(const ProbeClient& c, TimePoint now) {
  const QualitySummary s = c.summary(now);
  FUZZ_CHECK(s.samples + s.lost + s.pending == s.probes);
  FUZZ_CHECK(s.probes <= c.window_config().size);
  FUZZ_CHECK(s.loss_percent >= 0 && s.loss_percent <= 100);
  if (s.samples > 0) {
    FUZZ_CHECK(s.rtt_min <= s.rtt_median && s.rtt_median <= s.rtt_max);
    FUZZ_CHECK(s.rtt_min <= s.rtt_p95 && s.rtt_p95 <= s.rtt_max);
    FUZZ_CHECK(s.rtt_min <= s.rtt_mean && s.rtt_mean <= s.rtt_max);
    FUZZ_CHECK(s.rtt_min >= Duration::zero() && s.jitter >= Duration::zero());
    FUZZ_CHECK(s.jitter <= s.rtt_max - s.rtt_min);
  }
  const ProbeCounters k = c.counters();
  FUZZ_CHECK(k.answered + k.lost <= k.sent);
}

// Drives `c` with the input as a program; `reply` turns a request into the peer's answer.
template <typename MakeReply>
void drive(ProbeClient& c, std::span<const std::uint8_t> in, MakeReply reply) {
  TimePoint now = TimePoint{} + 2h;
  std::vector<std::vector<std::uint8_t>> sent;
  std::set<std::uint32_t> timed_out;
  std::size_t pos = 0;
  const auto byte = [&]() -> std::uint8_t { return pos < in.size() ? in[pos++] : 0; };
  for (int steps = 0; pos < in.size() && steps < 512; ++steps) {
    switch (byte() % 5) {
      case 0: {
        std::vector<std::uint8_t> b(c.request_size());
        FUZZ_CHECK(c.make_request(now, b) == b.size());
        sent.push_back(std::move(b));
        break;
      }
      case 1: {
        if (sent.empty()) break;
        const std::size_t k = byte() % sent.size();
        const Duration hold = std::chrono::milliseconds{byte() % 4};
        now += std::chrono::milliseconds{byte() * 8};
        (void)c.on_datagram(reply(sent[sent.size() - 1 - k], hold), now);
        break;
      }
      case 2:
        now += std::chrono::milliseconds{byte() * 10};
        for (const ProbeEvent& e : c.expire(now)) {
          FUZZ_CHECK(e.kind == ProbeEvent::Kind::Timeout);
          FUZZ_CHECK(timed_out.insert(e.sequence).second);  // never twice
        }
        FUZZ_CHECK(c.next_deadline() > now);
        break;
      case 3: {
        const std::size_t want = byte();
        const std::size_t len = std::min(want, in.size() - pos);
        (void)c.on_datagram(in.subspan(pos, len), now);
        pos += len;
        break;
      }
      case 4:
        now += std::chrono::microseconds{byte() * 100};
        break;
    }
    check_summary(c, now);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  check_codecs(in);
  check_responder(in);
  const std::size_t window = in.empty() ? 1 : in[0] % 32 + 1;
  UdpProbeClient udp({window, 1s}, 0x1234, size > 1 ? 0xfffffff0U + in[1] : 0);
  drive(udp, in, [](const std::vector<std::uint8_t>& req, Duration hold) {
    const DecodeResult d = decode(req);
    FUZZ_CHECK(d);
    const ProbeBytes b = encode(make_reply(d.message, static_cast<std::uint64_t>(hold.count())));
    return std::vector<std::uint8_t>(b.begin(), b.end());
  });
  IcmpProbeClient icmp({IpFamily::V4, 0x77, false}, {window, 1s}, 0x1234, 0xfff0);
  drive(icmp, in, [](const std::vector<std::uint8_t>& req, Duration) {
    EchoBytes b{};
    FUZZ_CHECK(req.size() == b.size());
    std::copy(req.begin(), req.end(), b.begin());
    const EchoBytes r = make_echo_reply(IpFamily::V4, b);
    return std::vector<std::uint8_t>(r.begin(), r.end());
  });
  return 0;
}

// The probe I/O on 127.0.0.1: ProbeSender against ProbeResponder, the responder against garbage and
// a flood, timeouts without a responder, start() errors. Loopback only, no root, no sleeping: each
// test runs the io_context until what it waits for has happened or a generous deadline has passed
// (the deadline only bounds a failing run).
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "bfd/io/asio.hpp"
#include "controller/probe/probe_responder.hpp"
#include "controller/probe/probe_sender.hpp"

namespace wgfo::probe {
namespace {

using namespace std::chrono_literals;
using udp = asio::ip::udp;

const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");
constexpr auto kDeadline = 30s;

// Runs `io` until `done()` or the deadline; returns done().
bool run_until(asio::io_context& io, const std::function<bool()>& done) {
  const auto end = std::chrono::steady_clock::now() + kDeadline;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(10ms);
  }
  return done();
}

ResponderConfig loopback_responder(ResponderLimits limits = {}) {
  ResponderConfig c;
  c.local = kLoopback;
  c.port = 0;
  c.limits = limits;
  return c;
}

SenderConfig loopback_sender(std::uint16_t port, std::uint64_t count) {
  SenderConfig c;
  c.peer = kLoopback;
  c.local = kLoopback;
  c.port = port;
  c.interval = 5ms;
  c.count = count;
  // The window holds every probe; the timeout is generous: sanitizer builds on a busy host.
  c.window = WindowConfig{count > 0 ? static_cast<std::size_t>(count) : 20, 5s};
  return c;
}

std::vector<std::uint8_t> bytes(const ProbeMessage& m) {
  const ProbeBytes b = encode(m);
  return {b.begin(), b.end()};
}

TEST(ProbeLoopback, TwentyProbesNoLoss) {
  asio::io_context io;
  ProbeResponder responder(io, loopback_responder());
  std::string error;
  ASSERT_TRUE(responder.start(error)) << error;
  ASSERT_NE(responder.port(), 0);

  ProbeSender sender(io, loopback_sender(responder.port(), 20));
  std::vector<ProbeEvent> events;
  sender.set_outcome_callback([&](const ProbeEvent& e) { events.push_back(e); });
  ASSERT_TRUE(sender.start(error)) << error;
  EXPECT_EQ(sender.kind(), "udp");

  ASSERT_TRUE(run_until(io, [&] { return sender.finished(); }));
  const QualitySummary s = sender.summary(std::chrono::steady_clock::now());
  EXPECT_EQ(s.probes, 20U);
  EXPECT_EQ(s.samples, 20U);
  EXPECT_EQ(s.lost, 0U);
  EXPECT_EQ(s.loss_percent, 0);
  EXPECT_GT(s.rtt_median, 0ns);
  EXPECT_GT(s.rtt_min, 0ns);
  EXPECT_LE(s.rtt_min, s.rtt_median);
  EXPECT_LE(s.rtt_median, s.rtt_p95);
  EXPECT_LE(s.rtt_p95, s.rtt_max);

  ASSERT_EQ(events.size(), 20U);
  for (const ProbeEvent& e : events) {
    EXPECT_EQ(e.kind, ProbeEvent::Kind::Reply);
    EXPECT_GT(e.rtt, 0ns);
  }
  const ProbeCounters c = sender.counters();
  EXPECT_EQ(c.sent, 20U);
  EXPECT_EQ(c.answered, 20U);
  EXPECT_EQ(c.send_errors + c.receive_errors + c.foreign + c.malformed, 0U);
  EXPECT_EQ(responder.counters().replied, 20U);
}

TEST(ProbeLoopback, WildcardResponderRepliesFromTheAddressProbed) {
  asio::io_context io;
  ResponderConfig rc = loopback_responder();
  rc.local = IpAddress();  // 0.0.0.0
  ProbeResponder responder(io, rc);
  std::string error;
  ASSERT_TRUE(responder.start(error)) << error;
  // 127.0.0.2 is local too, but not the source the kernel would pick towards 127.0.0.1: the sender's
  // connected socket only accepts the reply if it comes from 127.0.0.2 (IP_PKTINFO on the reply).
  SenderConfig sc = loopback_sender(responder.port(), 5);
  sc.peer = *IpAddress::parse("127.0.0.2");
  ProbeSender sender(io, sc);
  ASSERT_TRUE(sender.start(error)) << error;
  ASSERT_TRUE(run_until(io, [&] { return sender.finished(); }));
  EXPECT_EQ(sender.summary(std::chrono::steady_clock::now()).samples, 5U);
  EXPECT_EQ(responder.counters().replied, 5U);
}

TEST(ProbeLoopback, ResponderIgnoresGarbageAndRepliesAndAnswersRequests) {
  asio::io_context io;
  ProbeResponder responder(io, loopback_responder());
  std::string error;
  ASSERT_TRUE(responder.start(error)) << error;

  udp::socket client(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const udp::endpoint to(asio::ip::make_address("127.0.0.1"), responder.port());
  const std::vector<std::uint8_t> garbage = {'h', 'e', 'l', 'l', 'o'};
  client.send_to(asio::buffer(garbage), to);
  client.send_to(asio::buffer(bytes(ProbeMessage{MessageType::Reply, 1, 2, 3, 4})), to);
  std::vector<std::uint8_t> long_probe = bytes(ProbeMessage{MessageType::Request, 1, 2, 3, 0});
  long_probe.resize(1000, 0);  // a valid request padded: must not be answered (no amplification)
  client.send_to(asio::buffer(long_probe), to);
  client.send_to(asio::buffer(bytes(ProbeMessage{MessageType::Request, 9, 42, 0x77, 0})), to);

  ASSERT_TRUE(run_until(io, [&] { return responder.counters().received == 4; }));
  const ResponderCounters& c = responder.counters();
  EXPECT_EQ(c.malformed, 2U);
  EXPECT_EQ(c.not_request, 1U);
  EXPECT_EQ(c.replied, 1U);
  EXPECT_EQ(responder.last_error(), "bad length: 512 octets, expected 32");

  // Exactly one datagram came back: the reply to the last request. Loopback delivery is synchronous,
  // so anything the responder sent is queued on the client by now.
  std::array<std::uint8_t, 2048> buf{};
  udp::endpoint from;
  ASSERT_EQ(client.available(), kPacketSize);
  const std::size_t n = client.receive_from(asio::buffer(buf), from);
  EXPECT_EQ(from, to);
  const DecodeResult d = decode(std::span<const std::uint8_t>(buf.data(), n));
  ASSERT_TRUE(d) << d.error;
  EXPECT_EQ(d.message.type, MessageType::Reply);
  EXPECT_EQ(d.message.session_id, 9U);
  EXPECT_EQ(d.message.sequence, 42U);
  EXPECT_EQ(d.message.tx_timestamp, 0x77U);
  EXPECT_EQ(client.available(), 0U);
}

TEST(ProbeLoopback, RateLimitDropsAFlood) {
  asio::io_context io;
  // Practically no refill during the test: exactly the burst is answered.
  ProbeResponder responder(io, loopback_responder({RateLimit{0.001, 5}, RateLimit{5000, 1000}, 16}));
  std::string error;
  ASSERT_TRUE(responder.start(error)) << error;

  udp::socket client(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const udp::endpoint to(asio::ip::make_address("127.0.0.1"), responder.port());
  constexpr std::uint32_t kFlood = 60;
  for (std::uint32_t i = 0; i < kFlood; ++i) {
    client.send_to(asio::buffer(bytes(ProbeMessage{MessageType::Request, 1, i, i, 0})), to);
  }
  ASSERT_TRUE(run_until(io, [&] { return responder.counters().received == kFlood; }));
  EXPECT_EQ(responder.counters().replied, 5U);
  EXPECT_EQ(responder.counters().rate_limited, kFlood - 5);

  std::size_t replies = 0;
  std::array<std::uint8_t, 64> buf{};
  while (client.available() > 0) {
    client.receive(asio::buffer(buf));
    ++replies;
  }
  EXPECT_EQ(replies, 5U);
}

TEST(ProbeLoopback, NoResponderMeansTimeouts) {
  asio::io_context io;
  // A socket that holds the port and never answers.
  udp::socket silent(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  SenderConfig c = loopback_sender(silent.local_endpoint().port(), 3);
  c.window.timeout = 100ms;
  ProbeSender sender(io, c);
  std::vector<ProbeEvent> events;
  sender.set_outcome_callback([&](const ProbeEvent& e) { events.push_back(e); });
  std::string error;
  ASSERT_TRUE(sender.start(error)) << error;
  ASSERT_TRUE(run_until(io, [&] { return sender.finished(); }));
  ASSERT_EQ(events.size(), 3U);
  for (const ProbeEvent& e : events) EXPECT_EQ(e.kind, ProbeEvent::Kind::Timeout);
  const QualitySummary s = sender.summary(std::chrono::steady_clock::now());
  EXPECT_EQ(s.lost, 3U);
  EXPECT_EQ(s.loss_percent, 100);
  EXPECT_EQ(sender.counters().lost, 3U);
  // The probes did go out (FIONREAD on UDP is the size of the next datagram).
  std::size_t received = 0;
  std::array<std::uint8_t, 64> buf{};
  while (silent.available() > 0) {
    EXPECT_EQ(silent.receive(asio::buffer(buf)), kPacketSize);
    ++received;
  }
  EXPECT_EQ(received, 3U);
}

TEST(ProbeLoopback, StopFromTheCallbackAndDestroyWithPendingWork) {
  asio::io_context io;
  ProbeResponder responder(io, loopback_responder());
  std::string error;
  ASSERT_TRUE(responder.start(error)) << error;
  auto sender = std::make_unique<ProbeSender>(io, loopback_sender(responder.port(), 0));
  int outcomes = 0;
  sender->set_outcome_callback([&](const ProbeEvent&) {
    if (++outcomes == 3) sender->stop();
  });
  ASSERT_TRUE(sender->start(error)) << error;
  ASSERT_TRUE(run_until(io, [&] { return !sender->running(); }));
  EXPECT_EQ(outcomes, 3);
  EXPECT_EQ(sender->summary(std::chrono::steady_clock::now()).samples, 3U);  // kept after stop()

  // Restart, let work queue up, destroy the sender and the responder, then run the queued handlers.
  ASSERT_TRUE(sender->start(error)) << error;
  io.restart();
  io.run_for(20ms);
  sender.reset();
  responder.stop();
  io.restart();
  io.run_for(20ms);  // must not touch the destroyed sender (ASan would say)
  SUCCEED();
}

TEST(ProbeLoopback, StartErrors) {
  asio::io_context io;
  std::string error;

  SenderConfig bad = loopback_sender(kDefaultPort, 0);
  bad.interval = 0ms;
  EXPECT_FALSE(ProbeSender(io, bad).start(error));
  EXPECT_EQ(error, "probe interval must be between 1ms and 60s");

  bad = loopback_sender(kDefaultPort, 0);
  bad.local = *IpAddress::parse("::1");
  EXPECT_FALSE(ProbeSender(io, bad).start(error));
  EXPECT_EQ(error, "local address ::1 and peer address 127.0.0.1 are of different families");

  bad = loopback_sender(0, 0);
  EXPECT_FALSE(ProbeSender(io, bad).start(error));
  EXPECT_EQ(error, "responder port must not be 0");

  bad = loopback_sender(kDefaultPort, 0);
  bad.local = *IpAddress::parse("192.0.2.123");  // not an address of this host
  EXPECT_FALSE(ProbeSender(io, bad).start(error));
  EXPECT_EQ(error.rfind("bind 192.0.2.123: ", 0), 0U) << error;

  bad = loopback_sender(kDefaultPort, 0);
  bad.window.size = 0;
  EXPECT_FALSE(ProbeSender(io, bad).start(error));
  EXPECT_EQ(error, "window size 0 not in 1..100000");

  // Port in use: a second responder on the first one's port.
  ProbeResponder first(io, loopback_responder());
  ASSERT_TRUE(first.start(error)) << error;
  ResponderConfig taken = loopback_responder();
  taken.port = first.port();
  ProbeResponder second(io, taken);
  EXPECT_FALSE(second.start(error));
  EXPECT_EQ(error.rfind("bind 127.0.0.1 port " + std::to_string(first.port()) + ": ", 0), 0U) << error;
  EXPECT_FALSE(second.running());

  ResponderConfig limits = loopback_responder({RateLimit{0, 1}, RateLimit{}, 1});
  EXPECT_FALSE(ProbeResponder(io, limits).start(error));
  EXPECT_EQ(error, "per-source rate must be positive");
}

}  // namespace
}  // namespace wgfo::probe

// probe_tool: runs the probe I/O by hand or from a lab script.
//   probe_tool respond [--local ADDR] [--dev IF] [--port P]        answer probes until SIGINT/SIGTERM
//   probe_tool udp  --peer ADDR [--local ADDR] [--dev IF] [--port P] [--count N] [--interval-ms MS]
//                   [--timeout-ms MS]                               measure with our UDP probe
//   probe_tool icmp --peer ADDR [...same...] [--mode auto|raw|dgram] measure with ICMP Echo
// A measurement sends --count probes (the window holds all of them), waits until each is answered or
// timed out and prints one line of key=value pairs (durations in microseconds), e.g.
//   kind=icmp socket=raw probes=100 samples=64 lost=36 ... loss_percent=36.00 rtt_median_us=412 ...
// Exit status: 0 done, 1 bad arguments or the socket could not be set up, 2 not finished in time.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "bfd/io/asio.hpp"
#include "controller/probe/icmp_prober.hpp"
#include "controller/probe/probe_responder.hpp"
#include "controller/probe/probe_sender.hpp"

namespace {

using namespace wgfo;
using namespace wgfo::probe;

long long us(Duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

void print(const std::string& kind, const std::string& socket, const QualitySummary& s,
           const ProbeCounters& c) {
  std::printf(
      "kind=%s socket=%s probes=%zu samples=%zu lost=%zu pending=%zu loss_percent=%.2f rtt_median_us=%lld "
      "rtt_mean_us=%lld rtt_p95_us=%lld rtt_min_us=%lld rtt_max_us=%lld jitter_us=%lld sent=%llu late=%llu "
      "duplicate=%llu unknown=%llu mismatched=%llu foreign=%llu not_reply=%llu malformed=%llu "
      "send_errors=%llu "
      "receive_errors=%llu\n",
      kind.c_str(), socket.c_str(), s.probes, s.samples, s.lost, s.pending, s.loss_percent, us(s.rtt_median),
      us(s.rtt_mean), us(s.rtt_p95), us(s.rtt_min), us(s.rtt_max), us(s.jitter),
      static_cast<unsigned long long>(c.sent), static_cast<unsigned long long>(c.late),
      static_cast<unsigned long long>(c.duplicate), static_cast<unsigned long long>(c.unknown),
      static_cast<unsigned long long>(c.mismatched), static_cast<unsigned long long>(c.foreign),
      static_cast<unsigned long long>(c.not_reply), static_cast<unsigned long long>(c.malformed),
      static_cast<unsigned long long>(c.send_errors), static_cast<unsigned long long>(c.receive_errors));
  std::fflush(stdout);
}

std::optional<IpAddress> address(const std::string& text, const char* what) {
  auto a = IpAddress::parse(text);
  if (!a) std::cerr << "probe_tool: " << what << " '" << text << "' is not an IP address\n";
  return a;
}

int respond(const std::string& local, const std::string& dev, std::uint16_t port) {
  ResponderConfig c;
  const auto addr = address(local, "--local");
  if (!addr) return 1;
  c.local = *addr;
  c.device = dev;
  c.port = port;
  asio::io_context io;
  ProbeResponder responder(io, c);
  std::string error;
  if (!responder.start(error)) {
    std::cerr << "probe_tool: " << error << '\n';
    return 1;
  }
  std::printf("listening on %s port %u\n", c.local.to_string().c_str(), responder.port());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    responder.stop();
    io.stop();
  });
  io.run();
  const ResponderCounters& k = responder.counters();
  std::printf("received=%llu replied=%llu malformed=%llu not_request=%llu rate_limited=%llu\n",
              static_cast<unsigned long long>(k.received), static_cast<unsigned long long>(k.replied),
              static_cast<unsigned long long>(k.malformed), static_cast<unsigned long long>(k.not_request),
              static_cast<unsigned long long>(k.rate_limited));
  return 0;
}

struct Measure {
  std::string peer;
  std::string local;
  std::string dev;
  std::uint16_t port{kDefaultPort};
  std::uint64_t count{50};
  unsigned interval_ms{100};
  unsigned timeout_ms{1000};
  std::string mode{"auto"};
};

int measure(bool icmp, const Measure& m) {
  ProberConfig base;
  const auto peer = address(m.peer, "--peer");
  if (!peer) return 1;
  base.peer = *peer;
  if (!m.local.empty()) {
    base.local = address(m.local, "--local");
    if (!base.local) return 1;
  }
  base.device = m.dev;
  base.count = m.count;
  base.interval = std::chrono::milliseconds{m.interval_ms};
  base.window = WindowConfig{static_cast<std::size_t>(m.count), std::chrono::milliseconds{m.timeout_ms}};

  asio::io_context io;
  std::unique_ptr<ProbeLoop> prober;
  std::string error;
  std::string socket = "udp";
  if (icmp) {
    IcmpConfig c;
    static_cast<ProberConfig&>(c) = base;
    c.mode = m.mode == "raw"     ? IcmpConfig::Mode::Raw
             : m.mode == "dgram" ? IcmpConfig::Mode::Datagram
                                 : IcmpConfig::Mode::Auto;
    auto p = std::make_unique<IcmpProber>(io, c);
    if (!p->start(error)) {
      std::cerr << "probe_tool: " << error << '\n';
      return 1;
    }
    socket = p->mode() == IcmpConfig::Mode::Raw ? "raw" : "dgram";
    prober = std::move(p);
  } else {
    SenderConfig c;
    static_cast<ProberConfig&>(c) = base;
    c.port = m.port;
    auto p = std::make_unique<ProbeSender>(io, c);
    if (!p->start(error)) {
      std::cerr << "probe_tool: " << error << '\n';
      return 1;
    }
    prober = std::move(p);
  }
  // Finish as soon as the last probe is judged; give up well after it should have been.
  prober->set_outcome_callback([&](const ProbeEvent&) {
    if (prober->finished()) io.stop();
  });
  io.run_for(base.interval * static_cast<long>(m.count) + base.window.timeout + std::chrono::seconds{5});
  print(prober->kind(), socket, prober->summary(Clock::now()), prober->counters());
  return prober->finished() ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"probe_tool: wg-failover quality probes by hand"};
  app.require_subcommand(1);

  std::string local = "0.0.0.0";
  std::string dev;
  std::uint16_t port = kDefaultPort;
  CLI::App* resp = app.add_subcommand("respond", "answer probes until SIGINT/SIGTERM");
  resp->add_option("--local", local, "address to listen on");
  resp->add_option("--dev", dev, "interface to bind to");
  resp->add_option("--port", port, "UDP port");

  Measure m;
  CLI::App* udp = app.add_subcommand("udp", "measure with the UDP probe");
  CLI::App* icmp = app.add_subcommand("icmp", "measure with ICMP Echo");
  for (CLI::App* sub : {udp, icmp}) {
    sub->add_option("--peer", m.peer, "peer tunnel address")->required();
    sub->add_option("--local", m.local, "our tunnel address");
    sub->add_option("--dev", m.dev, "tunnel interface");
    sub->add_option("--count", m.count, "probes to send")->check(CLI::Range(1, 100000));
    sub->add_option("--interval-ms", m.interval_ms, "interval between probes")->check(CLI::Range(1, 60000));
    sub->add_option("--timeout-ms", m.timeout_ms, "a probe is lost after this")->check(CLI::Range(1, 60000));
  }
  udp->add_option("--port", m.port, "responder port");
  icmp->add_option("--mode", m.mode, "socket: auto, raw or dgram")
      ->check(CLI::IsMember({"auto", "raw", "dgram"}));
  CLI11_PARSE(app, argc, argv);

  if (resp->parsed()) return respond(local, dev, port);
  return measure(icmp->parsed(), m);
}

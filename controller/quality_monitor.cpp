// QualityMonitor (see quality_monitor.hpp).
#include "controller/quality_monitor.hpp"

#include <spdlog/spdlog.h>

#include "controller/probe/icmp_prober.hpp"
#include "controller/probe/probe_sender.hpp"

namespace wgfo {
namespace {

template <typename Config>
Config prober_config(const TunnelConfig& t) {
  Config c;
  c.device = t.interface;
  c.local = t.local_address;
  c.peer = t.peer_address;
  c.interval = std::chrono::duration_cast<probe::Duration>(t.quality->interval);
  c.window = probe::WindowConfig{quality_window_size(*t.quality), QualityMonitor::kTimeout};
  return c;
}

// Starts something that may not be startable yet (its interface missing); logs each new reason once.
bool try_start(const std::function<bool(std::string&)>& start, std::string& last_error,
               const std::string& what) {
  std::string error;
  if (start(error)) {
    last_error.clear();
    return true;
  }
  if (error != last_error) spdlog::warn("{}: {}", what, error);
  last_error = error;
  return false;
}

}  // namespace

QualityMonitor::QualityMonitor(asio::io_context& io, Sink sink)
    : io_(io), sink_(std::move(sink)), timer_(io) {}

QualityMonitor::~QualityMonitor() {
  stop();
}

void QualityMonitor::stop() {
  stopped_ = true;
  timer_.cancel();
  for (auto& [name, p] : probers_) p.source->stop();
  for (auto& [key, r] : responders_) r.responder->stop();
  probers_.clear();
  responders_.clear();
}

void QualityMonitor::apply(const Config& config) {
  stop();
  stopped_ = false;
  for (const TunnelConfig& t : config.tunnels) {
    if (!t.quality) continue;
    Prober p;
    if (t.quality->probe == QualityConfig::Probe::Icmp) {
      auto icmp = std::make_unique<probe::IcmpProber>(io_, prober_config<probe::IcmpConfig>(t));
      p.start = [s = icmp.get()](std::string& e) { return s->start(e); };
      p.source = std::move(icmp);
    } else {
      auto c = prober_config<probe::SenderConfig>(t);
      c.port = config.probe.port;
      auto udp = std::make_unique<probe::ProbeSender>(io_, c);
      p.start = [s = udp.get()](std::string& e) { return s->start(e); };
      p.source = std::move(udp);
    }
    probers_.emplace(t.name, std::move(p));
  }
  if (config.probe.respond) {
    for (const TunnelConfig& t : config.tunnels) {
      const std::string key = t.local_address.to_string() + "%" + t.interface;
      if (responders_.count(key)) continue;
      probe::ResponderConfig rc;
      rc.local = t.local_address;
      rc.device = t.interface;
      rc.port = config.probe.port;
      responders_.emplace(key, Responder{std::make_unique<probe::ProbeResponder>(io_, rc), false, {}});
    }
  }
  tick();
}

void QualityMonitor::arm() {
  timer_.expires_after(kTick);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) tick();
  });
}

void QualityMonitor::tick() {
  const auto now = probe::Clock::now();
  for (auto& [key, r] : responders_) {
    if (!r.running) {
      r.running = try_start([&](std::string& e) { return r.responder->start(e); }, r.last_error,
                            "quality: no probe responder on " + key + " yet");
      if (r.running) spdlog::info("quality: answering probes on {} port {}", key, r.responder->port());
    }
  }
  for (auto& [name, p] : probers_) {
    if (!p.running) {
      p.running = try_start(p.start, p.last_error, "quality " + name + ": probes not running yet");
      if (p.running) spdlog::info("quality {}: {} probes running", name, p.source->kind());
      continue;
    }
    const probe::QualitySummary s = p.source->summary(now);
    if (!s.valid()) continue;
    QualitySample q;
    q.samples = static_cast<std::uint32_t>(s.samples + s.lost);
    if (s.samples > 0) q.rtt = std::chrono::duration_cast<std::chrono::microseconds>(s.rtt_median);
    q.loss_percent = s.loss_percent;
    if (s.samples > 1) q.jitter = std::chrono::duration_cast<std::chrono::microseconds>(s.jitter);
    spdlog::debug("quality {}: {} answered, {} lost ({:.1f} %), rtt median {} us, jitter {} us", name,
                  s.samples, s.lost, s.loss_percent,
                  std::chrono::duration_cast<std::chrono::microseconds>(s.rtt_median).count(),
                  std::chrono::duration_cast<std::chrono::microseconds>(s.jitter).count());
    sink_(name, q);
  }
  arm();
}

}  // namespace wgfo

#pragma once
// QualityMonitor: runs the quality probes of every tunnel that has quality thresholds, and the
// responder that answers peers' probes, on the core io_context (probes are asynchronous and light, and
// their results go straight into the core without a thread hop).
//
//   per tunnel   a ProbeSender (udp: our probe, answered by a peer running wg-failover) or an
//                IcmpProber (icmp: echo to any peer), bound to the tunnel interface and local address,
//                one probe every quality.interval, a window of the last quality_window_size() probes
//   once a tick  (kTick) each window is summed up into one QualitySample for the core's N-of-M
//                hysteresis (health.hpp): samples = answered + lost, rtt = the median, loss
//   responders   with probe.respond, one per tunnel local address on probe.port (bound to the tunnel's
//                interface, so the probe answers only what came through the tunnel)
// A prober or responder that cannot start (the interface does not exist yet) is retried every tick,
// and logged once until it starts. Reload rebuilds everything; the windows start empty.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "bfd/io/asio.hpp"
#include "controller/config.hpp"
#include "controller/health.hpp"
#include "controller/probe/probe_loop.hpp"
#include "controller/probe/probe_responder.hpp"

namespace wgfo {

class QualityMonitor {
 public:
  static constexpr std::chrono::seconds kTick{1};
  static constexpr std::chrono::seconds kTimeout = kQualityTimeout;
  using Sink = std::function<void(const std::string& tunnel, const QualitySample& sample)>;

  QualityMonitor(asio::io_context& io, Sink sink);
  ~QualityMonitor();
  QualityMonitor(const QualityMonitor&) = delete;
  QualityMonitor& operator=(const QualityMonitor&) = delete;

  void apply(const Config& config);
  void stop();

 private:
  struct Prober {
    std::unique_ptr<probe::ProbeLoop> source;
    std::function<bool(std::string&)> start;
    bool running{false};
    std::string last_error;
  };
  struct Responder {
    std::unique_ptr<probe::ProbeResponder> responder;
    bool running{false};
    std::string last_error;
  };
  void tick();
  void arm();

  asio::io_context& io_;
  Sink sink_;
  asio::steady_timer timer_;
  std::map<std::string, Prober> probers_;        // by tunnel name
  std::map<std::string, Responder> responders_;  // by "address%interface"
  bool stopped_{false};
};

}  // namespace wgfo

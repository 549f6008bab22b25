#pragma once
// QualitySource: what the controller sees of a tunnel's quality measurement, whichever way it is made
// (our UDP probe, probe_sender.hpp, or ICMP Echo, icmp_prober.hpp). Pure interface: no Asio here, so
// the controller's pure parts and their tests can hold a fake.
//
// The outcome callback fires on the thread that runs the prober's io_context, after every accepted
// reply and every timeout, so the controller re-evaluates the tunnel exactly when the numbers change.
// It must not destroy the source it is called from.

#include <functional>
#include <string>

#include "controller/probe/probe_client.hpp"
#include "controller/probe/quality_window.hpp"

namespace wgfo::probe {

class QualitySource {
 public:
  using OutcomeCallback = std::function<void(const ProbeEvent&)>;

  virtual ~QualitySource() = default;

  // The statistics over the window as of `now` (steady clock).
  virtual QualitySummary summary(TimePoint now) const = 0;
  virtual ProbeCounters counters() const = 0;
  virtual void set_outcome_callback(OutcomeCallback cb) = 0;
  // For logs and metrics: "udp" or "icmp".
  virtual std::string kind() const = 0;
};

}  // namespace wgfo::probe

#pragma once
// Observer: what wg-failoverd tells about itself besides its operational log, fed by the composition
// root on the core thread. It owns the Prometheus metrics (metrics.hpp) and the audit log
// (audit_log.hpp), and it is the one place that ties a route change to the FRR commits that carried it:
//
//   on_event      a core decision: metrics, and a cause for the next audit record. The first decision
//                 after the last route change starts the detection-to-FIB clock.
//   on_routes     the route views just handed to the programmer under desired version V: one pending
//                 audit record per changed prefix (cause = the decisions since the previous change).
//   on_commit     an FRR transaction (posted from the programmer's worker): commit metrics, and its
//                 transaction id into the pending records it carried (version <= V, id not yet set).
//                 A drift repair gets a record per prefix at once (behind any still pending: the file
//                 stays in time order), since it changes FRR without a new desired version.
//   on_converged  FRR holds version V: records up to V are written, and the detection-to-FIB latency
//                 of each route change up to V is observed (only when the kernel FIB was read back:
//                 without read-back there is no FIB time to measure to).
//
// A record waits for convergence so that it can name the transaction; while FRR is unreachable records
// wait with it, up to kMaxPending (the oldest are then written without ids), and stop() writes the
// rest. Both sides of this are plain values, so the unit test drives it without a daemon.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controller/audit_log.hpp"
#include "controller/config.hpp"
#include "controller/core.hpp"
#include "controller/metrics.hpp"
#include "controller/route_intent.hpp"
#include "frr-integration/reconciler.hpp"

namespace wgfo {

class Observer {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxPending = 1024;

  Observer();
  ~Observer();
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;

  // Start-up and reload: opens, replaces or closes the audit log for config.audit (a SIGHUP reopens it
  // even when the path stayed, for logrotate); tunnels the config no longer has lose their series.
  void apply(const Config& config);
  // Starts the metrics endpoint; one line saying why it failed, or nullopt.
  std::optional<std::string> listen_metrics(const HostPort& at);

  void on_event(const TunnelEvent& e, Clock::time_point now);
  // Routes were not pushed (the start-up hold): the decisions so far start no detection-to-FIB clock.
  void on_routes_held();
  void on_routes(std::uint64_t version, const std::vector<RouteView>& after,
                 std::vector<std::pair<std::string, TunnelState>> tunnels,
                 std::chrono::system_clock::time_point now);
  void on_commit(const frr::CommitReport& r);
  void on_converged(std::uint64_t version, bool fib_verified, Clock::time_point at);
  // Writes every pending record as it is (at stop).
  void flush();

  Metrics& metrics() { return metrics_; }
  const AuditLog* audit() const { return audit_.get(); }
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Change {
    std::uint64_t version;
    std::optional<Clock::time_point> decided_at;  // the first decision that led to it
  };
  void write_front();
  void audit_repair(const frr::CommitReport& r);

  Metrics metrics_;
  std::unique_ptr<AuditLog> audit_;
  std::vector<std::string> tunnel_names_;
  std::vector<RouteView> last_views_;
  std::vector<std::pair<std::string, TunnelState>> last_tunnels_;
  std::vector<TunnelEvent> causes_;  // decisions since the last route change
  std::optional<Clock::time_point> decided_at_;
  std::deque<AuditRecord> pending_;
  std::deque<Change> changes_;  // route changes whose convergence is still to be timed
};

}  // namespace wgfo

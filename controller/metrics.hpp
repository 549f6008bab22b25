#pragma once
// Prometheus metrics (DESIGN.md: "Prometheus scrapes its metrics"; default listen 127.0.0.1:9470). The
// composition root feeds this class on the core thread with the daemon's own values (tunnel views,
// decisions, quality and WireGuard samples, FRR programmer status); prometheus-cpp's exposer serves
// them from its HTTP threads. The class knows nothing of the daemon: every input is a plain value, so
// unit tests drive it directly and read the exposition through text().
//
// Naming follows the Prometheus guide: one prefix (wgfailover_), base units (seconds, bytes, ratios
// 0..1), counters end in _total, every family has HELP. Enumerations are one gauge per value
// ({state="..."} is 1 for the current value and 0 for the others), so `== 1` alerts work and a state
// change is never a missing series.
//
// The daemon's sources report absolute counters (BFD session counters, WireGuard peer byte counts,
// programmer totals) that restart from zero when their source is recreated (reload, interface or
// wireguard-go restart, FRR restart). Prometheus counters must never go down, so each is fed by the
// delta from the last value seen; a value that went backwards is a reset, and the whole new value is
// counted (what accrued since the reset).
//
// Series of a tunnel appear when it is first reported and go away with forget_tunnel() (a reload
// removed it); series with nothing to say are absent rather than stale: BFD series for a tunnel without
// BFD, quality series while the probes got no reply, the handshake age before the first handshake.
// Threads: prometheus-cpp's metric objects are thread-safe; the maps here (series handles, last
// counter values) are guarded by a mutex, so the setters may run on any one thread while scrapes run.
// A scrape is not a snapshot: a value set between two of its reads may show half an update (at worst
// a state gauge with no 1 for one scrape, never two 1s: the old value is cleared first).

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bfd/io/bfd_service.hpp"
#include "controller/core.hpp"
#include "controller/health.hpp"
#include "controller/ip.hpp"
#include "controller/wireguard/progress.hpp"
#include "frr-integration/reconciler.hpp"

namespace prometheus {
class Counter;
class Exposer;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace wgfo {

class Metrics {
 public:
  // wgfailover_build_info{version}: `version` empty means the version this library was built with.
  explicit Metrics(std::string version = {});
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Starts the HTTP exposer on http://at/metrics (at.host an IP literal; port 0 picks a free port).
  // nullopt on success, else one line saying what failed (bind errors included). Once per object.
  std::optional<std::string> listen(const HostPort& at);
  // The port the exposer listens on (the chosen one for port 0); nullopt before a successful listen().
  std::optional<std::uint16_t> port() const;
  // The exposition text of this registry, as /metrics serves it (the exposer adds prometheus-cpp's own
  // exposer_* families over HTTP).
  std::string text() const;

  // The configured tunnels (Core::tunnels()); a tunnel not listed keeps its series (forget_tunnel).
  void set_tunnels(const std::vector<TunnelView>& views);
  // A decision (Core's event sink): transitions (from != to) and flaps (usable -> down).
  void on_event(const TunnelEvent& e);
  void on_quality(const std::string& tunnel, const QualitySample& q);
  // One WireGuard sample of the tunnel's peer; rx/tx are the peer's absolute byte counters.
  void on_wireguard(const std::string& tunnel, const wg::PeerProgress& p, std::uint64_t rx_bytes,
                    std::uint64_t tx_bytes);
  void on_frr(const frr::ProgrammerStatus& s);
  // The BFD service's receive and timer counters (absolute, for the life of the process): datagrams,
  // drops by reason (ttl: GTSM, parse: failed a packet check, demux: no session or wrong source,
  // buffer_full: the kernel's receive buffer overflowed) and timers that ran late.
  void on_bfd_io(const bfd::io::IoCounters& c);
  // One transaction sent to an FRR daemon ("staticd", "bgpd"): its latency and whether it applied.
  void observe_frr_commit(const std::string& daemon, std::chrono::microseconds latency, bool ok);
  // From a tunnel decision to the kernel FIB holding the routes it called for.
  void observe_detection_to_fib(std::chrono::microseconds latency);
  // A reload removed the tunnel: all its series go away (a tunnel re-added later starts afresh).
  void forget_tunnel(const std::string& name);

 private:
  struct Families;
  struct Tunnel;
  struct FrrDaemon;
  Tunnel& tunnel(const std::string& name);  // mu_ held
  void drop_bfd(Tunnel& t);                 // mu_ held
  void drop_quality(Tunnel& t);             // mu_ held

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> f_;
  std::unique_ptr<prometheus::Exposer> exposer_;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Tunnel>, std::less<>> tunnels_;
  std::map<std::string, std::unique_ptr<FrrDaemon>, std::less<>> frr_daemons_;
  bfd::io::IoCounters bfd_io_last_{};
  std::uint64_t frr_drift_{0};
  std::uint64_t frr_drift_repairs_{0};
};

}  // namespace wgfo

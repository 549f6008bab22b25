// Metrics: the families, the per-tunnel series handles and the delta rule (metrics.hpp says why).

#include "controller/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <exception>

#ifndef WGFO_VERSION
#define WGFO_VERSION "unknown"
#endif

namespace wgfo {

namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;
using prometheus::Registry;

// Label values in the order of the enums they name (health.hpp TunnelState, bfd/types.hpp State).
constexpr std::array<const char*, 4> kTunnelStates{"up", "degraded", "down", "admin-down"};
constexpr std::array<const char*, 4> kBfdStates{"admin-down", "down", "init", "up"};

std::size_t index_of(TunnelState s) {
  return std::min<std::size_t>(static_cast<std::size_t>(s), 3);
}
std::size_t index_of(bfd::State s) {
  return std::min<std::size_t>(static_cast<std::size_t>(s), 3);
}
const char* name_of(TunnelState s) {
  return kTunnelStates[index_of(s)];
}
bool usable_state(TunnelState s) {
  return s == TunnelState::Up || s == TunnelState::Degraded;
}

double seconds(std::chrono::microseconds d) {
  return static_cast<double>(d.count()) / 1e6;
}
double seconds(std::chrono::milliseconds d) {
  return static_cast<double>(d.count()) / 1e3;
}

// The delta rule: what accrued since `last`; a value that went backwards restarted from zero.
// The BFD service's counters behind a labelled series: one table for the series and their updates.
struct BfdIoSeries {
  const char* label;
  std::uint64_t bfd::io::IoCounters::*field;
};
constexpr const auto& kBfdDrops = bfd::io::kRxDropReasons;
constexpr std::array<BfdIoSeries, 3> kBfdLate{{{"1ms", &bfd::io::IoCounters::timers_late_1ms},
                                               {"10ms", &bfd::io::IoCounters::timers_late_10ms},
                                               {"50ms", &bfd::io::IoCounters::timers_late_50ms}}};

void add_delta(Counter& c, std::uint64_t& last, std::uint64_t now, bool reset = false) {
  const std::uint64_t delta = (reset || now < last) ? now : now - last;
  if (delta > 0) c.Increment(static_cast<double>(delta));
  last = now;
}

template <typename T>
void drop(Family<T>& family, T*& metric) {
  if (metric != nullptr) family.Remove(metric);
  metric = nullptr;
}
template <typename T, std::size_t N>
void drop(Family<T>& family, std::array<T*, N>& metrics) {
  for (auto*& m : metrics) drop(family, m);
}
template <typename T>
T& ensure(Family<T>& family, T*& metric, const Labels& labels) {
  if (metric == nullptr) metric = &family.Add(labels);
  return *metric;
}

// One 1 among zeros; the old 1 is cleared before the new one is set (a scrape may see none, never two).
void set_one_hot(std::array<Gauge*, 4>& gauges, std::size_t current) {
  for (std::size_t i = 0; i < gauges.size(); ++i)
    if (i != current) gauges[i]->Set(0);
  gauges[current]->Set(1);
}

// 1 ms .. 5 s: a commit is a few ms on a quiet FRR, seconds when it is loaded or restarting.
const prometheus::Histogram::BucketBoundaries kCommitBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                             0.1,   0.25,   0.5,   1,    2.5,   5};
// 1 ms .. 10 s: failover targets tens of ms; the tail shows coalescing, retries and FRR trouble.
const prometheus::Histogram::BucketBoundaries kFibBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                          0.25,  0.5,    1,     2.5,  5,     10};

}  // namespace

struct Metrics::Families {
  explicit Families(Registry& r)
      : build_info(gauge(r, "wgfailover_build_info", "Build information; the value is always 1.")),
        tunnel_info(gauge(r, "wgfailover_tunnel_info",
                          "A configured tunnel and its WireGuard interface; the value is always 1.")),
        tunnel_state(gauge(r, "wgfailover_tunnel_state",
                           "Reported tunnel state: 1 for the current state (up, degraded, down, "
                           "admin-down), 0 for the others.")),
        standby(gauge(r, "wgfailover_tunnel_standby",
                      "1 while the tunnel works but is held down by the fail-back hold-down or dampening.")),
        drained(gauge(r, "wgfailover_tunnel_drained", "1 while an operator has drained the tunnel.")),
        penalty(
            gauge(r, "wgfailover_tunnel_dampening_penalty", "Flap dampening penalty now (RFC 2439 style).")),
        suppressed(gauge(r, "wgfailover_tunnel_suppressed", "1 while flap dampening suppresses the tunnel.")),
        bfd_state(gauge(r, "wgfailover_bfd_session_state",
                        "BFD session state (RFC 5880): 1 for the current state (up, init, down, admin-down), "
                        "0 for the others; absent for a tunnel without BFD.")),
        bfd_rx(counter(r, "wgfailover_bfd_rx_packets_total", "BFD control packets received and accepted.")),
        bfd_tx(counter(r, "wgfailover_bfd_tx_packets_total", "BFD control packets sent.")),
        bfd_up(counter(r, "wgfailover_bfd_up_transitions_total", "BFD session transitions to Up.")),
        bfd_down(counter(r, "wgfailover_bfd_down_transitions_total", "BFD session transitions from Up.")),
        bfd_auth_failures(
            counter(r, "wgfailover_bfd_auth_failures_total",
                    "BFD control packets that failed authentication (RFC 5880 6.7) and were dropped.")),
        bfd_detection(gauge(r, "wgfailover_bfd_detection_time_seconds",
                            "BFD detection time in force (RFC 5880 6.8.4).")),
        rtt(gauge(r, "wgfailover_tunnel_rtt_seconds",
                  "Round-trip time of the quality probes; absent while no probe is answered.")),
        loss(gauge(r, "wgfailover_tunnel_loss_ratio",
                   "Share of quality probes lost in the probe window (0..1).")),
        jitter(gauge(r, "wgfailover_tunnel_jitter_seconds",
                     "Mean round-trip time variation of the quality probes.")),
        handshake_age(gauge(r, "wgfailover_wireguard_handshake_age_seconds",
                            "Time since the peer's latest WireGuard handshake; absent before the first.")),
        wg_rx(counter(r, "wgfailover_wireguard_rx_bytes_total",
                      "Bytes received from the tunnel's WireGuard peer.")),
        wg_tx(
            counter(r, "wgfailover_wireguard_tx_bytes_total", "Bytes sent to the tunnel's WireGuard peer.")),
        wg_stalled(gauge(r, "wgfailover_wireguard_rx_stalled",
                         "1 while the WireGuard peer sends nothing back although we keep sending.")),
        transitions(counter(r, "wgfailover_tunnel_transitions_total", "Reported tunnel state changes.")),
        flaps(counter(r, "wgfailover_tunnel_flaps_total",
                      "Transitions from a usable state (up, degraded) to down.")),
        frr_commits(
            counter(r, "wgfailover_frr_commits_total", "Transactions sent to an FRR daemon, by result.")),
        frr_commit_duration(histogram(r, "wgfailover_frr_commit_duration_seconds",
                                      "Time an FRR northbound transaction took.")),
        frr_reachable(
            gauge(r, "wgfailover_frr_reachable",
                  "1 while the FRR daemon answers on its northbound gRPC; absent if not configured.")),
        frr_restarts(counter(r, "wgfailover_frr_restarts_total",
                             "FRR daemon restarts noticed (each re-pushes the desired state).")),
        frr_drift(counter(r, "wgfailover_frr_drift_total",
                          "Prefixes found wrong in the kernel FIB after the grace time.")),
        frr_drift_repairs(
            counter(r, "wgfailover_frr_drift_repairs_total", "Drift repair transactions sent.")),
        frr_converged(gauge(r, "wgfailover_frr_converged", "1 when FRR holds the last desired state.")),
        frr_conflicts(gauge(r, "wgfailover_frr_conflicts",
                            "Wanted routes not written because an operator route holds the same key.")),
        detection_to_fib(
            histogram(r, "wgfailover_detection_to_fib_seconds",
                      "Time from a tunnel decision to the kernel FIB holding the resulting routes.")),
        bfd_datagrams(counter(r, "wgfailover_bfd_rx_datagrams_total",
                              "Datagrams read from the BFD sockets, accepted or not.")),
        bfd_dropped(counter(
            r, "wgfailover_bfd_rx_dropped_total",
            "BFD datagrams dropped, by reason: ttl (not 255, RFC 5881 GTSM), parse (failed a packet check), "
            "demux (no session, or not from the session's peer), rate (over the per-source budget), "
            "buffer_full (the kernel's receive buffer overflowed).")),
        bfd_late(
            counter(r, "wgfailover_bfd_timers_late_total",
                    "BFD timers that ran at least `over` after their deadline (a starved BFD thread).")) {}

  static Family<Gauge>& gauge(Registry& r, const char* name, const char* help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
  }
  static Family<Counter>& counter(Registry& r, const char* name, const char* help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
  }
  static Family<Histogram>& histogram(Registry& r, const char* name, const char* help) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
  }

  Family<Gauge>& build_info;
  Family<Gauge>& tunnel_info;
  Family<Gauge>& tunnel_state;
  Family<Gauge>& standby;
  Family<Gauge>& drained;
  Family<Gauge>& penalty;
  Family<Gauge>& suppressed;
  Family<Gauge>& bfd_state;
  Family<Counter>& bfd_rx;
  Family<Counter>& bfd_tx;
  Family<Counter>& bfd_up;
  Family<Counter>& bfd_down;
  Family<Counter>& bfd_auth_failures;
  Family<Gauge>& bfd_detection;
  Family<Gauge>& rtt;
  Family<Gauge>& loss;
  Family<Gauge>& jitter;
  Family<Gauge>& handshake_age;
  Family<Counter>& wg_rx;
  Family<Counter>& wg_tx;
  Family<Gauge>& wg_stalled;
  Family<Counter>& transitions;
  Family<Counter>& flaps;
  Family<Counter>& frr_commits;
  Family<Histogram>& frr_commit_duration;
  Family<Gauge>& frr_reachable;
  Family<Counter>& frr_restarts;
  Family<Counter>& frr_drift;
  Family<Counter>& frr_drift_repairs;
  Family<Gauge>& frr_converged;
  Family<Gauge>& frr_conflicts;
  Family<Histogram>& detection_to_fib;
  Family<Counter>& bfd_datagrams;
  Family<Counter>& bfd_dropped;
  Family<Counter>& bfd_late;
  // Unlabelled series, always present.
  Counter* drift_total{nullptr};
  Counter* drift_repairs_total{nullptr};
  Gauge* converged{nullptr};
  Gauge* conflicts{nullptr};
  Histogram* detection_to_fib_all{nullptr};
  Counter* bfd_datagrams_all{nullptr};
  std::array<Counter*, kBfdDrops.size()> bfd_dropped_by{};  // in kBfdDrops' order
  std::array<Counter*, kBfdLate.size()> bfd_late_by{};      // in kBfdLate's order
};

struct Metrics::Tunnel {
  Labels labels;  // {tunnel}
  std::string interface;
  Gauge* info{nullptr};
  std::array<Gauge*, 4> state{};
  Gauge* standby{nullptr};
  Gauge* drained{nullptr};
  Gauge* penalty{nullptr};
  Gauge* suppressed{nullptr};
  // BFD: all set or all null (bfd_enabled).
  std::array<Gauge*, 4> bfd_state{};
  Counter* bfd_rx{nullptr};
  Counter* bfd_tx{nullptr};
  Counter* bfd_up{nullptr};
  Counter* bfd_down{nullptr};
  Counter* bfd_auth_failures{nullptr};
  Gauge* bfd_detection{nullptr};
  bfd::SessionCounters bfd_last;
  Gauge* rtt{nullptr};
  Gauge* loss{nullptr};
  Gauge* jitter{nullptr};
  Gauge* handshake_age{nullptr};
  Counter* wg_rx{nullptr};
  Counter* wg_tx{nullptr};
  Gauge* wg_stalled{nullptr};
  std::uint64_t wg_rx_last{0};
  std::uint64_t wg_tx_last{0};
  Counter* flaps{nullptr};
  std::map<std::pair<TunnelState, TunnelState>, Counter*> transitions;

  Labels with(const char* key, std::string value) const {
    Labels l = labels;
    l.emplace(key, std::move(value));
    return l;
  }
};

struct Metrics::FrrDaemon {
  Gauge* reachable{nullptr};
  Counter* restarts{nullptr};
  std::uint64_t restarts_last{0};
};

Metrics::Metrics(std::string version)
    : registry_(std::make_shared<Registry>()), f_(std::make_unique<Families>(*registry_)) {
  if (version.empty()) version = WGFO_VERSION;
  f_->build_info.Add({{"version", version}}).Set(1);
  f_->drift_total = &f_->frr_drift.Add({});
  f_->drift_repairs_total = &f_->frr_drift_repairs.Add({});
  f_->converged = &f_->frr_converged.Add({});
  f_->conflicts = &f_->frr_conflicts.Add({});
  f_->detection_to_fib_all = &f_->detection_to_fib.Add({}, kFibBuckets);
  f_->bfd_datagrams_all = &f_->bfd_datagrams.Add({});
  for (std::size_t i = 0; i < kBfdDrops.size(); ++i)
    f_->bfd_dropped_by[i] = &f_->bfd_dropped.Add({{"reason", kBfdDrops[i].label}});
  for (std::size_t i = 0; i < kBfdLate.size(); ++i)
    f_->bfd_late_by[i] = &f_->bfd_late.Add({{"over", kBfdLate[i].label}});
}

Metrics::~Metrics() {
  exposer_.reset();
}  // no scrape may outlive the registry's users

std::optional<std::string> Metrics::listen(const HostPort& at) {
  if (exposer_) return "metrics: already listening";
  if (!at.address())
    return "metrics: cannot listen on " + at.to_string() + ": the host must be an IP address";
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(at.to_string(), 2);
  } catch (const std::exception& e) {
    return "metrics: cannot listen on " + at.to_string() + " (address in use or not local?): " + e.what();
  }
  exposer_->RegisterCollectable(registry_);
  return std::nullopt;
}

std::optional<std::uint16_t> Metrics::port() const {
  if (!exposer_) return std::nullopt;
  const auto ports = exposer_->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0 || ports.front() > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(ports.front());
}

std::string Metrics::text() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

Metrics::Tunnel& Metrics::tunnel(const std::string& name) {
  auto it = tunnels_.find(name);
  if (it != tunnels_.end()) return *it->second;
  auto t = std::make_unique<Tunnel>();
  t->labels = {{"tunnel", name}};
  for (std::size_t i = 0; i < kTunnelStates.size(); ++i)
    t->state[i] = &f_->tunnel_state.Add(t->with("state", kTunnelStates[i]));
  t->state[index_of(TunnelState::Down)]->Set(1);  // Core's initial state, until the first view
  t->flaps = &f_->flaps.Add(t->labels);           // 0 from the start, so rate() sees the first flap
  return *tunnels_.emplace(name, std::move(t)).first->second;
}

void Metrics::drop_bfd(Tunnel& t) {
  drop(f_->bfd_state, t.bfd_state);
  drop(f_->bfd_rx, t.bfd_rx);
  drop(f_->bfd_tx, t.bfd_tx);
  drop(f_->bfd_up, t.bfd_up);
  drop(f_->bfd_down, t.bfd_down);
  drop(f_->bfd_auth_failures, t.bfd_auth_failures);
  drop(f_->bfd_detection, t.bfd_detection);
  t.bfd_last = {};
}

void Metrics::drop_quality(Tunnel& t) {
  drop(f_->rtt, t.rtt);
  drop(f_->loss, t.loss);
  drop(f_->jitter, t.jitter);
}

void Metrics::set_tunnels(const std::vector<TunnelView>& views) {
  const std::lock_guard lock(mu_);
  for (const TunnelView& v : views) {
    Tunnel& t = tunnel(v.name);
    if (t.info == nullptr || t.interface != v.interface) {
      drop(f_->tunnel_info, t.info);
      t.interface = v.interface;
      ensure(f_->tunnel_info, t.info, t.with("interface", v.interface)).Set(1);
    }
    set_one_hot(t.state, index_of(v.state));
    ensure(f_->standby, t.standby, t.labels).Set(v.standby ? 1 : 0);
    ensure(f_->drained, t.drained, t.labels).Set(v.drained ? 1 : 0);
    ensure(f_->penalty, t.penalty, t.labels).Set(v.penalty);
    ensure(f_->suppressed, t.suppressed, t.labels).Set(v.suppressed ? 1 : 0);

    if (!v.bfd_enabled) {
      drop_bfd(t);
      continue;
    }
    if (t.bfd_state[0] == nullptr)
      for (std::size_t i = 0; i < kBfdStates.size(); ++i)
        t.bfd_state[i] = &f_->bfd_state.Add(t.with("state", kBfdStates[i]));
    set_one_hot(t.bfd_state, index_of(v.bfd.state));
    const bfd::SessionCounters& c = v.bfd.counters;
    add_delta(ensure(f_->bfd_rx, t.bfd_rx, t.labels), t.bfd_last.rx_packets, c.rx_packets);
    add_delta(ensure(f_->bfd_tx, t.bfd_tx, t.labels), t.bfd_last.tx_packets, c.tx_packets);
    add_delta(ensure(f_->bfd_up, t.bfd_up, t.labels), t.bfd_last.up_transitions, c.up_transitions);
    add_delta(ensure(f_->bfd_down, t.bfd_down, t.labels), t.bfd_last.down_transitions, c.down_transitions);
    add_delta(ensure(f_->bfd_auth_failures, t.bfd_auth_failures, t.labels), t.bfd_last.rx_auth_failed,
              c.rx_auth_failed);
    ensure(f_->bfd_detection, t.bfd_detection, t.labels).Set(seconds(v.bfd.detection_time));
  }
}

void Metrics::on_event(const TunnelEvent& e) {
  if (e.from == e.to) return;  // a decision that kept the state (override, endpoint rotation)
  const std::lock_guard lock(mu_);
  Tunnel& t = tunnel(e.tunnel);
  Counter*& c = t.transitions[{e.from, e.to}];
  if (c == nullptr) {
    Labels l = t.labels;
    l.emplace("from", name_of(e.from));
    l.emplace("to", name_of(e.to));
    c = &f_->transitions.Add(l);
  }
  c->Increment();
  if (usable_state(e.from) && e.to == TunnelState::Down) t.flaps->Increment();
}

void Metrics::on_quality(const std::string& tunnel_name, const QualitySample& q) {
  const std::lock_guard lock(mu_);
  Tunnel& t = tunnel(tunnel_name);
  if (q.samples == 0) {  // no information: nothing is better than a stale value
    drop_quality(t);
    return;
  }
  ensure(f_->loss, t.loss, t.labels).Set(std::clamp(q.loss_percent / 100.0, 0.0, 1.0));
  if (q.rtt)
    ensure(f_->rtt, t.rtt, t.labels).Set(seconds(*q.rtt));
  else
    drop(f_->rtt, t.rtt);
  if (q.jitter)
    ensure(f_->jitter, t.jitter, t.labels).Set(seconds(*q.jitter));
  else
    drop(f_->jitter, t.jitter);
}

void Metrics::on_wireguard(const std::string& tunnel_name, const wg::PeerProgress& p, std::uint64_t rx_bytes,
                           std::uint64_t tx_bytes) {
  const std::lock_guard lock(mu_);
  Tunnel& t = tunnel(tunnel_name);
  if (p.handshake_age)
    ensure(f_->handshake_age, t.handshake_age, t.labels).Set(seconds(*p.handshake_age));
  else
    drop(f_->handshake_age, t.handshake_age);
  // The tracker knows of a restart when either counter went backwards; the other one restarted too.
  add_delta(ensure(f_->wg_rx, t.wg_rx, t.labels), t.wg_rx_last, rx_bytes, p.counters_reset);
  add_delta(ensure(f_->wg_tx, t.wg_tx, t.labels), t.wg_tx_last, tx_bytes, p.counters_reset);
  ensure(f_->wg_stalled, t.wg_stalled, t.labels).Set(p.rx_stalled ? 1 : 0);
}

void Metrics::on_frr(const frr::ProgrammerStatus& s) {
  const std::lock_guard lock(mu_);
  const std::array<std::pair<const char*, const frr::DaemonStatus*>, 2> daemons{
      {{"staticd", &s.staticd}, {"bgpd", &s.bgpd}}};
  for (const auto& [name, status] : daemons) {
    auto it = frr_daemons_.find(name);
    if (!status->configured) {
      if (it != frr_daemons_.end()) {
        drop(f_->frr_reachable, it->second->reachable);
        drop(f_->frr_restarts, it->second->restarts);
        frr_daemons_.erase(it);
      }
      continue;
    }
    if (it == frr_daemons_.end()) {
      auto d = std::make_unique<FrrDaemon>();
      d->reachable = &f_->frr_reachable.Add({{"daemon", name}});
      d->restarts = &f_->frr_restarts.Add({{"daemon", name}});
      // Both results from the start, so the first failure is an increase and not a new series.
      f_->frr_commits.Add({{"daemon", name}, {"result", "ok"}});
      f_->frr_commits.Add({{"daemon", name}, {"result", "failed"}});
      it = frr_daemons_.emplace(name, std::move(d)).first;
    }
    it->second->reachable->Set(status->reachable ? 1 : 0);
    add_delta(*it->second->restarts, it->second->restarts_last, status->restarts);
  }
  add_delta(*f_->drift_total, frr_drift_, s.drift);
  add_delta(*f_->drift_repairs_total, frr_drift_repairs_, s.drift_repairs);
  f_->converged->Set(s.desired_version == s.converged_version ? 1 : 0);
  f_->conflicts->Set(static_cast<double>(s.conflicts.size()));
}

void Metrics::observe_frr_commit(const std::string& daemon, std::chrono::microseconds latency, bool ok) {
  // Family::Add returns the existing child for known labels and is thread-safe itself.
  f_->frr_commits.Add({{"daemon", daemon}, {"result", ok ? "ok" : "failed"}}).Increment();
  f_->frr_commit_duration.Add({{"daemon", daemon}}, kCommitBuckets).Observe(seconds(latency));
}

void Metrics::on_bfd_io(const bfd::io::IoCounters& c) {
  const std::lock_guard lock(mu_);
  bfd::io::IoCounters& l = bfd_io_last_;
  add_delta(*f_->bfd_datagrams_all, l.rx_datagrams, c.rx_datagrams);
  for (std::size_t i = 0; i < kBfdDrops.size(); ++i)
    add_delta(*f_->bfd_dropped_by[i], l.*kBfdDrops[i].field, c.*kBfdDrops[i].field);
  for (std::size_t i = 0; i < kBfdLate.size(); ++i)
    add_delta(*f_->bfd_late_by[i], l.*kBfdLate[i].field, c.*kBfdLate[i].field);
}

void Metrics::observe_detection_to_fib(std::chrono::microseconds latency) {
  f_->detection_to_fib_all->Observe(seconds(latency));
}

void Metrics::forget_tunnel(const std::string& name) {
  const std::lock_guard lock(mu_);
  auto it = tunnels_.find(name);
  if (it == tunnels_.end()) return;
  Tunnel& t = *it->second;
  drop(f_->tunnel_info, t.info);
  drop(f_->tunnel_state, t.state);
  drop(f_->standby, t.standby);
  drop(f_->drained, t.drained);
  drop(f_->penalty, t.penalty);
  drop(f_->suppressed, t.suppressed);
  drop_bfd(t);
  drop_quality(t);
  drop(f_->handshake_age, t.handshake_age);
  drop(f_->wg_rx, t.wg_rx);
  drop(f_->wg_tx, t.wg_tx);
  drop(f_->wg_stalled, t.wg_stalled);
  drop(f_->flaps, t.flaps);
  for (auto& [key, c] : t.transitions) drop(f_->transitions, c);
  tunnels_.erase(it);
}

}  // namespace wgfo

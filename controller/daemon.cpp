// The composition root of wg-failoverd (see daemon.hpp for the thread layout).
#include "controller/daemon.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <memory>

#include "controller/api/convert.hpp"
#include "controller/floor/floor.hpp"
#include "controller/route_intent.hpp"
#include "frr-integration/fib.hpp"
#include "frr-integration/northbound_client.hpp"

namespace wgfo {
namespace {

void log_event(const TunnelEvent& e) {
  spdlog::info("tunnel {}: {} -> {} ({})", e.tunnel, to_string(e.from), to_string(e.to), e.cause);
}

std::unique_ptr<frr::Programmer> make_programmer(const FrrConfig& c, frr::ReconcilerOptions options) {
  std::unique_ptr<frr::Northbound> bgpd;
  if (c.bgpd) bgpd = std::make_unique<frr::NorthboundClient>(c.bgpd->to_string());
  frr::ValidationContext validation;
  validation.ownership = ownership_of(c);
  frr::FibAccess fib{[] { return frr::read_fib(); }, frr::interface_index_if_up};
  return std::make_unique<frr::Programmer>(std::make_unique<frr::NorthboundClient>(c.staticd.to_string()),
                                           std::move(bgpd), std::move(validation), std::move(options),
                                           std::move(fib));
}

}  // namespace

Daemon::Daemon(std::string config_path, Config config)
    : config_path_(std::move(config_path)),
      config_(std::move(config)),
      started_(std::chrono::system_clock::now()),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      systemd_(io_),
      metrics_tick_(io_),
      core_([this](const TunnelEvent& e) {
        log_event(e);
        hub_.publish(e);
        observer_.on_event(e, std::chrono::steady_clock::now());
      }),
      frr_(make_programmer(config_.frr, frr_observers())),
      startup_hold_(io_),
      policy_timer_(io_),
      bfd_(
          [this](const bfd::io::SessionEvent& e) {
            spdlog::info("bfd {}: {} -> {} (diag {})", e.name, bfd::to_string(e.change.from),
                         bfd::to_string(e.change.to), bfd::to_string(e.change.diag));
            asio::post(io_, [this, e] {
              core_.on_bfd_event(e);
              after_core_input();
            });
          },
          random_),
      link_(
          io_, [this](const link::LinkEvent& e) { on_link_event(e); },
          [this](link::LinkMonitor::Status st, const std::string& detail) { on_link_status(st, detail); }),
      quality_(io_,
               [this](const std::string& tunnel, const QualitySample& q) {
                 observer_.metrics().on_quality(tunnel, q);
                 core_.on_quality(tunnel, q, now());
                 after_core_input();
               }),
      l7_(io_,
          [this](const std::string& tunnel, bool failed, const std::string& cause) {
            core_.on_l7(tunnel, failed, cause, now());
            after_core_input();
          }),
      wg_(
          [this](const std::string& tunnel, const wg::PeerProgress& p) {
            asio::post(io_, [this, tunnel, p] { on_wireguard(tunnel, p); });
          },
          [](const std::string& ifname) { return wg::make_source(ifname); }),
      api_(*this) {}

Daemon::~Daemon() {
  hub_.close_all("wg-failoverd is stopping");
  api_.stop();
  l7_.stop();
  quality_.stop();
  wg_.stop();
  link_.stop();
  bfd_.stop();
}

int Daemon::run() {
  observer_.apply(config_);
  if (auto error = observer_.listen_metrics(config_.metrics.listen)) spdlog::error("{}", *error);
  if (auto error = link_.start())
    spdlog::error("link monitor: {}; interface changes are seen only through BFD", *error);
  watch_wireguard();
  quality_.apply(config_);
  l7_.apply(config_);
  bfd_.start();
  tick_metrics();
  apply_bfd_priority(0);
  bfd_.apply(core_.apply_config(config_, now()));
  apply_kill_switch_floor();
  std::string error;
  if (!api_.start(config_.api, error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  if (!error.empty()) spdlog::warn("{}", error);
  spdlog::info("wg-failoverd {} running: node {}, {} tunnels, api {}", WGFO_VERSION, config_.node,
               config_.tunnels.size(), config_.api.socket);
  systemd_.ready("node " + config_.node + ", " + std::to_string(config_.tunnels.size()) + " tunnels");
  if (const auto every = systemd_.start_watchdog(); every.count() > 0)
    spdlog::info("systemd watchdog: pinging every {} ms from the core thread", every.count() / 1000);
  startup_hold_.expires_after(kStartupHold);
  startup_hold_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    routes_released_ = true;
    push_routes();
  });
  wait_signals();
  io_.run();
  systemd_.stopping();
  observer_.flush();
  hub_.close_all("wg-failoverd is stopping");
  api_.stop();
  l7_.stop();
  quality_.stop();
  wg_.stop();
  link_.stop();
  bfd_.stop();
  spdlog::info("wg-failoverd stopped");
  return 0;
}

void Daemon::wait_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    on_signal(signo);
  });
}

void Daemon::on_signal(int signo) {
  if (signo == SIGHUP) {
    systemd_.reloading();
    const ReloadResult r = reload(false);
    systemd_.ready("configuration " + std::string(r.errors.empty() ? "reloaded" : "reload rejected"));
    for (const std::string& w : r.warnings) spdlog::warn("reload: {}", w);
    if (r.errors.empty()) {
      spdlog::info("configuration reloaded from {}", config_path_);
    } else {
      for (const std::string& e : r.errors) spdlog::error("{}", e);
      spdlog::error("reload of {} rejected ({} errors); the running configuration stays", config_path_,
                    r.errors.size());
    }
    wait_signals();
    return;
  }
  spdlog::info("signal {}: stopping", signo);
  io_.stop();
}

Daemon::ReloadResult Daemon::reload(bool dry_run) {
  ReloadResult out;
  LoadResult r = load_config_file(config_path_);
  if (!r.config) {
    for (const ConfigError& e : r.errors) out.errors.push_back(format(e));
    return out;
  }
  Config next = std::move(*r.config);
  if (next.api != config_.api)
    out.warnings.emplace_back("api section changes take effect at the next restart");
  if (next.frr != config_.frr)
    out.warnings.emplace_back("frr section changes take effect at the next restart");
  next.api = config_.api;
  next.frr = config_.frr;
  out.before = route_views(config_, routing_from(core_));
  if (dry_run) {
    Core scratch = core_;
    scratch.set_event_sink({});
    scratch.apply_config(next, now());
    out.after = route_views(next, routing_from(scratch));
    return out;
  }
  const int old_priority = config_.bfd_thread.realtime_priority;
  config_ = std::move(next);
  apply_bfd_priority(old_priority);
  observer_.apply(config_);
  bfd_.apply(core_.apply_config(config_, now()));
  watch_wireguard();
  quality_.apply(config_);
  l7_.apply(config_);
  apply_kill_switch_floor();
  after_core_input();
  out.after = route_views(config_, routing_from(core_));
  return out;
}

void Daemon::apply_kill_switch_floor() {
  std::vector<IpPrefix> protect;
  for (const RouteConfig& r : config_.routes)
    if (r.kill_switch) protect.push_back(r.prefix);
  const floor::Desired desired = floor::desired_rules(protect);
  for (const std::string& w : desired.warnings) spdlog::warn("kill switch floor: {}", w);
  const floor::Applied applied = floor::apply_floor(desired.rules);
  const auto say = [](const char* verb, const floor::Rule& r) {
    spdlog::info("kill switch floor: {} rule {}: to {} {}", verb, r.priority, r.to.to_string(),
                 r.action == floor::kActionBlackhole ? "blackhole" : "lookup main (more specific routes)");
  };
  for (const floor::Rule& r : applied.done.remove) say("removed", r);
  for (const floor::Rule& r : applied.done.add) say("added", r);
  if (!applied.error.empty()) {
    spdlog::error("kill switch floor: {}; protected prefixes may leak while FRR's routes are missing",
                  applied.error);
  }
}

void Daemon::apply_bfd_priority(int before) {
  const int priority = config_.bfd_thread.realtime_priority;
  if (priority == before) return;
  if (auto error = bfd_.set_realtime_priority(priority)) {
    spdlog::warn("bfd thread: cannot set {}; it keeps running at the priority it had", *error);
  } else if (priority > 0) {
    spdlog::info("bfd thread: SCHED_FIFO priority {}", priority);
  }
}

TunnelRoutingOf Daemon::routing_from(const Core& core) {
  return [&core](std::string_view name) { return core.routing_of(name); };
}

Instant Daemon::now() {
  return {std::chrono::steady_clock::now(), std::chrono::system_clock::now()};
}

void Daemon::after_core_input() {
  push_routes();
  arm_policy_timer();
  for (EndpointTry& t : core_.take_endpoint_tries()) {
    wg_.set_endpoint(std::move(t.interface), std::move(t.peer_public_key), std::move(t.endpoint));
  }
}

void Daemon::on_link_event(const link::LinkEvent& e) {
  const bool ours = std::any_of(config_.tunnels.begin(), config_.tunnels.end(),
                                [&](const TunnelConfig& t) { return t.interface == e.ifname; });
  if (!ours) return;
  const LinkState state = e.deleted ? LinkState::Absent : e.usable() ? LinkState::Up : LinkState::Down;
  if (!e.from_dump) spdlog::info("link {}: {}", e.ifname, e.deleted ? "removed" : e.usable() ? "up" : "down");
  core_.on_link(e.ifname, state, now());
  after_core_input();
}

void Daemon::on_link_status(link::LinkMonitor::Status status, const std::string& detail) {
  using Status = link::LinkMonitor::Status;
  if (status == Status::Overrun || status == Status::Error) spdlog::warn("link monitor: {}", detail);
  if (status != Status::DumpComplete) return;
  // A tunnel interface the dump does not list does not exist (yet): its tunnel cannot carry traffic.
  for (const TunnelConfig& t : config_.tunnels) {
    if (!link_.table().find(t.interface)) core_.on_link(t.interface, LinkState::Absent, now());
  }
  after_core_input();
}

void Daemon::on_wireguard(const std::string& tunnel, const wg::PeerProgress& p) {
  if (p.sampled) observer_.metrics().on_wireguard(tunnel, p, p.rx_bytes, p.tx_bytes);
  const bool rx_stalled = p.rx_stalled;
  auto [it, inserted] = wg_stalled_.try_emplace(tunnel, rx_stalled);
  if (!inserted && it->second == rx_stalled) return;
  it->second = rx_stalled;
  if (rx_stalled) spdlog::warn("wireguard {}: sending without receiving", tunnel);
  core_.on_wireguard(tunnel, rx_stalled, now());
  after_core_input();
}

void Daemon::watch_wireguard() {
  std::vector<WireguardPoller::Watch> watches;
  for (const TunnelConfig& t : config_.tunnels) {
    if (t.wireguard) watches.push_back({t.name, t.interface, t.wireguard->peer_public_key});
  }
  wg_.set_watches(std::move(watches));
}

void Daemon::arm_policy_timer() {
  const auto deadline = core_.next_deadline();
  if (!deadline) {
    policy_timer_.cancel();
    return;
  }
  policy_timer_.expires_at(*deadline);
  policy_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    core_.on_timer(now());
    after_core_input();
  });
}

void Daemon::push_routes() {
  const TunnelRoutingOf routing_of = routing_from(core_);
  if (!routes_released_) {
    for (const auto& t : config_.tunnels) {
      if (!usable(routing_of(t.name).state)) {
        observer_.on_routes_held();
        return;
      }
    }
    routes_released_ = true;
    startup_hold_.cancel();
  }
  const frr::ApplyResult r = frr_->submit(route_intent(config_, routing_of));
  for (const std::string& problem : r.problems) spdlog::error("routes not sent to FRR: {}", problem);
  if (r.version == 0) return;
  std::vector<std::pair<std::string, TunnelState>> states;
  for (const auto& t : config_.tunnels) states.emplace_back(t.name, routing_of(t.name).state);
  observer_.on_routes(r.version, route_views(config_, routing_of), std::move(states),
                      std::chrono::system_clock::now());
}

frr::ReconcilerOptions Daemon::frr_observers() {
  frr::ReconcilerOptions o;
  o.on_commit = [this](const frr::CommitReport& r) {
    asio::post(io_, [this, r] { observer_.on_commit(r); });
  };
  o.on_converged = [this](std::uint64_t version, bool fib_verified, frr::Clock::time_point at) {
    asio::post(io_, [this, version, fib_verified, at] { observer_.on_converged(version, fib_verified, at); });
  };
  return o;
}

void Daemon::tick_metrics() {
  bfd_.snapshot([this](std::vector<bfd::io::SessionStatus> sessions, bfd::io::IoCounters io) {
    asio::post(io_, [this, sessions = std::move(sessions), io] {
      observer_.metrics().set_tunnels(core_.tunnels(sessions, now()));
      observer_.metrics().on_bfd_io(io);
      observer_.metrics().on_frr(frr_->status());
    });
  });
  metrics_tick_.expires_after(kMetricsInterval);
  metrics_tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick_metrics();
  });
}

}  // namespace wgfo

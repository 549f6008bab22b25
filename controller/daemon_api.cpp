// The daemon's side of the API (api::ApiBackend; daemon.hpp has the thread layout). Every handler runs
// on a gRPC thread and reaches the core state only through with_core(), which posts to the core thread
// and waits with a deadline, so a stuck core answers UNAVAILABLE instead of hanging callers.
//
// Mutating calls share one path (mutate): the routes before, the action on the core (or, for a dry
// run, on a copy of it with no event sink), the routes after, from the same route_views() that
// `show routes` uses; so a dry run reports exactly what the real call would change at that moment.
// Status codes: NOT_FOUND for an unknown tunnel, INVALID_ARGUMENT for values out of range,
// FAILED_PRECONDITION for a call that does not fit the state (clearing an override that is not
// there, reloading a file that does not validate), UNAVAILABLE when the core did not answer.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <memory>

#include "controller/api/convert.hpp"
#include "controller/daemon.hpp"

namespace wgfo {
namespace {

grpc::Status core_timeout() {
  return {grpc::StatusCode::UNAVAILABLE, "wg-failoverd's core did not answer in time"};
}

grpc::Status no_tunnel(const std::string& name) {
  return {grpc::StatusCode::NOT_FOUND, "no tunnel named \"" + name + "\""};
}

bool configured(const Config& config, const std::string& name) {
  return std::any_of(config.tunnels.begin(), config.tunnels.end(),
                     [&](const TunnelConfig& t) { return t.name == name; });
}

const TunnelView* find_view(const std::vector<TunnelView>& views, const std::string& name) {
  for (const TunnelView& v : views) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

}  // namespace

template <class Resp>
grpc::Status Daemon::respond(Mutation m, Resp* resp) {
  if (!m.status.ok()) return m.status;
  *resp->mutable_tunnel() = std::move(m.tunnel);
  *resp->mutable_route_changes() = std::move(m.changes);
  return grpc::Status::OK;
}

template <class T>
std::optional<T> Daemon::with_core(std::function<T(const BfdSnapshot&)> fn) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  bfd_.snapshot([this, promise, fn = std::move(fn)](std::vector<bfd::io::SessionStatus> s,
                                                    bfd::io::IoCounters io) mutable {
    asio::post(io_, [promise, fn = std::move(fn), snap = BfdSnapshot{std::move(s), io}] {
      promise->set_value(fn(snap));
    });
  });
  if (future.wait_for(kCoreCallTimeout) != std::future_status::ready) return std::nullopt;
  try {
    return future.get();
  } catch (const std::future_error&) {  // the core stopped before it ran fn
    return std::nullopt;
  }
}

grpc::Status Daemon::list_tunnels(const api::v1::ListTunnelsRequest&, api::v1::ListTunnelsResponse* resp) {
  auto views = with_core<std::vector<TunnelView>>(
      [this](const BfdSnapshot& snap) { return core_.tunnels(snap.sessions, now()); });
  if (!views) return core_timeout();
  for (const TunnelView& t : *views) api::to_proto(t, resp->add_tunnels());
  return grpc::Status::OK;
}

grpc::Status Daemon::get_tunnel(const api::v1::GetTunnelRequest& req, api::v1::GetTunnelResponse* resp) {
  auto views = with_core<std::vector<TunnelView>>(
      [this](const BfdSnapshot& snap) { return core_.tunnels(snap.sessions, now()); });
  if (!views) return core_timeout();
  const TunnelView* v = find_view(*views, req.name());
  if (!v) return no_tunnel(req.name());
  api::to_proto(*v, resp->mutable_tunnel());
  return grpc::Status::OK;
}

grpc::Status Daemon::list_routes(const api::v1::ListRoutesRequest&, api::v1::ListRoutesResponse* resp) {
  auto views = with_core<std::vector<RouteView>>(
      [this](const BfdSnapshot&) { return route_views(config_, routing_from(core_)); });
  if (!views) return core_timeout();
  const auto installed = frr_->status().installed;
  for (const RouteView& v : *views) {
    auto* r = resp->add_routes();
    r->set_prefix(v.prefix.to_string());
    for (const auto& t : v.active) r->add_active(t);
    const auto it = installed.find(v.prefix);
    r->set_installed(it != installed.end() && it->second);
    r->set_kill_switch(v.kill_switch);
    r->set_signalled(v.signalled);
  }
  return grpc::Status::OK;
}

grpc::Status Daemon::get_status(const api::v1::GetStatusRequest&, api::v1::GetStatusResponse* resp) {
  auto status = with_core<api::v1::GetStatusResponse>([this](const BfdSnapshot& snap) {
    api::v1::GetStatusResponse r;
    r.set_node(config_.node);
    r.set_config_path(config_path_);
    for (const TunnelView& t : core_.tunnels(snap.sessions, now())) {
      switch (t.state) {
        case TunnelState::Up:
          r.set_tunnels_up(r.tunnels_up() + 1);
          break;
        case TunnelState::Degraded:
          r.set_tunnels_degraded(r.tunnels_degraded() + 1);
          break;
        case TunnelState::Down:
          r.set_tunnels_down(r.tunnels_down() + 1);
          break;
        case TunnelState::AdminDown:
          r.set_tunnels_admin_down(r.tunnels_admin_down() + 1);
          break;
      }
    }
    r.set_bfd_rx_packets(snap.io.rx_datagrams);
    r.set_bfd_rx_dropped(bfd::io::rx_dropped(snap.io));
    r.set_bfd_tx_packets(snap.io.tx_packets);
    r.set_bfd_timers_late_10ms(snap.io.timers_late_10ms);
    return r;
  });
  if (!status) return core_timeout();
  *resp = std::move(*status);
  resp->set_version(WGFO_VERSION);
  *resp->mutable_started() = api::to_timestamp(started_);
  const frr::ProgrammerStatus p = frr_->status();
  auto fill = [](const frr::DaemonStatus& d, api::v1::FrrDaemonStatus* out) {
    out->set_configured(d.configured);
    out->set_reachable(d.reachable);
    out->set_frr_version(d.frr_version);
    out->set_commits(d.commits);
    out->set_failures(d.failures);
    out->set_restarts(d.restarts);
    out->set_last_error(d.last_error);
  };
  fill(p.staticd, resp->mutable_staticd());
  fill(p.bgpd, resp->mutable_bgpd());
  resp->set_converged(p.converged_version == p.desired_version);
  resp->set_drift(p.drift);
  resp->set_drift_repairs(p.drift_repairs);
  for (const std::string& c : p.conflicts) resp->add_conflicts(c);
  return grpc::Status::OK;
}

grpc::Status Daemon::list_events(const api::v1::ListEventsRequest& req, api::v1::ListEventsResponse* resp) {
  const std::string tunnel = req.tunnel();
  auto events = with_core<std::optional<std::vector<TunnelEvent>>>(
      [this, tunnel](const BfdSnapshot&) -> std::optional<std::vector<TunnelEvent>> {
        if (!tunnel.empty() && !configured(config_, tunnel)) return std::nullopt;
        std::vector<TunnelEvent> out;
        for (const TunnelEvent& e : core_.events()) {
          if (tunnel.empty() || e.tunnel == tunnel) out.push_back(e);
        }
        return out;
      });
  if (!events) return core_timeout();
  if (!*events) return no_tunnel(tunnel);
  const auto& all = **events;
  const std::size_t skip = req.limit() > 0 && all.size() > req.limit() ? all.size() - req.limit() : 0;
  for (std::size_t i = skip; i < all.size(); ++i) api::to_proto(all[i], resp->add_events());
  return grpc::Status::OK;
}

grpc::Status Daemon::watch_events(const api::v1::WatchEventsRequest& req, api::EventStream& stream) {
  struct Start {
    bool known{true};
    std::shared_ptr<api::EventHub::Subscription> sub;
    std::vector<TunnelView> tunnels;
  };
  const std::string tunnel = req.tunnel();
  const bool initial = req.initial_state();
  // Subscribing on the core thread, in the same step as the snapshot, means no event falls between
  // the initial state and the first streamed event, and none is seen twice.
  auto start = with_core<Start>([this, tunnel, initial](const BfdSnapshot& snap) {
    Start s;
    if (!tunnel.empty() && !configured(config_, tunnel)) return Start{false, {}, {}};
    s.sub = hub_.subscribe(tunnel);
    if (initial) {
      for (TunnelView& v : core_.tunnels(snap.sessions, now())) {
        if (tunnel.empty() || v.name == tunnel) s.tunnels.push_back(std::move(v));
      }
    }
    return s;
  });
  if (!start) return core_timeout();
  if (!start->known) return no_tunnel(tunnel);
  const auto sub = start->sub;
  struct Unsubscribe {
    api::EventHub& hub;
    const std::shared_ptr<api::EventHub::Subscription>& sub;
    ~Unsubscribe() { hub.unsubscribe(sub); }
  } unsubscribe{hub_, sub};

  api::v1::WatchEventsResponse msg;
  for (const TunnelView& v : start->tunnels) {
    api::to_proto(v, msg.mutable_tunnel());
    if (!stream.write(msg)) return grpc::Status::OK;  // the client went away
  }
  TunnelEvent ev;
  for (;;) {
    switch (sub->next(ev, std::chrono::milliseconds(200))) {
      case api::EventHub::Subscription::Next::Event:
        api::to_proto(ev, msg.mutable_event());
        if (!stream.write(msg)) return grpc::Status::OK;
        break;
      case api::EventHub::Subscription::Next::Timeout:
        if (stream.cancelled()) return grpc::Status::CANCELLED;
        break;
      case api::EventHub::Subscription::Next::Closed:
        return {sub->overflowed() ? grpc::StatusCode::RESOURCE_EXHAUSTED : grpc::StatusCode::UNAVAILABLE,
                sub->close_reason()};
    }
  }
}

Daemon::Mutation Daemon::mutate(std::string name, bool dry_run, grpc::StatusCode refusal, Action action) {
  auto done = with_core<Mutation>(
      [this, name, dry_run, refusal, action = std::move(action)](const BfdSnapshot& snap) -> Mutation {
        if (!configured(config_, name)) return {no_tunnel(name), {}, {}};
        const Instant at = now();
        const std::vector<RouteView> before = route_views(config_, routing_from(core_));
        std::optional<Core> scratch;
        if (dry_run) {
          scratch.emplace(core_);
          scratch->set_event_sink({});
        }
        Core& target = dry_run ? *scratch : core_;
        if (auto refused = action(target, at)) return {grpc::Status(refusal, *refused), {}, {}};
        if (!dry_run) after_core_input();
        Mutation m;
        api::add_route_changes(before, route_views(config_, routing_from(target)), &m.changes);
        api::to_proto(*find_view(target.tunnels(snap.sessions, at), name), &m.tunnel);
        return m;
      });
  if (!done) return {core_timeout(), {}, {}};
  return std::move(*done);
}

grpc::Status Daemon::drain_tunnel(const api::v1::DrainTunnelRequest& req,
                                  api::v1::DrainTunnelResponse* resp) {
  const std::string& name = req.name();
  return respond(mutate(name, req.dry_run(), grpc::StatusCode::INVALID_ARGUMENT,
                        [name](Core& c, Instant at) { return c.set_drained(name, true, at); }),
                 resp);
}

grpc::Status Daemon::undrain_tunnel(const api::v1::UndrainTunnelRequest& req,
                                    api::v1::UndrainTunnelResponse* resp) {
  const std::string& name = req.name();
  return respond(mutate(name, req.dry_run(), grpc::StatusCode::INVALID_ARGUMENT,
                        [name](Core& c, Instant at) { return c.set_drained(name, false, at); }),
                 resp);
}

grpc::Status Daemon::set_override(const api::v1::SetOverrideRequest& req,
                                  api::v1::SetOverrideResponse* resp) {
  const std::string& name = req.name();
  const std::uint32_t prefer = req.preference();
  const std::chrono::microseconds ttl = override_ttl(req.ttl_ms());
  return respond(
      mutate(name, req.dry_run(), grpc::StatusCode::INVALID_ARGUMENT,
             [name, prefer, ttl](Core& c, Instant at) { return c.set_override(name, prefer, ttl, at); }),
      resp);
}

grpc::Status Daemon::clear_override(const api::v1::ClearOverrideRequest& req,
                                    api::v1::ClearOverrideResponse* resp) {
  const std::string& name = req.name();
  return respond(mutate(name, req.dry_run(), grpc::StatusCode::FAILED_PRECONDITION,
                        [name](Core& c, Instant at) { return c.clear_override(name, at); }),
                 resp);
}

grpc::Status Daemon::reload(const api::v1::ReloadRequest& req, api::v1::ReloadResponse* resp) {
  const bool dry_run = req.dry_run();
  auto result = with_core<ReloadResult>([this, dry_run](const BfdSnapshot&) {
    if (!dry_run) systemd_.reloading();
    ReloadResult r = reload(dry_run);
    if (!dry_run)
      systemd_.ready("configuration " + std::string(r.errors.empty() ? "reloaded" : "reload rejected"));
    if (!dry_run) {
      for (const std::string& w : r.warnings) spdlog::warn("reload: {}", w);
      if (r.errors.empty()) spdlog::info("configuration reloaded from {} (API)", config_path_);
    }
    return r;
  });
  if (!result) return core_timeout();
  if (!result->errors.empty()) {
    std::string text = config_path_ + " does not validate; the running configuration stays:";
    for (const std::string& e : result->errors) text += "\n" + e;
    if (!dry_run) spdlog::error("reload (API): {}", text);
    return {grpc::StatusCode::FAILED_PRECONDITION, text};
  }
  api::add_route_changes(result->before, result->after, resp->mutable_route_changes());
  for (const std::string& w : result->warnings) resp->add_warnings(w);
  return grpc::Status::OK;
}

}  // namespace wgfo

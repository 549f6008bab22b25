// Core: tunnel states from every signal, operator actions and timers (see core.hpp).
#include "controller/core.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace wgfo {
namespace {

bfd::SessionKey to_key(const IpAddress& local, const IpAddress& peer) {
  bfd::SessionKey k;
  k.family = local.is_v4() ? 4 : 6;
  std::copy(local.bytes().begin(), local.bytes().end(), k.local.begin());
  std::copy(peer.bytes().begin(), peer.bytes().end(), k.peer.begin());
  return k;
}

std::optional<bfd::AuthKey> auth_key(const std::optional<BfdAuthentication>& a) {
  if (!a) return std::nullopt;
  bfd::AuthKey k;
  k.type = a->type == BfdAuthentication::Type::KeyedSha1 ? bfd::AuthType::KeyedSha1
                                                         : bfd::AuthType::MeticulousKeyedSha1;
  k.key_id = a->key_id;
  const std::size_t n = std::min(a->secret.size(), k.secret.size());  // the loader allows 1..20 bytes
  std::copy_n(a->secret.begin(), n, k.secret.begin());
  return k;
}

HealthOptions health_options(const TunnelConfig& tc, const PolicyConfig& policy) {
  HealthOptions o;
  o.quality = tc.quality;
  o.fail_back_hold_down = policy.fail_back_hold_down;
  o.dampening = policy.dampening;
  o.bfd = tc.bfd.enabled;
  if (tc.quality) o.quality_settle = quality_settle_time(*tc.quality);
  return o;
}

std::size_t pool_size(const TunnelConfig& tc) {
  return tc.wireguard ? tc.wireguard->endpoints.size() : 0;
}

// Whole hours, minutes or seconds, as the CLI's --for takes them.
std::string duration_text(std::chrono::microseconds d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s > 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s > 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace

Core::Tunnel* Core::find(std::string_view name) {
  const auto it = tunnels_.find(name);
  return it == tunnels_.end() ? nullptr : &it->second;
}

const Core::Tunnel* Core::find(std::string_view name) const {
  const auto it = tunnels_.find(name);
  return it == tunnels_.end() ? nullptr : &it->second;
}

std::vector<bfd::io::SessionSpec> Core::apply_config(const Config& config, Instant now) {
  policy_ = config.policy;
  std::map<std::string, Tunnel, std::less<>> next;
  order_.clear();
  std::vector<bfd::io::SessionSpec> specs;
  for (const TunnelConfig& tc : config.tunnels) {
    order_.push_back(tc.name);
    const auto old = tunnels_.find(tc.name);
    const bool is_new = old == tunnels_.end();
    Tunnel t = is_new ? Tunnel{tc, TunnelHealth(health_options(tc, policy_), tc.interface), {}, {}, {}}
                      : std::move(old->second);
    if (is_new || pool_size(t.config) != pool_size(tc) ||
        (t.config.wireguard && tc.wireguard && t.config.wireguard->endpoints != tc.wireguard->endpoints)) {
      t.rotation.reset();
      if (pool_size(tc) >= 2) t.rotation.emplace(pool_size(tc));
    }
    t.config = tc;
    t.health.set_options(health_options(tc, policy_), tc.interface);
    t.health.set_bfd_shutdown(tc.bfd.shutdown);
    if (!tc.l7_check) t.health.set_l7_failed(false, "l7 check removed");
    if (is_new) {
      // A new tunnel starts where its configuration puts it; no event.
      t.health.evaluate(now.mono);
      if (t.rotation) t.rotation->step(t.health.raw_state() == TunnelState::Down, now.mono);
    } else {
      evaluate(t, now);
    }
    // A peer without BFD gets no session (a reload that turns BFD off removes it).
    if (tc.bfd.enabled) {
      specs.push_back(bfd::io::SessionSpec{
          .name = tc.name,
          .ifname = tc.interface,
          .key = to_key(tc.local_address, tc.peer_address),
          .config = {.desired_min_tx = tc.bfd.tx_interval,
                     .required_min_rx = tc.bfd.rx_interval,
                     .detect_mult = tc.bfd.detect_mult,
                     .auth = auth_key(tc.bfd.authentication)},
          .admin_down = tc.bfd.shutdown,
      });
    }
    next.emplace(tc.name, std::move(t));
  }
  tunnels_ = std::move(next);
  return specs;
}

void Core::on_bfd_event(const bfd::io::SessionEvent& e) {
  Tunnel* t = find(e.name);
  if (!t) return;
  t->health.set_bfd(e.change.to, e.change.diag);
  evaluate(*t, Instant{e.at, e.wall_at});
}

void Core::on_link(std::string_view interface, LinkState state, Instant now) {
  for (auto& [name, t] : tunnels_) {
    if (t.config.interface != interface) continue;
    t.health.set_link(state);
    evaluate(t, now);
  }
}

void Core::on_quality(std::string_view tunnel, const QualitySample& q, Instant now) {
  Tunnel* t = find(tunnel);
  if (!t) return;
  t->health.add_quality_sample(q, now.mono);
  evaluate(*t, now);
}

void Core::on_wireguard(std::string_view tunnel, bool rx_stalled, Instant now) {
  Tunnel* t = find(tunnel);
  if (!t) return;
  t->health.set_wireguard_stalled(rx_stalled);
  evaluate(*t, now);
}

void Core::on_l7(std::string_view tunnel, bool failed, std::string cause, Instant now) {
  Tunnel* t = find(tunnel);
  if (!t) return;
  t->health.set_l7_failed(failed, std::move(cause));
  evaluate(*t, now);
}

std::optional<std::string> Core::set_drained(std::string_view tunnel, bool drained, Instant now) {
  Tunnel* t = find(tunnel);
  if (!t) return "no tunnel named \"" + std::string(tunnel) + "\"";
  t->health.set_drained(drained);
  evaluate(*t, now);
  return std::nullopt;
}

std::optional<std::string> Core::set_override(std::string_view tunnel, std::uint32_t prefer,
                                              std::chrono::microseconds ttl, Instant now) {
  Tunnel* t = find(tunnel);
  if (!t) return "no tunnel named \"" + std::string(tunnel) + "\"";
  if (prefer < 1 || prefer > kMaxPrefer)
    return "preference " + std::to_string(prefer) + " is out of range 1.." + std::to_string(kMaxPrefer);
  if (ttl <= std::chrono::microseconds::zero() || ttl > kMaxOverride)
    return "override duration must be more than 0s and at most " + duration_text(kMaxOverride);
  t->override = Override{prefer, now.mono + ttl,
                         now.wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(ttl)};
  record(*t, t->health.state(), t->health.state(),
         "override: preference " + std::to_string(prefer) + " for " + duration_text(ttl), now);
  return std::nullopt;
}

std::optional<std::string> Core::clear_override(std::string_view tunnel, Instant now) {
  Tunnel* t = find(tunnel);
  if (!t) return "no tunnel named \"" + std::string(tunnel) + "\"";
  if (!t->override) return "tunnel \"" + std::string(tunnel) + "\" has no override";
  t->override.reset();
  record(*t, t->health.state(), t->health.state(), "override cleared", now);
  return std::nullopt;
}

void Core::on_timer(Instant now) {
  for (const std::string& name : order_) {
    Tunnel& t = tunnels_.at(name);
    if (t.override && now.mono >= t.override->until) {
      t.override.reset();
      record(t, t.health.state(), t.health.state(), "override expired", now);
    }
    evaluate(t, now);
  }
}

void Core::evaluate(Tunnel& t, Instant now) {
  if (auto tr = t.health.evaluate(now.mono)) record(t, tr->from, tr->to, std::move(tr->cause), now);
  if (!t.rotation) return;
  const auto index = t.rotation->step(t.health.raw_state() == TunnelState::Down, now.mono);
  if (!index) return;
  const HostPort& ep = t.config.wireguard->endpoints[*index];
  endpoint_tries_.push_back(
      EndpointTry{t.config.name, t.config.interface, t.config.wireguard->peer_public_key, ep});
  record(t, t.health.state(), t.health.state(),
         "endpoint rotation: trying " + ep.to_string() + " (" + std::to_string(*index + 1) + " of " +
             std::to_string(t.rotation->pool_size()) + ")",
         now);
}

void Core::record(Tunnel& t, TunnelState from, TunnelState to, std::string cause, Instant now) {
  TunnelEvent ev{now.wall, t.config.name, from, to, std::move(cause)};
  if (from != to) t.last_change = now.wall;
  events_.push_back(ev);
  if (events_.size() > kEventHistory) events_.pop_front();
  if (sink_) sink_(ev);
}

std::optional<MonoTime> Core::next_deadline() const {
  std::optional<MonoTime> out;
  auto consider = [&](std::optional<MonoTime> d) {
    if (d && (!out || *d < *out)) out = d;
  };
  for (const auto& [name, t] : tunnels_) {
    consider(t.health.next_deadline());
    if (t.rotation) consider(t.rotation->next_deadline());
    if (t.override) consider(t.override->until);
  }
  return out;
}

std::vector<EndpointTry> Core::take_endpoint_tries() {
  return std::exchange(endpoint_tries_, {});
}

std::vector<TunnelView> Core::tunnels(const std::vector<bfd::io::SessionStatus>& bfd, Instant now) const {
  std::unordered_map<std::string_view, const bfd::io::SessionStatus*> by_name;
  by_name.reserve(bfd.size());
  for (const auto& s : bfd) by_name.emplace(s.name, &s);
  std::vector<TunnelView> out;
  out.reserve(order_.size());
  for (const std::string& name : order_) {
    const Tunnel& t = tunnels_.at(name);
    // Field by field: g++ 12 -O3 warns (maybe-uninitialized) on the designated-initializer form.
    TunnelView v;
    v.name = name;
    v.interface = t.config.interface;
    v.local_address = t.config.local_address;
    v.peer_address = t.config.peer_address;
    v.state = t.health.state();
    v.last_change = t.last_change;
    v.standby = t.health.standby();
    v.suppressed = t.health.suppressed();
    v.penalty = t.health.penalty(now.mono);
    v.drained = t.health.drained();
    v.bfd_enabled = t.config.bfd.enabled;
    if (t.override) v.prefer = t.override->prefer, v.prefer_until = t.override->wall_until;
    if (auto s = by_name.find(name); s != by_name.end()) v.bfd = *s->second;
    out.push_back(std::move(v));
  }
  return out;
}

TunnelState Core::state_of(std::string_view name) const {
  const Tunnel* t = find(name);
  return t ? t->health.state() : TunnelState::Down;
}

TunnelRouting Core::routing_of(std::string_view name) const {
  const Tunnel* t = find(name);
  if (!t) return {};
  TunnelRouting r{t->health.state()};
  r.standby = t->health.standby();
  if (t->override) r.prefer = t->override->prefer;
  return r;
}

}  // namespace wgfo

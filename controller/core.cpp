// Core: tunnel state from configuration and BFD events (see core.hpp).
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

}  // namespace

std::string_view to_string(TunnelState s) {
  switch (s) {
    case TunnelState::Up:
      return "up";
    case TunnelState::Degraded:
      return "degraded";
    case TunnelState::Down:
      return "down";
    case TunnelState::AdminDown:
      return "admin-down";
  }
  return "unknown";
}

std::vector<bfd::io::SessionSpec> Core::apply_config(const Config& config,
                                                     std::chrono::system_clock::time_point now) {
  std::map<std::string, Tunnel> next;
  order_.clear();
  std::vector<bfd::io::SessionSpec> specs;
  for (const TunnelConfig& tc : config.tunnels) {
    order_.push_back(tc.name);
    auto old = tunnels_.find(tc.name);
    Tunnel t = old != tunnels_.end() ? std::move(old->second) : Tunnel{};
    t.config = tc;
    const TunnelState wanted = derive(t);
    if (old == tunnels_.end()) {
      t.state = wanted;  // a new tunnel starts where its configuration puts it; no event
    } else if (wanted != t.state) {
      set_state(t, wanted, tc.bfd.shutdown ? "bfd shutdown configured" : "bfd shutdown removed", now);
    }
    specs.push_back(bfd::io::SessionSpec{
        .name = tc.name,
        .ifname = tc.interface,
        .key = to_key(tc.local_address, tc.peer_address),
        .config = {.desired_min_tx = tc.bfd.tx_interval,
                   .required_min_rx = tc.bfd.rx_interval,
                   .detect_mult = tc.bfd.detect_mult},
        .admin_down = tc.bfd.shutdown,
    });
    next.emplace(tc.name, std::move(t));
  }
  tunnels_ = std::move(next);
  return specs;
}

void Core::on_bfd_event(const bfd::io::SessionEvent& e) {
  auto it = tunnels_.find(e.name);
  if (it == tunnels_.end()) return;  // a session of a tunnel removed by a reload
  Tunnel& t = it->second;
  t.bfd_state = e.change.to;
  const TunnelState wanted = derive(t);
  if (wanted == t.state) return;
  std::string cause = "bfd " + std::string(bfd::to_string(e.change.to));
  if (e.change.diag != bfd::Diag::None) cause += ": " + std::string(bfd::to_string(e.change.diag));
  set_state(t, wanted, std::move(cause), e.wall_at);
}

TunnelState Core::derive(const Tunnel& t) {
  if (t.config.bfd.shutdown) return TunnelState::AdminDown;
  return t.bfd_state == bfd::State::Up ? TunnelState::Up : TunnelState::Down;
}

void Core::set_state(Tunnel& t, TunnelState to, std::string cause,
                     std::chrono::system_clock::time_point now) {
  TunnelEvent ev{now, t.config.name, t.state, to, std::move(cause)};
  t.state = to;
  t.last_change = now;
  events_.push_back(ev);
  if (events_.size() > kEventHistory) events_.pop_front();
  if (sink_) sink_(ev);
}

std::vector<TunnelView> Core::tunnels(const std::vector<bfd::io::SessionStatus>& bfd) const {
  std::unordered_map<std::string_view, const bfd::io::SessionStatus*> by_name;
  by_name.reserve(bfd.size());
  for (const auto& s : bfd) by_name.emplace(s.name, &s);
  std::vector<TunnelView> out;
  out.reserve(order_.size());
  for (const std::string& name : order_) {
    const Tunnel& t = tunnels_.at(name);
    TunnelView v{.name = name,
                 .interface = t.config.interface,
                 .local_address = t.config.local_address,
                 .peer_address = t.config.peer_address,
                 .state = t.state,
                 .last_change = t.last_change,
                 .bfd = {}};
    if (auto s = by_name.find(name); s != by_name.end()) v.bfd = *s->second;
    out.push_back(std::move(v));
  }
  return out;
}

TunnelState Core::state_of(std::string_view name) const {
  const auto it = tunnels_.find(std::string(name));
  return it == tunnels_.end() ? TunnelState::Down : it->second.state;
}

}  // namespace wgfo

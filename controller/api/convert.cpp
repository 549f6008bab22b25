// Core value types -> API messages (see convert.hpp).
#include "controller/api/convert.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

namespace wgfo::api {
namespace {

std::uint32_t to_ms(std::chrono::microseconds d) {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

bool same_routing(const RouteView& a, const RouteView& b) {
  return a.active == b.active && a.kill_switch == b.kill_switch && a.signalled == b.signalled;
}

void fill_change(const RouteView* before, const RouteView* after, v1::RouteChange* c) {
  const RouteView& any = after ? *after : *before;
  c->set_prefix(any.prefix.to_string());
  if (before) {
    for (const auto& t : before->active) c->add_active_before(t);
    c->set_kill_switch_before(before->kill_switch);
    c->set_signalled_before(before->signalled);
  }
  if (after) {
    for (const auto& t : after->active) c->add_active_after(t);
    c->set_kill_switch_after(after->kill_switch);
    c->set_signalled_after(after->signalled);
  }
}

const RouteView* find_prefix(const std::vector<RouteView>& views, const IpPrefix& p) {
  const auto it = std::find_if(views.begin(), views.end(), [&](const RouteView& v) { return v.prefix == p; });
  return it == views.end() ? nullptr : &*it;
}

}  // namespace

google::protobuf::Timestamp to_timestamp(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(ns.count());
}

void to_proto(const TunnelEvent& e, v1::Event* out) {
  out->Clear();
  *out->mutable_time() = to_timestamp(e.time);
  out->set_tunnel(e.tunnel);
  out->set_from(to_proto(e.from));
  out->set_to(to_proto(e.to));
  out->set_cause(e.cause);
}

void add_route_changes(const std::vector<RouteView>& before, const std::vector<RouteView>& after,
                       google::protobuf::RepeatedPtrField<v1::RouteChange>* out) {
  for (const RouteView& a : after) {
    const RouteView* b = find_prefix(before, a.prefix);
    if (!b || !same_routing(*b, a)) fill_change(b, &a, out->Add());
  }
  for (const RouteView& b : before) {
    if (!find_prefix(after, b.prefix)) fill_change(&b, nullptr, out->Add());
  }
}

v1::TunnelState to_proto(TunnelState s) {
  switch (s) {
    case TunnelState::Up:
      return v1::TUNNEL_STATE_UP;
    case TunnelState::Degraded:
      return v1::TUNNEL_STATE_DEGRADED;
    case TunnelState::Down:
      return v1::TUNNEL_STATE_DOWN;
    case TunnelState::AdminDown:
      return v1::TUNNEL_STATE_ADMIN_DOWN;
  }
  return v1::TUNNEL_STATE_UNSPECIFIED;
}

v1::BfdSessionState to_proto(bfd::State s) {
  switch (s) {
    case bfd::State::AdminDown:
      return v1::BFD_SESSION_STATE_ADMIN_DOWN;
    case bfd::State::Down:
      return v1::BFD_SESSION_STATE_DOWN;
    case bfd::State::Init:
      return v1::BFD_SESSION_STATE_INIT;
    case bfd::State::Up:
      return v1::BFD_SESSION_STATE_UP;
  }
  return v1::BFD_SESSION_STATE_UNSPECIFIED;
}

void to_proto(const TunnelView& t, v1::Tunnel* out) {
  out->Clear();  // callers reuse messages; an unset optional field must not keep an earlier value
  out->set_name(t.name);
  out->set_interface(t.interface);
  out->set_state(to_proto(t.state));
  out->set_interface_present(t.bfd.interface_present);
  out->set_local_address(t.local_address.to_string());
  out->set_peer_address(t.peer_address.to_string());
  if (t.last_change) *out->mutable_last_change() = to_timestamp(*t.last_change);
  out->set_standby(t.standby);
  out->set_suppressed(t.suppressed);
  out->set_penalty(t.penalty);
  out->set_drained(t.drained);
  out->set_bfd_enabled(t.bfd_enabled);
  if (t.prefer) out->set_prefer(*t.prefer);
  if (t.prefer_until) *out->mutable_prefer_until() = to_timestamp(*t.prefer_until);
  const bfd::io::SessionStatus& b = t.bfd;
  v1::BfdSession* s = out->mutable_bfd();
  s->set_state(to_proto(b.state));
  s->set_remote_state(to_proto(b.remote_state));
  s->set_local_discriminator(b.local_discr);
  s->set_remote_discriminator(b.remote_discr);
  s->set_tx_interval_ms(to_ms(b.tx_interval));
  s->set_rx_interval_ms(to_ms(b.rx_interval));
  s->set_detect_mult(b.detect_mult);
  s->set_remote_detect_mult(b.remote_detect_mult);
  s->set_detection_time_ms(to_ms(b.detection_time));
  s->set_last_diag_code(static_cast<std::uint32_t>(b.local_diag));
  s->set_last_diag(std::string(bfd::to_string(b.local_diag)));
  s->set_rx_packets(b.counters.rx_packets);
  s->set_tx_packets(b.counters.tx_packets);
  s->set_up_transitions(b.counters.up_transitions);
  s->set_down_transitions(b.counters.down_transitions);
  if (b.last_rx) *s->mutable_last_rx() = to_timestamp(*b.last_rx);
  s->set_auth_failures(b.counters.rx_auth_failed);
  if (b.last_auth_error != bfd::AuthError::None)
    s->set_last_auth_error(std::string(bfd::to_string(b.last_auth_error)));
}

}  // namespace wgfo::api

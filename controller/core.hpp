#pragma once
// Core: the controller state, owned by the core thread (DESIGN.md, threads). It fuses the signals of
// every tunnel (BFD events, interface state, quality samples, WireGuard progress, operator actions)
// into tunnel states through TunnelHealth (health.hpp: precedence, hysteresis, hold-down, dampening),
// keeps the operator's drains and time-limited overrides, rotates endpoints of tunnels that stay down
// (endpoint_rotation.hpp), and records every decision as an event (time, tunnel, from, to, cause).
// Pure: no sockets, no threads, no clock reads; every input carries its time (an Instant: monotonic
// for the policy's timers, wall clock for events). The daemon arms one timer at next_deadline() and
// calls on_timer(); route intent (route_intent.hpp) reads routing_of().

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bfd/io/bfd_service.hpp"
#include "controller/config.hpp"
#include "controller/endpoint_rotation.hpp"
#include "controller/health.hpp"
#include "controller/route_intent.hpp"

namespace wgfo {

struct Instant {
  MonoTime mono;
  std::chrono::system_clock::time_point wall;
};

struct TunnelView {
  std::string name;
  std::string interface;
  IpAddress local_address;
  IpAddress peer_address;
  TunnelState state{TunnelState::Down};
  std::optional<std::chrono::system_clock::time_point> last_change;
  bfd::io::SessionStatus bfd;  // default (no session) when bfd_enabled is false
  bool bfd_enabled{true};      // false: the peer runs no BFD (tunnels[].bfd.enabled)
  bool standby{false};         // held down (hold-down or dampening) while working
  bool suppressed{false};      // by flap dampening
  double penalty{0};           // dampening penalty now
  bool drained{false};
  std::optional<std::uint32_t> prefer;  // override in force
  std::optional<std::chrono::system_clock::time_point> prefer_until;
};

struct TunnelEvent {
  std::chrono::system_clock::time_point time;
  std::string tunnel;
  TunnelState from{};
  TunnelState to{};   // equal to from for decisions that keep the state (override, endpoint rotation, ...)
  std::string cause;  // e.g. "bfd down: control-detection-time-expired"
};

// A WireGuard peer endpoint the daemon wants set now (endpoint rotation).
struct EndpointTry {
  std::string tunnel;
  std::string interface;
  std::string peer_public_key;  // base64
  HostPort endpoint;
};

class Core {
 public:
  using EventSink = std::function<void(const TunnelEvent&)>;
  static constexpr std::size_t kEventHistory = 1000;

  explicit Core(EventSink sink) : sink_(std::move(sink)) {}
  // A copy is a scratch core for dry runs (what would an action change?): give it no sink, or its
  // decisions would be reported as real ones.
  void set_event_sink(EventSink sink) { sink_ = std::move(sink); }

  // Replaces the tunnel set (start or reload) and returns the BFD sessions that must exist (none for a
  // tunnel with bfd.enabled: false). Tunnels that keep their name keep their state, history, drain and
  // override, also when BFD is turned on or off for them.
  std::vector<bfd::io::SessionSpec> apply_config(const Config& config, Instant now);

  // Signals. Unknown names are ignored (a tunnel removed by a reload).
  void on_bfd_event(const bfd::io::SessionEvent& e);
  void on_link(std::string_view interface, LinkState state, Instant now);  // every tunnel on it
  void on_quality(std::string_view tunnel, const QualitySample& q, Instant now);
  void on_wireguard(std::string_view tunnel, bool rx_stalled, Instant now);
  void on_l7(std::string_view tunnel, bool failed, std::string cause, Instant now);

  // Operator actions: nullopt on success, else why nothing changed.
  std::optional<std::string> set_drained(std::string_view tunnel, bool drained, Instant now);
  std::optional<std::string> set_override(std::string_view tunnel, std::uint32_t prefer,
                                          std::chrono::microseconds ttl, Instant now);
  std::optional<std::string> clear_override(std::string_view tunnel, Instant now);

  // Timers: hold-downs, dampening reuse, override expiry, endpoint rotation.
  void on_timer(Instant now);
  std::optional<MonoTime> next_deadline() const;
  // Endpoint changes decided since the last call, for the WireGuard adapter.
  std::vector<EndpointTry> take_endpoint_tries();

  // The configured tunnels in config order, merged with a BFD snapshot.
  std::vector<TunnelView> tunnels(const std::vector<bfd::io::SessionStatus>& bfd, Instant now) const;
  const std::deque<TunnelEvent>& events() const { return events_; }
  // A configured tunnel's state; Down for a name that is not configured.
  TunnelState state_of(std::string_view name) const;
  TunnelRouting routing_of(std::string_view name) const;

  static constexpr std::uint32_t kMaxPrefer = 24;  // a via list has at most 24 tunnels
  static constexpr std::chrono::hours kMaxOverride{24 * 7};

 private:
  struct Override {
    std::uint32_t prefer;
    MonoTime until;
    std::chrono::system_clock::time_point wall_until;
  };
  struct Tunnel {
    TunnelConfig config;
    TunnelHealth health;
    std::optional<EndpointRotation> rotation;
    std::optional<Override> override;
    std::optional<std::chrono::system_clock::time_point> last_change;
  };
  Tunnel* find(std::string_view name);
  const Tunnel* find(std::string_view name) const;
  void evaluate(Tunnel& t, Instant now);
  void record(Tunnel& t, TunnelState from, TunnelState to, std::string cause, Instant now);

  EventSink sink_;
  PolicyConfig policy_;
  std::vector<std::string> order_;
  std::map<std::string, Tunnel, std::less<>> tunnels_;
  std::deque<TunnelEvent> events_;
  std::vector<EndpointTry> endpoint_tries_;
};

// An override duration as the API carries it (SetOverrideRequest.ttl_ms, any int64), for set_override().
// Outside the range the core accepts, any value is as wrong as the next: clamped to 0 below and to just
// above the longest override, so the core refuses it with its own message, before the conversion to
// microseconds can overflow (either way: -2^63 ms is as far out of range as 2^63 - 1 ms).
inline std::chrono::microseconds override_ttl(std::int64_t ttl_ms) {
  constexpr std::int64_t kTooLong =
      std::chrono::duration_cast<std::chrono::milliseconds>(Core::kMaxOverride).count() + 1;
  return std::chrono::milliseconds(std::clamp<std::int64_t>(ttl_ms, 0, kTooLong));
}

}  // namespace wgfo

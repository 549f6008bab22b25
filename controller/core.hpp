#pragma once
// Core: the controller state, owned by the core thread (DESIGN.md, threads). It turns configuration
// and BFD session events into tunnel states and events. Pure: no sockets, no threads, no clock reads
// beyond the timestamps that arrive with the events.
//
// Tunnel state today follows the tunnel's BFD session: UP while BFD is Up, ADMIN-DOWN while the
// session is configured shut down, DOWN otherwise. Health fusion (quality, WireGuard, link signals),
// hysteresis and the route policy extend this class's inputs, not its callers.

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

namespace wgfo {

enum class TunnelState : std::uint8_t { Up, Degraded, Down, AdminDown };
std::string_view to_string(TunnelState s);  // "up", "degraded", "down", "admin-down"

struct TunnelView {
  std::string name;
  std::string interface;
  IpAddress local_address;
  IpAddress peer_address;
  TunnelState state{TunnelState::Down};
  std::optional<std::chrono::system_clock::time_point> last_change;
  bfd::io::SessionStatus bfd;
};

struct TunnelEvent {
  std::chrono::system_clock::time_point time;
  std::string tunnel;
  TunnelState from{};
  TunnelState to{};
  std::string cause;  // e.g. "bfd down: control-detection-time-expired"
};

class Core {
 public:
  using EventSink = std::function<void(const TunnelEvent&)>;
  static constexpr std::size_t kEventHistory = 1000;

  explicit Core(EventSink sink) : sink_(std::move(sink)) {}

  // Replaces the tunnel set (start or reload) and returns the BFD sessions that must exist. Tunnels
  // that keep their name keep their state.
  std::vector<bfd::io::SessionSpec> apply_config(const Config& config,
                                                 std::chrono::system_clock::time_point now);
  void on_bfd_event(const bfd::io::SessionEvent& e);

  // The configured tunnels in config order, merged with a BFD snapshot.
  std::vector<TunnelView> tunnels(const std::vector<bfd::io::SessionStatus>& bfd) const;
  const std::deque<TunnelEvent>& events() const { return events_; }
  // A configured tunnel's state; Down for a name that is not configured.
  TunnelState state_of(std::string_view name) const;

 private:
  struct Tunnel {
    TunnelConfig config;
    TunnelState state{TunnelState::Down};
    bfd::State bfd_state{bfd::State::Down};
    std::optional<std::chrono::system_clock::time_point> last_change;
  };
  void set_state(Tunnel& t, TunnelState to, std::string cause, std::chrono::system_clock::time_point now);
  static TunnelState derive(const Tunnel& t);

  EventSink sink_;
  std::vector<std::string> order_;
  std::map<std::string, Tunnel> tunnels_;
  std::deque<TunnelEvent> events_;
};

}  // namespace wgfo

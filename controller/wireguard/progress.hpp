#pragma once
// Is a WireGuard peer still answering? Pure and clock-injected: fed successive PeerStats samples with the
// time each was taken, it reports per peer the signals health fusion uses when a tunnel has no BFD peer
// (DESIGN.md, failure semantics: "WireGuard shows no receive progress while sending").
//
// The one "down" signal is rx_stalled: tx_bytes grew by more than stall_tx_bytes while rx_bytes did not
// move, and that has lasted stall_time. It rests on WireGuard's own timers (whitepaper §6): a peer that
// receives data and has nothing to send answers with a keepalive after Keepalive-Timeout (10 s), and a
// sender that hears nothing for Keepalive-Timeout + Rekey-Timeout (15 s) starts a new handshake. So a
// live peer moves our rx within ~10 s of our data; the default stall_time is that sender-side 15 s
// (not 2 × 5 s: at exactly 10 s a healthy one-way flow would sit on the edge of the peer's passive
// keepalive plus sampling jitter). The clock starts at the first sample that shows the growth, never
// earlier, so sampling can only delay detection, never invent it.
// stall_tx_bytes (default 256) skips what we send without expecting an answer: our own passive
// keepalive (32 bytes on the wire counters), a handshake response (92) and a cookie reply (64). A dead
// peer still crosses it quickly: unanswered handshake initiations alone add 148 bytes every 5 s.
//
// Handshake age is reported but never marks anything down: an idle tunnel (neither counter moves)
// makes no handshakes, so its age grows without limit while the tunnel is perfectly usable. Likewise an
// idle peer is never stalled, however old its handshake. A stall clears only when rx moves (or the
// counters reset): a peer that stops answering and is then left idle stays stalled, since nothing has
// shown it answering again; persistent keepalive or a probe provides that evidence.
//
// rx or tx going backwards means the peer's counters restarted (interface recreated, peer removed and
// re-added, wireguard-go restarted): tracking restarts from that sample, it is not a stall.
// last_handshake counts as advancing when it changes to a different non-zero value, not only when it
// grows: it is wall-clock time, and a new handshake after the clock was stepped back looks older.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "controller/wireguard/wg_types.hpp"

namespace wgfo::wg {

struct ProgressConfig {
  std::chrono::milliseconds stall_time{15'000};
  std::uint64_t stall_tx_bytes{256};
  // handshake_advancing holds for this long after last_handshake was seen to change. Default:
  // Reject-After-Time (180 s): a session older than that carries no data, so a tunnel with traffic
  // shows a new handshake within it (rekeys happen every 120 s while packets flow).
  std::chrono::milliseconds handshake_window{180'000};
};

struct PeerProgress {
  Key public_key{};
  bool rx_stalled{false};  // the down signal, see above
  // How long sent bytes have gone unanswered (above stall_tx_bytes); zero when they have not.
  std::chrono::milliseconds unanswered_for{0};
  std::uint64_t unanswered_tx_bytes{0};                    // tx since rx last moved
  bool handshake_advancing{false};                         // last_handshake changed within handshake_window
  std::optional<std::chrono::milliseconds> handshake_age;  // nullopt: no handshake yet
  bool idle{false};            // neither counter moved since the previous sample (false on the first)
  bool counters_reset{false};  // this sample restarted tracking (rx or tx went backwards)
  bool first_sample{false};    // tracking (re)starts here: nothing to compare with
  // The sample's own counters (for metrics); sampled is false when the peer could not be read, and
  // then nothing in here comes from a sample.
  bool sampled{false};
  std::uint64_t rx_bytes{0};
  std::uint64_t tx_bytes{0};
};

class ProgressTracker {
 public:
  using Clock = std::chrono::steady_clock;      // sample times: intervals must not jump
  using WallClock = std::chrono::system_clock;  // last_handshake is epoch time

  explicit ProgressTracker(ProgressConfig config = {}) : config_(config) {}

  // One sample of one peer, taken at `now` (wall clock `wall_now`, for the handshake age only).
  // Samples of a peer must come in time order; one older than the previous is ignored for timing.
  PeerProgress observe(const PeerStats& sample, Clock::time_point now, WallClock::time_point wall_now);

  // A whole device: every peer is observed; peers no longer listed are forgotten (if one comes back,
  // tracking starts afresh).
  std::vector<PeerProgress> observe(const DeviceStats& device, Clock::time_point now,
                                    WallClock::time_point wall_now);

  void forget(const Key& peer) { peers_.erase(peer); }
  std::size_t tracked() const { return peers_.size(); }
  const ProgressConfig& config() const { return config_; }

 private:
  struct State {
    Clock::time_point last_time;
    std::uint64_t rx{0};
    std::uint64_t tx{0};
    Timestamp handshake;
    std::uint64_t tx_baseline{0};                       // tx when rx last moved
    std::optional<Clock::time_point> unanswered_since;  // first sample over stall_tx_bytes
    std::optional<Clock::time_point> handshake_changed;
  };

  ProgressConfig config_;
  std::map<Key, State> peers_;
};

}  // namespace wgfo::wg

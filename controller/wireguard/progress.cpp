// ProgressTracker: the per-peer bookkeeping behind rx_stalled and handshake_advancing (rules in the
// header). All time arithmetic is on the injected sample times.

#include "controller/wireguard/progress.hpp"

#include <cstdint>
#include <set>

namespace wgfo::wg {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::optional<milliseconds> age_of(const Timestamp& t, ProgressTracker::WallClock::time_point wall_now) {
  if (t.never()) return std::nullopt;
  const auto since_epoch = duration_cast<milliseconds>(wall_now.time_since_epoch());
  // Milliseconds of the handshake, saturated so a bogus seconds value cannot overflow.
  constexpr std::int64_t kMaxSeconds = INT64_MAX / 1000 - 1;
  const std::int64_t at =
      t.seconds > kMaxSeconds ? INT64_MAX - 1000 : t.seconds * 1000 + t.nanoseconds / 1'000'000;
  const std::int64_t age = since_epoch.count() - at;
  return milliseconds(age > 0 ? age : 0);  // a handshake "in the future" (clock skew) is fresh
}

}  // namespace

PeerProgress ProgressTracker::observe(const PeerStats& sample, Clock::time_point now,
                                      WallClock::time_point wall_now) {
  PeerProgress out;
  out.public_key = sample.public_key;
  out.handshake_age = age_of(sample.last_handshake, wall_now);
  out.sampled = true;
  out.rx_bytes = sample.rx_bytes;
  out.tx_bytes = sample.tx_bytes;

  auto [it, inserted] = peers_.try_emplace(sample.public_key);
  State& s = it->second;
  const auto restart = [&] {
    s.tx_baseline = sample.tx_bytes;
    s.unanswered_since.reset();
  };

  if (inserted) {
    out.first_sample = true;
    restart();
  } else {
    if (now < s.last_time) now = s.last_time;  // out of order: no negative intervals
    if (!sample.last_handshake.never() && sample.last_handshake != s.handshake) s.handshake_changed = now;
    if (sample.rx_bytes < s.rx || sample.tx_bytes < s.tx) {
      out.counters_reset = true;
      out.first_sample = true;
      restart();
    } else {
      out.idle = sample.rx_bytes == s.rx && sample.tx_bytes == s.tx;
      if (sample.rx_bytes != s.rx) {
        restart();  // the peer answered: everything sent so far counts as answered
      } else if (!s.unanswered_since && sample.tx_bytes - s.tx_baseline > config_.stall_tx_bytes) {
        s.unanswered_since = now;
      }
    }
  }
  s.last_time = now;
  s.rx = sample.rx_bytes;
  s.tx = sample.tx_bytes;
  s.handshake = sample.last_handshake;

  out.unanswered_tx_bytes = sample.tx_bytes - s.tx_baseline;
  if (s.unanswered_since) {
    out.unanswered_for = duration_cast<milliseconds>(now - *s.unanswered_since);
    out.rx_stalled = out.unanswered_for >= config_.stall_time;
  }
  out.handshake_advancing = s.handshake_changed && now - *s.handshake_changed <= config_.handshake_window;
  return out;
}

std::vector<PeerProgress> ProgressTracker::observe(const DeviceStats& device, Clock::time_point now,
                                                   WallClock::time_point wall_now) {
  std::set<Key> listed;
  std::vector<PeerProgress> out;
  out.reserve(device.peers.size());
  for (const PeerStats& p : device.peers) {
    listed.insert(p.public_key);
    out.push_back(observe(p, now, wall_now));
  }
  std::erase_if(peers_, [&](const auto& entry) { return !listed.contains(entry.first); });
  return out;
}

}  // namespace wgfo::wg

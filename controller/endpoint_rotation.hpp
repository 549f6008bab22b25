#pragma once
// Endpoint rotation for a tunnel with an endpoint pool (wireguard.endpoints, in preference order).
// A peer behind a dead endpoint never answers a handshake, and BFD cannot tell a dead endpoint from a
// dead path, so while the tunnel's raw state is DOWN the daemon points the peer at the next endpoint,
// one try per `interval`, round robin. WireGuard retries an unanswered handshake initiation after
// REKEY_TIMEOUT (5 s) and BFD keeps packets queued, so each endpoint gets at least one full handshake
// attempt before the next is tried; the interval is also the rate bound. The endpoint that worked
// stays in place when the tunnel comes back. Pure: time is injected.

#include <chrono>
#include <cstddef>
#include <optional>

#include "bfd/types.hpp"

namespace wgfo {

class EndpointRotation {
 public:
  static constexpr std::chrono::seconds kDefaultInterval{5};

  explicit EndpointRotation(std::size_t pool_size, std::chrono::microseconds interval = kDefaultInterval)
      : pool_size_(pool_size), interval_(interval) {}

  // Called whenever the tunnel's raw state is re-evaluated; returns the index of the endpoint to try
  // now, if it is time for one.
  std::optional<std::size_t> step(bool down, bfd::TimePoint now) {
    if (!down || pool_size_ < 2) {
      next_try_.reset();
      return std::nullopt;
    }
    if (!next_try_) {
      next_try_ = now + interval_;
      return std::nullopt;
    }
    if (now < *next_try_) return std::nullopt;
    current_ = (current_ + 1) % pool_size_;
    next_try_ = now + interval_;
    return current_;
  }

  std::optional<bfd::TimePoint> next_deadline() const { return next_try_; }
  std::size_t current() const { return current_; }
  std::size_t pool_size() const { return pool_size_; }

 private:
  std::size_t pool_size_;
  std::chrono::microseconds interval_;
  std::size_t current_{0};
  std::optional<bfd::TimePoint> next_try_;
};

}  // namespace wgfo

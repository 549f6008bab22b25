#pragma once
// A token bucket with time injected: `rate` tokens per second, at most `burst` banked. Used to bound
// how many received packets one source may have processed (bfd/session.hpp, kRxRateLimit, says where
// it sits; bfd/io/bfd_service.hpp why per session is per source). Pure; integer microseconds, no drift.

#include <algorithm>
#include <cstdint>

#include "bfd/types.hpp"

namespace wgfo::bfd {

class TokenBucket {
 public:
  // `rate_per_s` >= 1, `burst` >= 1. Starts full: a source is trusted until it overspends.
  TokenBucket(std::uint32_t rate_per_s, std::uint32_t burst)
      : rate_(std::max<std::uint32_t>(rate_per_s, 1)),
        capacity_(static_cast<std::uint64_t>(std::max<std::uint32_t>(burst, 1)) * kScale),
        level_(capacity_) {}

  // Takes one token if there is one.
  bool take(TimePoint now) {
    refill(now);
    if (level_ < kScale) return false;
    level_ -= kScale;
    return true;
  }

 private:
  // One token is kScale units; a microsecond adds `rate_` units, so rate_ per second adds rate_ tokens.
  static constexpr std::uint64_t kScale = 1'000'000;

  void refill(TimePoint now) {
    if (!started_) {
      started_ = true;
      last_ = now;
      return;
    }
    if (now <= last_) return;  // a clock that did not move (or an out-of-order caller) adds nothing
    const auto us = static_cast<std::uint64_t>(std::chrono::duration_cast<Micros>(now - last_).count());
    last_ += Micros{static_cast<Micros::rep>(us)};  // the sub-microsecond rest counts next time
    // Beyond a full bucket's worth of time the level is capped anyway; bounding `us` keeps the
    // product far from overflow after a long idle spell.
    const std::uint64_t bounded = std::min<std::uint64_t>(us, capacity_ / rate_ + 1);
    level_ = std::min(capacity_, level_ + bounded * rate_);
  }

  std::uint64_t rate_;
  std::uint64_t capacity_;
  std::uint64_t level_;
  TimePoint last_{};
  bool started_{false};
};

}  // namespace wgfo::bfd

#pragma once
// RandomSource for production: a fast PRNG seeded from the kernel. Discriminators only need to be
// unpredictable enough that a restarted session does not reuse the old value (RFC 5880 §6.8.1 SHOULD
// be random); jitter only needs uniformity, and it is drawn thousands of times per second.
#include <random>

#include "bfd/session.hpp"

namespace wgfo::bfd::io {

class SystemRandom final : public RandomSource {
 public:
  SystemRandom() {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    engine_.seed(seq);
  }
  std::uint32_t next() override { return static_cast<std::uint32_t>(engine_()); }

 private:
  std::mt19937 engine_;
};

}  // namespace wgfo::bfd::io

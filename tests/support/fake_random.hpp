#pragma once
// A deterministic bfd::RandomSource for tests: scripted values first (push()), then a seeded
// SplitMix64 stream. Same seed and script, same draws, on every machine.

#include <cstdint>
#include <deque>
#include <initializer_list>

#include "bfd/session.hpp"

namespace wgfo::testsupport {

class FakeRandom : public bfd::RandomSource {
 public:
  explicit FakeRandom(std::uint64_t seed = 1) : state_(seed) {}

  // Values returned, in order, before the generated stream resumes.
  void push(std::initializer_list<std::uint32_t> values) { script_.insert(script_.end(), values); }
  void push(std::uint32_t value) { script_.push_back(value); }

  std::uint32_t next() override {
    ++draws_;
    if (!script_.empty()) {
      const std::uint32_t v = script_.front();
      script_.pop_front();
      return v;
    }
    // SplitMix64 (Steele, Lea, Flood 2014): tiny, and good enough for jitter and discriminators.
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::uint32_t>((z ^ (z >> 31)) >> 32);
  }

  std::uint64_t draws() const { return draws_; }

 private:
  std::uint64_t state_;
  std::deque<std::uint32_t> script_;
  std::uint64_t draws_{0};
};

}  // namespace wgfo::testsupport

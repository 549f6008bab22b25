#pragma once
// SHA-1 (FIPS 180-4 §6.1) for the RFC 5880 §6.7.4 Keyed SHA1 digest. The BFD core links nothing but
// the C++ standard library (DESIGN.md, layers), so it carries its own twenty-line compression
// function rather than pulling a crypto library into the pure layer. SHA-1 is used here only because
// the RFC names it; the tunnel itself is what protects the traffic.

#include <array>
#include <cstdint>
#include <span>

namespace wgfo::bfd {

using Sha1Digest = std::array<std::uint8_t, 20>;

Sha1Digest sha1(std::span<const std::uint8_t> data);

}  // namespace wgfo::bfd

#pragma once
// What both WireGuard reply parsers (UAPI and genl) promise about an accepted device's peers: unique
// public keys, handshake times in range, and an endpoint, if any, in canonical form with a port.
#include <set>
#include <vector>

#include "controller/wireguard/wg_types.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace wgfo::fuzz {

inline void check_peers(const std::vector<wg::PeerStats>& peers) {
  std::set<wg::Key> keys;
  for (const wg::PeerStats& p : peers) {
    FUZZ_CHECK(keys.insert(p.public_key).second);
    FUZZ_CHECK(p.last_handshake.seconds >= 0);
    FUZZ_CHECK(p.last_handshake.nanoseconds >= 0 && p.last_handshake.nanoseconds <= 999'999'999);
    if (p.endpoint) {
      const auto address = p.endpoint->address();
      FUZZ_CHECK(address && address->to_string() == p.endpoint->host && p.endpoint->port != 0);
    }
  }
}

}  // namespace wgfo::fuzz

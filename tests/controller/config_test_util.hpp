#pragma once
// Shared by the config loader tests (config_test.cpp: values and defaults; config_errors_test.cpp:
// one failing case per validation rule): the DESIGN.md example and small editing helpers.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "controller/config.hpp"

namespace wgfo::config_test {

// Verbatim from DESIGN.md ("Configuration (YAML)"); its key is a placeholder, see the first test.
inline constexpr std::string_view kDesignExample = R"(node: site-a
api: {socket: /run/wg-failover/api.sock, socket_group: frrvty}
metrics: {listen: 127.0.0.1:9470}
frr:
  staticd: 127.0.0.1:50051        # FRR daemons loaded with -M grpc:PORT, one port each
  bgpd: 127.0.0.1:50052           # optional: BGP signalling is off without it
  route_tag: 4242                 # every static route the daemon owns carries this tag
bfd_defaults: {tx_interval: 50ms, rx_interval: 50ms, detect_mult: 3}
tunnels:
  - name: primary
    interface: wg0
    local_address: 203.0.113.1
    peer_address: 203.0.113.2
    bfd: {tx_interval: 20ms, detect_mult: 3}          # overrides bfd_defaults
    quality: {degraded_rtt: 150ms, degraded_loss: 5%, recover_rtt: 100ms, recover_loss: 1%}
    wireguard: {peer_public_key: "base64...", endpoints: ["192.0.2.2:51820", "198.51.100.2:51820"]}
  - name: backup
    interface: wg1
    local_address: 203.0.113.5
    peer_address: 203.0.113.6
routes:
  - prefix: 10.20.0.0/16
    mode: active-passive           # or ecmp
    via: [primary, backup]         # order is preference
    kill_switch: true              # blackhole at distance 250 when no tunnel is usable
    bgp: {degraded: {community: "65000:200", local_preference: 50}}
policy:
  fail_back_hold_down: 30s
  dampening: {penalty: 1000, suppress: 2000, reuse: 750, half_life: 15s, max_suppress: 120s}
)";

inline constexpr std::string_view kKey = "SeNunjce1ayuplf8vtoUI2ofTr31cVoZDH75atV4Wvg=";

// Replaces the one occurrence of `from` in `text`; a test edit that matches nothing or twice is a bug
// in the test, so it fails loudly.
inline std::string edit(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  const std::size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "edit target not found: " << from;
  EXPECT_EQ(s.find(from, at + 1), std::string::npos) << "edit target not unique: " << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// The DESIGN.md example with a real key: a valid file every error case starts from.
inline std::string valid() {
  return edit(kDesignExample, "base64...", kKey);
}

inline LoadResult load(std::string_view yaml) {
  return load_config_string(yaml, "test.yaml");
}

inline std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += format(e) + "\n";
  return out;
}

inline constexpr std::string_view kMinimal = R"(node: lab
tunnels:
  - {name: t1, interface: wg0, local_address: 10.0.0.1, peer_address: 10.0.0.2}
)";

}  // namespace wgfo::config_test

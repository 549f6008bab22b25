// Golden output of the CLI renderers (controller/cli/format.hpp): JSON keys are a contract.
#include "controller/cli/format.hpp"

#include <gtest/gtest.h>

namespace wgfo::cli {
namespace {

using namespace std::chrono_literals;

// 2026-11-24T21:30:27.123Z
const auto kWhen = std::chrono::system_clock::time_point{} + 1795555827s + 123ms;

v1::ListTunnelsResponse sample() {
  v1::ListTunnelsResponse r;
  v1::Tunnel* t = r.add_tunnels();
  t->set_name("primary");
  t->set_interface("wg0");
  t->set_interface_present(true);
  t->set_local_address("203.0.113.1");
  t->set_peer_address("203.0.113.2");
  t->set_state(v1::TUNNEL_STATE_UP);
  t->mutable_last_change()->set_seconds(1795555827);
  t->mutable_last_change()->set_nanos(123456789);
  v1::BfdSession* b = t->mutable_bfd();
  b->set_state(v1::BFD_SESSION_STATE_UP);
  b->set_remote_state(v1::BFD_SESSION_STATE_UP);
  b->set_local_discriminator(3644608839);
  b->set_remote_discriminator(455163955);
  b->set_tx_interval_ms(50);
  b->set_rx_interval_ms(50);
  b->set_detect_mult(3);
  b->set_remote_detect_mult(3);
  b->set_detection_time_ms(150);
  b->set_last_diag("none");
  b->set_rx_packets(60);
  b->set_tx_packets(61);
  b->set_up_transitions(1);
  b->mutable_last_rx()->set_seconds(1795555830);
  v1::Tunnel* d = r.add_tunnels();
  d->set_name("backup");
  d->set_interface("wg1");
  d->set_local_address("203.0.113.5");
  d->set_peer_address("203.0.113.6");
  d->set_state(v1::TUNNEL_STATE_ADMIN_DOWN);
  d->mutable_bfd()->set_state(v1::BFD_SESSION_STATE_ADMIN_DOWN);
  d->mutable_bfd()->set_remote_state(v1::BFD_SESSION_STATE_DOWN);
  d->mutable_bfd()->set_tx_interval_ms(1000);
  d->mutable_bfd()->set_rx_interval_ms(50);
  d->mutable_bfd()->set_detect_mult(3);
  d->mutable_bfd()->set_last_diag("administratively-down");
  return r;
}

TEST(CliFormat, Rfc3339WithMilliseconds) {
  EXPECT_EQ(rfc3339_ms(kWhen), "2026-11-24T21:30:27.123Z");
}

TEST(CliFormat, TunnelsJsonGolden) {
  const std::string expected = R"([
  {
    "name": "primary",
    "interface": "wg0",
    "interface_present": true,
    "local_address": "203.0.113.1",
    "peer_address": "203.0.113.2",
    "state": "up",
    "bfd": {
      "state": "up",
      "remote_state": "up",
      "local_discriminator": 3644608839,
      "remote_discriminator": 455163955,
      "tx_interval_ms": 50,
      "rx_interval_ms": 50,
      "detect_mult": 3,
      "remote_detect_mult": 3,
      "detection_time_ms": 150,
      "last_diag": "none",
      "rx_packets": 60,
      "tx_packets": 61,
      "up_transitions": 1,
      "down_transitions": 0,
      "last_rx": "2026-11-24T21:30:30.000Z"
    },
    "last_change": "2026-11-24T21:30:27.123Z"
  },
  {
    "name": "backup",
    "interface": "wg1",
    "interface_present": false,
    "local_address": "203.0.113.5",
    "peer_address": "203.0.113.6",
    "state": "admin-down",
    "bfd": {
      "state": "admin-down",
      "remote_state": "down",
      "local_discriminator": 0,
      "remote_discriminator": 0,
      "tx_interval_ms": 1000,
      "rx_interval_ms": 50,
      "detect_mult": 3,
      "remote_detect_mult": 0,
      "detection_time_ms": 0,
      "last_diag": "administratively-down",
      "rx_packets": 0,
      "tx_packets": 0,
      "up_transitions": 0,
      "down_transitions": 0,
      "last_rx": null
    },
    "last_change": null
  }
])";
  EXPECT_EQ(tunnels_json(sample()).dump(2), expected);
}

TEST(CliFormat, TunnelsTableGolden) {
  const std::string expected =
      "Tunnel   Interface      State       Peer         BFD         TX/RX ms  Mult  Discr local/remote    "
      "Last diag              Last change\n"
      "primary  wg0            up          203.0.113.2  up          50/50     3     3644608839/455163955  "
      "none                   2026-11-24T21:30:27.123Z (1m30s ago)\n"
      "backup   wg1 (missing)  admin-down  203.0.113.6  admin-down  1000/50   3     0/0                   "
      "administratively-down  never\n";
  EXPECT_EQ(tunnels_table(sample(), kWhen + 91s), expected);  // 90.999 s after the change: whole seconds
}

v1::ListRoutesResponse sample_routes() {
  v1::ListRoutesResponse r;
  auto* a = r.add_routes();
  a->set_prefix("10.20.0.0/16");
  a->add_active("primary");
  a->set_installed(true);
  auto* b = r.add_routes();
  b->set_prefix("2001:db8:20::/48");
  b->set_kill_switch(true);
  return r;
}

TEST(CliFormat, RoutesJsonGolden) {
  EXPECT_EQ(routes_json(sample_routes()).dump(),
            R"([{"prefix":"10.20.0.0/16","active":["primary"],"installed":true,"kill_switch":false,)"
            R"("signalled":false},{"prefix":"2001:db8:20::/48","active":[],"installed":false,)"
            R"("kill_switch":true,"signalled":false}])");
}

TEST(CliFormat, RoutesTableGolden) {
  EXPECT_EQ(routes_table(sample_routes()),
            "Prefix            Active   Installed  Kill switch  BGP signal\n"
            "10.20.0.0/16      primary  yes        -            -\n"
            "2001:db8:20::/48  -        no         active       -\n");
}

TEST(CliFormat, EnumNamesCoverUnspecified) {
  EXPECT_EQ(state_name(v1::TUNNEL_STATE_UNSPECIFIED), "unknown");
  EXPECT_EQ(state_name(v1::BFD_SESSION_STATE_INIT), "init");
  EXPECT_EQ(state_name(v1::TUNNEL_STATE_DEGRADED), "degraded");
}

}  // namespace
}  // namespace wgfo::cli

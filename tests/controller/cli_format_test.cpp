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
  t->set_bfd_enabled(true);
  t->set_prefer(1);
  t->mutable_prefer_until()->set_seconds(1795555827 + 600);
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
  b->set_auth_failures(2);
  b->set_last_auth_error("digest does not match");
  b->set_tx_packets(61);
  b->set_up_transitions(1);
  b->mutable_last_rx()->set_seconds(1795555830);
  v1::Tunnel* d = r.add_tunnels();
  d->set_name("backup");
  d->set_interface("wg1");
  d->set_local_address("203.0.113.5");
  d->set_peer_address("203.0.113.6");
  d->set_state(v1::TUNNEL_STATE_ADMIN_DOWN);
  d->set_bfd_enabled(true);
  d->set_drained(true);
  d->set_penalty(1234.4);
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
      "last_rx": "2026-11-24T21:30:30.000Z",
      "auth_failures": 2,
      "last_auth_error": "digest does not match"
    },
    "last_change": "2026-11-24T21:30:27.123Z",
    "standby": false,
    "drained": false,
    "suppressed": false,
    "penalty": 0,
    "override": {
      "prefer": 1,
      "until": "2026-11-24T21:40:27.000Z"
    }
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
      "last_rx": null,
      "auth_failures": 0,
      "last_auth_error": null
    },
    "last_change": null,
    "standby": false,
    "drained": true,
    "suppressed": false,
    "penalty": 1234,
    "override": null
  }
])";
  EXPECT_EQ(tunnels_json(sample()).dump(2), expected);
}

TEST(CliFormat, TunnelsTableGolden) {
  const std::string expected =
      "Tunnel   Interface      State       Peer         BFD         TX/RX ms  Mult  Discr local/remote    "
      "Last diag              Last change                           Notes\n"
      "primary  wg0            up          203.0.113.2  up          50/50     3     3644608839/455163955  "
      "none                   2026-11-24T21:30:27.123Z (1m30s ago)  override: prefer 1 for 8m28s\n"
      "backup   wg1 (missing)  admin-down  203.0.113.6  admin-down  1000/50   3     0/0                   "
      "administratively-down  never                                 drained\n";
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

TEST(CliFormat, ATunnelWithoutBfdShowsNoSession) {
  v1::ListTunnelsResponse r;
  v1::Tunnel* t = r.add_tunnels();
  t->set_name("cloud");
  t->set_interface("wg2");
  t->set_interface_present(true);
  t->set_peer_address("10.9.0.2");
  t->set_state(v1::TUNNEL_STATE_DOWN);
  t->set_standby(true);
  t->set_suppressed(true);
  t->set_penalty(2499.6);
  EXPECT_TRUE(tunnels_json(r)[0]["bfd"].is_null());
  EXPECT_EQ(tunnels_table(r, kWhen),
            "Tunnel  Interface  State  Peer      BFD  TX/RX ms  Mult  Discr local/remote  Last diag  "
            "Last change  Notes\n"
            "cloud   wg2        down   10.9.0.2  off  -         -     -                   -          "
            "never        dampened (penalty 2500), standby\n");
}

v1::ListEventsResponse sample_events() {
  v1::ListEventsResponse r;
  v1::Event* a = r.add_events();
  a->mutable_time()->set_seconds(1795555827);
  a->mutable_time()->set_nanos(123000000);
  a->set_tunnel("primary");
  a->set_from(v1::TUNNEL_STATE_UP);
  a->set_to(v1::TUNNEL_STATE_DOWN);
  a->set_cause("bfd down: control-detection-time-expired");
  v1::Event* b = r.add_events();
  b->mutable_time()->set_seconds(1795555830);
  b->set_tunnel("backup");
  b->set_from(v1::TUNNEL_STATE_UP);
  b->set_to(v1::TUNNEL_STATE_UP);
  b->set_cause("override: preference 1 for 10m");
  return r;
}

TEST(CliFormat, EventsJsonGolden) {
  EXPECT_EQ(events_json(sample_events()).dump(),
            R"([{"time":"2026-11-24T21:30:27.123Z","tunnel":"primary","from":"up","to":"down",)"
            R"("cause":"bfd down: control-detection-time-expired"},)"
            R"({"time":"2026-11-24T21:30:30.000Z","tunnel":"backup","from":"up","to":"up",)"
            R"("cause":"override: preference 1 for 10m"}])");
}

TEST(CliFormat, EventsTableGolden) {
  EXPECT_EQ(events_table(sample_events()),
            "Time                      Tunnel   State       Cause\n"
            "2026-11-24T21:30:27.123Z  primary  up -> down  bfd down: control-detection-time-expired\n"
            "2026-11-24T21:30:30.000Z  backup   up          override: preference 1 for 10m\n");
}

TEST(CliFormat, WatchLines) {
  v1::WatchEventsResponse state;
  state.mutable_tunnel()->set_name("primary");
  state.mutable_tunnel()->set_state(v1::TUNNEL_STATE_UP);
  EXPECT_EQ(watch_line(state, false), "now  primary  up  (current state)\n");
  EXPECT_EQ(nlohmann::json::parse(watch_line(state, true))["state"]["name"], "primary");
  v1::WatchEventsResponse ev;
  *ev.mutable_event() = sample_events().events(0);
  EXPECT_EQ(watch_line(ev, false),
            "2026-11-24T21:30:27.123Z  primary  up -> down  bfd down: control-detection-time-expired\n");
  const std::string line = watch_line(ev, true);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line per message
  EXPECT_EQ(nlohmann::json::parse(line)["event"]["to"], "down");
}

v1::GetStatusResponse sample_status() {
  v1::GetStatusResponse s;
  s.set_node("site-a");
  s.set_version("0.1.0");
  s.mutable_started()->set_seconds(1795555827);
  s.set_config_path("/etc/wg-failover/wg-failover.yaml");
  s.set_tunnels_up(1);
  s.set_tunnels_down(1);
  s.mutable_staticd()->set_configured(true);
  s.mutable_staticd()->set_reachable(true);
  s.mutable_staticd()->set_frr_version("8.4.4");
  s.mutable_staticd()->set_commits(12);
  s.set_converged(true);
  s.set_drift(1);
  s.set_drift_repairs(1);
  s.set_bfd_rx_packets(900);
  s.set_bfd_tx_packets(901);
  return s;
}

TEST(CliFormat, StatusTextGolden) {
  EXPECT_EQ(status_text(sample_status(), kWhen + 3723s),
            "Node     site-a\n"
            "Version  0.1.0\n"
            "Started  2026-11-24T21:30:27.000Z (1h02m ago)\n"
            "Config   /etc/wg-failover/wg-failover.yaml\n"
            "Tunnels  1 up, 0 degraded, 1 down, 0 admin-down\n"
            "staticd  reachable, FRR 8.4.4, 12 commits, 0 failures, 0 restarts seen\n"
            "bgpd     not configured\n"
            "Routes   converged; drift found 1, repaired 1; conflicts: none\n"
            "BFD I/O  rx 900, dropped 0, tx 901, timers late >=10ms 0\n");
}

TEST(CliFormat, StatusJsonGolden) {
  EXPECT_EQ(status_json(sample_status()).dump(),
            R"({"node":"site-a","version":"0.1.0","started":"2026-11-24T21:30:27.000Z",)"
            R"("config_path":"/etc/wg-failover/wg-failover.yaml",)"
            R"("tunnels":{"up":1,"degraded":0,"down":1,"admin_down":0},)"
            R"("frr":{"staticd":{"configured":true,"reachable":true,"frr_version":"8.4.4","commits":12,)"
            R"("failures":0,"restarts":0,"last_error":""},"bgpd":{"configured":false,"reachable":false,)"
            R"("frr_version":"","commits":0,"failures":0,"restarts":0,"last_error":""}},)"
            R"("converged":true,"drift":1,"drift_repairs":1,"conflicts":[],)"
            R"("bfd":{"rx_packets":900,"rx_dropped":0,"tx_packets":901,"timers_late_10ms":0}})");
}

google::protobuf::RepeatedPtrField<v1::RouteChange> sample_changes() {
  google::protobuf::RepeatedPtrField<v1::RouteChange> c;
  v1::RouteChange* a = c.Add();
  a->set_prefix("10.20.0.0/16");
  a->add_active_before("primary");
  a->add_active_after("backup");
  v1::RouteChange* b = c.Add();
  b->set_prefix("10.30.0.0/16");
  b->add_active_before("primary");
  b->set_kill_switch_after(true);
  b->set_signalled_before(true);
  return c;
}

TEST(CliFormat, ChangeTextGolden) {
  v1::Tunnel t;
  t.set_name("primary");
  t.set_state(v1::TUNNEL_STATE_ADMIN_DOWN);
  EXPECT_EQ(change_text(&t, sample_changes(), true),
            "primary: would be admin-down\n"
            "  Would change  Before                After\n"
            "  10.20.0.0/16  primary               backup\n"
            "  10.30.0.0/16  primary (bgp signal)  (kill switch)\n");
  EXPECT_EQ(change_text(&t, {}, false), "primary: admin-down\nno route changed\n");
  EXPECT_EQ(change_text(nullptr, {}, true), "no route would change\n");
}

TEST(CliFormat, ChangeJsonGolden) {
  EXPECT_EQ(change_json(nullptr, sample_changes(), true).dump(),
            R"({"dry_run":true,"route_changes":[{"prefix":"10.20.0.0/16","active_before":["primary"],)"
            R"("active_after":["backup"],"kill_switch_before":false,"kill_switch_after":false,)"
            R"("signalled_before":false,"signalled_after":false},{"prefix":"10.30.0.0/16",)"
            R"("active_before":["primary"],"active_after":[],"kill_switch_before":false,)"
            R"("kill_switch_after":true,"signalled_before":true,"signalled_after":false}]})");
}

TEST(CliFormat, ParseDuration) {
  EXPECT_EQ(parse_duration("10m"), 600s);
  EXPECT_EQ(parse_duration("1h30m"), 5400s);
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("7d"), std::chrono::hours(168));
  for (const char* bad : {"", "10", "-5m", "0s", "5x", "m", "1.5h", "10m ", "99999999999999999999s"})
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
}

TEST(CliFormat, EnumNamesCoverUnspecified) {
  EXPECT_EQ(state_name(v1::TUNNEL_STATE_UNSPECIFIED), "unknown");
  EXPECT_EQ(state_name(v1::BFD_SESSION_STATE_INIT), "init");
  EXPECT_EQ(state_name(v1::TUNNEL_STATE_DEGRADED), "degraded");
}

}  // namespace
}  // namespace wgfo::cli

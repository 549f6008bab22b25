// Config loader: every validation rule has a failing case (a one-line edit of a valid file) asserting
// the exact key, line and message. A bad file must yield exactly the errors it has: no cascades, no
// config, no exception.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/config.hpp"
#include "tests/controller/config_test_util.hpp"

namespace wgfo {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace config_test;

// ---- every validation rule: one edit of a valid file, exactly one error ----

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::string key;
  std::string message;  // substring
  int line = 0;         // 0: not checked
  std::string absent;   // must not appear in the formatted error (secrets)
};

// gtest prints parameters in test listings; the name is enough (and keeps ctest's output readable).
void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name;
}

std::vector<ErrorCase> error_cases() {
  const std::string v = valid();
  const auto e = [&](std::string_view from, std::string_view to) { return edit(v, from, to); };
  const std::string min(kMinimal);
  const auto m = [&](std::string_view from, std::string_view to) { return edit(min, from, to); };
  const std::string long_socket = "/run/" + std::string(103, 's');
  return {
      // structure
      {"syntax", e("node: site-a", "node: [site-a"), "", "YAML syntax error", 0},
      {"empty_file", "", "", "the file is empty"},
      {"two_documents", v + "---\nnode: b\n", "", "more than one YAML document"},
      {"top_not_map", "- a\n- b\n", "", "expected a map with the keys node, api"},
      {"unknown_top", e("policy:", "polciy:"), "polciy", "unknown key; did you mean policy?", 27},
      {"unknown_nested", e("{tx_interval: 20ms", "{tx_intreval: 20ms"), "tunnels[0].bfd.tx_intreval",
       "did you mean tx_interval? (allowed here: tx_interval, rx_interval, detect_mult, shutdown, "
       "authentication, enabled)",
       14},
      {"unknown_far", e("route_tag: 4242", "colour: blue"), "frr.colour",
       "unknown key (allowed here: staticd"},
      {"duplicate_key", e("node: site-a\n", "node: site-a\nnode: site-b\n"), "node",
       "duplicate key; first given at line 1", 2},
      {"missing_node", e("node: site-a\n", ""), "node", "missing required key"},
      {"null_node", e("node: site-a", "node:"), "node", "missing value", 1},
      {"missing_tunnels", "node: a\n", "tunnels", "missing required key"},
      {"empty_tunnels", "node: a\ntunnels: []\n", "tunnels", "at least one tunnel is required"},
      {"missing_tunnel_name", e("  - name: backup\n    interface", "  - interface"), "tunnels[1].name",
       "missing required key", 17},
      {"missing_interface", m("interface: wg0, ", ""), "tunnels[0].interface", "missing required key", 3},
      {"missing_local", m("local_address: 10.0.0.1, ", ""), "tunnels[0].local_address",
       "missing required key"},
      {"missing_peer", m(", peer_address: 10.0.0.2", ""), "tunnels[0].peer_address", "missing required key"},
      {"map_expected", e("metrics: {listen: 127.0.0.1:9470}", "metrics: 9470"), "metrics",
       "expected a map with the keys listen, got the value \"9470\""},
      {"list_expected", e("via: [primary, backup]", "via: primary"), "routes[0].via",
       "expected a list of tunnel names"},
      {"scalar_expected", e("node: site-a", "node: [a, b]"), "node", "expected a name, got a list"},
      {"private_key_hint", e("{peer_public_key:", "{private_key: \"c2VjcmV0\", peer_public_key:"),
       "tunnels[0].wireguard.private_key", "never needs WireGuard secrets", 16, "c2VjcmV0"},
      {"shutdown_in_defaults", e("detect_mult: 3}\n", "detect_mult: 3, shutdown: true}\n"),
       "bfd_defaults.shutdown", "shutdown is set per tunnel"},
      {"enabled_in_defaults", e("detect_mult: 3}\n", "detect_mult: 3, enabled: false}\n"),
       "bfd_defaults.enabled", "enabled is set per tunnel (tunnels[].bfd.enabled)", 8},
      // a tunnel without BFD
      {"bfd_enabled_not_bool", e("{tx_interval: 20ms, detect_mult: 3}", "{enabled: no}"),
       "tunnels[0].bfd.enabled", "expected true or false, got \"no\"", 14},
      {"bfd_disabled_with_timer",
       e("{tx_interval: 20ms, detect_mult: 3}", "{enabled: false, tx_interval: 20ms}"),
       "tunnels[0].bfd.tx_interval", "has no effect with bfd.enabled: false", 14},
      {"bfd_disabled_without_liveness",
       e("peer_address: 203.0.113.6\n", "peer_address: 203.0.113.6\n    bfd: {enabled: false}\n"),
       "tunnels[1].bfd.enabled", "without BFD nothing would notice the tunnel is down", 21},
      {"bfd_disabled_quality_without_threshold",
       m("peer_address: 10.0.0.2}",
         "peer_address: 10.0.0.2, bfd: {enabled: false}, quality: {interval: 50ms}}"),
       "tunnels[0].bfd.enabled", "add a quality block with a degraded threshold", 3},
      // names
      {"node_name", e("node: site-a", "node: site a"), "node", "\"site a\" is not a valid name"},
      {"tunnel_name", e("name: backup", "name: -backup"), "tunnels[1].name", "is not a valid name"},
      {"duplicate_tunnel", edit(e("name: backup", "name: primary"), "[primary, backup]", "[primary]"),
       "tunnels[1].name", "duplicate tunnel name \"primary\"; already used by tunnels[0] (line 10)", 17},
      {"ifname_long", e("interface: wg1", "interface: wg-a-very-long-0"), "tunnels[1].interface",
       "not a valid Linux interface name (1..15 characters"},
      {"ifname_slash", e("interface: wg1", "interface: wg/1"), "tunnels[1].interface",
       "\"wg/1\" is not a valid"},
      {"duplicate_peer",
       e("interface: wg1\n    local_address: 203.0.113.5\n    peer_address: 203.0.113.6",
         "interface: wg0\n    local_address: 203.0.113.1\n    peer_address: 203.0.113.2"),
       "tunnels[1].peer_address",
       "peer 203.0.113.2 from 203.0.113.1 on wg0 is already tunnel \"primary\" (line 10)", 20},
      // addresses
      {"address_prefix", e("local_address: 203.0.113.5", "local_address: 203.0.113.5/30"),
       "tunnels[1].local_address", "without a prefix length"},
      {"address_garbage", e("local_address: 203.0.113.5", "local_address: 203.0.113"),
       "tunnels[1].local_address", "\"203.0.113\" is not an IPv4 or IPv6 address"},
      {"address_multicast", e("peer_address: 203.0.113.6", "peer_address: 224.0.0.5"),
       "tunnels[1].peer_address", "224.0.0.5 is not a unicast address"},
      {"address_family", e("peer_address: 203.0.113.6", "peer_address: 2001:db8::6"),
       "tunnels[1].peer_address",
       "2001:db8::6 is IPv6 but local_address 203.0.113.5 is IPv4; both must be the same family"},
      {"address_equal", e("peer_address: 203.0.113.6", "peer_address: 203.0.113.5"),
       "tunnels[1].peer_address", "is the same as local_address"},
      // bfd
      {"duration_no_unit", e("{tx_interval: 20ms", "{tx_interval: 20"), "tunnels[0].bfd.tx_interval",
       "\"20\" has no unit; write e.g. 20ms or 20s (units: us, ms, s, m, h)", 14},
      {"duration_bad_unit", e("{tx_interval: 20ms", "{tx_interval: 20sec"), "tunnels[0].bfd.tx_interval",
       "unknown unit \"sec\""},
      {"duration_negative", e("{tx_interval: 20ms", "{tx_interval: -20ms"), "tunnels[0].bfd.tx_interval",
       "expected a duration such as 50ms"},
      {"duration_too_fine", e("{tx_interval: 20ms", "{tx_interval: 0.0001ms"), "tunnels[0].bfd.tx_interval",
       "finer than the 1us resolution"},
      {"bfd_too_fast", e("{tx_interval: 20ms", "{tx_interval: 5ms"), "tunnels[0].bfd.tx_interval",
       "5ms is out of range 10ms..60s"},
      {"bfd_too_slow", e("rx_interval: 50ms", "rx_interval: 61s"), "bfd_defaults.rx_interval",
       "61s is out of range 10ms..60s", 8},
      {"detect_mult_zero", e("detect_mult: 3}\n", "detect_mult: 0}\n"), "bfd_defaults.detect_mult",
       "0 is out of range 1..255"},
      {"detect_mult_big", e("20ms, detect_mult: 3", "20ms, detect_mult: 256"), "tunnels[0].bfd.detect_mult",
       "256 is out of range 1..255"},
      {"detect_mult_fraction", e("20ms, detect_mult: 3", "20ms, detect_mult: 3.5"),
       "tunnels[0].bfd.detect_mult", "expected a whole number 1..255, got \"3.5\""},
      {"shutdown_bool", e("detect_mult: 3}   ", "shutdown: yes}   "), "tunnels[0].bfd.shutdown",
       "expected true or false, got \"yes\""},
      // quality
      {"percent_no_sign", e("degraded_loss: 5%", "degraded_loss: 5"), "tunnels[0].quality.degraded_loss",
       "\"5\" has no % sign; write e.g. 5%"},
      {"percent_range", e("degraded_loss: 5%", "degraded_loss: 150%"), "tunnels[0].quality.degraded_loss",
       "\"150%\" is out of range 0%..100%"},
      {"percent_garbage", e("recover_loss: 1%", "recover_loss: -1%"), "tunnels[0].quality.recover_loss",
       "expected a percentage such as 5% or 0.5%"},
      {"rtt_range", e("degraded_rtt: 150ms", "degraded_rtt: 2m"), "tunnels[0].quality.degraded_rtt",
       "2m is out of range 1ms..60s"},
      {"l7_target_name", e("    wireguard:", "    l7_check: {target: \"web:443\"}\n    wireguard:"),
       "tunnels[0].l7_check.target", "web"},
      {"l7_timeout",
       e("    wireguard:",
         "    l7_check: {target: \"10.20.0.10:443\", interval: 1s, timeout: 2s}\n    wireguard:"),
       "tunnels[0].l7_check.timeout", "timeout 2s is longer than interval 1s"},
      {"l7_family", e("    wireguard:", "    l7_check: {target: \"[2001:db8::10]:443\"}\n    wireguard:"),
       "tunnels[0].l7_check.target", "not in local_address's address family"},
      {"l7_fall", e("    wireguard:", "    l7_check: {target: \"10.20.0.10:443\", fall: 0}\n    wireguard:"),
       "tunnels[0].l7_check.fall", "0 is out of range 1..100"},
      {"probe_kind", e("recover_loss: 1%}", "recover_loss: 1%, probe: tcp}"), "tunnels[0].quality.probe",
       "\"tcp\" is not a probe kind; use udp (peers running wg-failover) or icmp"},
      {"probe_interval", e("recover_loss: 1%}", "recover_loss: 1%, interval: 5ms}"),
       "tunnels[0].quality.interval", "5ms is out of range 10ms..10s"},
      {"rt_priority", e("node: site-a\n", "node: site-a\nbfd_thread: {realtime_priority: 100}\n"),
       "bfd_thread.realtime_priority", "100 is out of range 0..99", 2},
      {"probe_port", e("node: site-a\n", "node: site-a\nprobe: {port: 0}\n"), "probe.port",
       "0 is out of range 1..65535"},
      {"recover_rtt_worse", e("recover_rtt: 100ms", "recover_rtt: 200ms"), "tunnels[0].quality.recover_rtt",
       "recover_rtt 200ms is worse than degraded_rtt 150ms", 15},
      {"recover_loss_worse", e("recover_loss: 1%", "recover_loss: 6%"), "tunnels[0].quality.recover_loss",
       "recover_loss 6% is worse than degraded_loss 5%"},
      {"recover_without_degraded", e("degraded_rtt: 150ms, ", ""), "tunnels[0].quality.recover_rtt",
       "recover_rtt needs degraded_rtt"},
      // wireguard
      {"key_invalid", e(kKey, "bm90IGEga2V5"), "tunnels[0].wireguard.peer_public_key",
       "not a valid WireGuard public key", 16, "bm90IGEga2V5"},
      {"key_not_canonical", e(kKey, "SeNunjce1ayuplf8vtoUI2ofTr31cVoZDH75atV4Wvh="),
       "tunnels[0].wireguard.peer_public_key", "the value is not shown", 0, "SeNunjce"},
      {"key_missing", e(std::string("peer_public_key: \"") + std::string(kKey) + "\", ", ""),
       "tunnels[0].wireguard.peer_public_key", "missing required key"},
      {"endpoint_no_port", e("\"198.51.100.2:51820\"", "\"198.51.100.2\""),
       "tunnels[0].wireguard.endpoints[1]", "invalid address \"198.51.100.2\": missing the port"},
      {"endpoint_v6_brackets", e("\"198.51.100.2:51820\"", "\"2001:db8::2:51820\""),
       "tunnels[0].wireguard.endpoints[1]", "needs brackets"},
      {"endpoint_duplicate", e("\"198.51.100.2:51820\"", "\"192.0.2.2:51820\""),
       "tunnels[0].wireguard.endpoints[1]", "duplicate endpoint 192.0.2.2:51820"},
      {"duplicate_wg_peer",
       e("interface: wg1", "interface: wg0\n    wireguard: {peer_public_key: \"" + std::string(kKey) + "\"}"),
       "tunnels[1].wireguard.peer_public_key", "same peer public key as tunnel \"primary\" on interface wg0",
       19, std::string(kKey).substr(0, 10)},
      // routes
      {"prefix_host_bits", e("prefix: 10.20.0.0/16", "prefix: 10.20.0.1/16"), "routes[0].prefix",
       "10.20.0.1/16 has host bits set; did you mean 10.20.0.0/16?", 22},
      {"prefix_no_length", e("prefix: 10.20.0.0/16", "prefix: 10.20.0.0"), "routes[0].prefix",
       "invalid prefix \"10.20.0.0\": missing the prefix length"},
      {"prefix_length", e("prefix: 10.20.0.0/16", "prefix: 10.20.0.0/33"), "routes[0].prefix",
       "0..32 for IPv4"},
      {"prefix_duplicate", e("policy:", "  - {prefix: 10.20.0.0/16, via: [backup]}\npolicy:"),
       "routes[1].prefix", "duplicate route for 10.20.0.0/16; already defined by routes[0] (line 22)", 27},
      {"mode", e("mode: active-passive", "mode: failover"), "routes[0].mode",
       "\"failover\" is not a mode; use active-passive or ecmp"},
      {"via_empty", e("via: [primary, backup]", "via: []"), "routes[0].via",
       "at least one tunnel is required"},
      {"via_unknown", e("via: [primary, backup]", "via: [primary, bakup]"), "routes[0].via[1]",
       "unknown tunnel \"bakup\"; did you mean backup?", 24},
      {"via_unknown_far", e("via: [primary, backup]", "via: [primary, zzzzzz]"), "routes[0].via[1]",
       "the tunnels are: primary, backup"},
      {"via_twice", e("via: [primary, backup]", "via: [primary, primary]"), "routes[0].via[1]",
       "tunnel \"primary\" is listed twice"},
      {"kill_switch", e("kill_switch: true", "kill_switch: yes"), "routes[0].kill_switch",
       "expected true or false"},
      {"community_range", e("\"65000:200\"", "\"65536:1\""), "routes[0].bgp.degraded.community",
       "\"65536:1\" is not a BGP community; expected ASN:VALUE (each 0..65535"},
      {"community_typo", e("\"65000:200\"", "no-exprt"), "routes[0].bgp.degraded.community",
       "did you mean no-export?"},
      {"community_case", e("\"65000:200\"", "LOCAL-as"), "routes[0].bgp.degraded.community",
       "did you mean local-AS?"},
      {"local_pref_range", e("local_preference: 50", "local_preference: 4294967296"),
       "routes[0].bgp.degraded.local_preference", "4294967296 is out of range 0..4294967295"},
      {"local_pref_negative", e("local_preference: 50", "local_preference: -1"),
       "routes[0].bgp.degraded.local_preference", "expected a whole number 0..4294967295"},
      {"prepend_zero", e("local_preference: 50", "as_path_prepend: [65001, 0]"),
       "routes[0].bgp.degraded.as_path_prepend[1]", "0 is out of range 1..4294967295"},
      {"prepend_many", e("local_preference: 50", "as_path_prepend: [1,1,1,1,1,1,1,1,1,1,1]"),
       "routes[0].bgp.degraded.as_path_prepend", "at most 10 entries"},
      {"bgp_without_bgpd", e("  bgpd: 127.0.0.1:50052 ", "# no bgpd"), "routes[0].bgp.degraded",
       "BGP signals need frr.bgpd", 26},
      // frr, api, metrics
      {"staticd_port", e("staticd: 127.0.0.1:50051", "staticd: 127.0.0.1"), "frr.staticd",
       "invalid address \"127.0.0.1\": missing the port", 5},
      {"bgpd_same_port", e("bgpd: 127.0.0.1:50052", "bgpd: 127.0.0.1:50051"), "frr.bgpd",
       "127.0.0.1:50051 is also frr.staticd"},
      {"route_tag_zero", e("route_tag: 4242", "route_tag: 0"), "frr.route_tag",
       "0 is out of range 1..4294967280"},
      {"route_tag_block", e("route_tag: 4242", "route_tag: 4294967290"), "frr.route_tag",
       "4294967290 is out of range 1..4294967280"},
      {"bgp_signalling", e("route_tag: 4242", "route_tag: 4242\n  bgp_signalling: communities"),
       "frr.bgp_signalling", "\"communities\" is not a signalling mode; use tag or route-map"},
      {"route_map_name", e("route_tag: 4242", "route_tag: 4242\n  route_map: \"WG FAILOVER\""),
       "frr.route_map", "is not a valid name"},
      {"socket_relative", e("socket: /run/wg-failover/api.sock", "socket: api.sock"), "api.socket",
       "must be an absolute path"},
      {"socket_long", e("socket: /run/wg-failover/api.sock", "socket: " + long_socket), "api.socket",
       "at most 107"},
      {"audit_relative", m("tunnels:", "audit: {file: log/audit.log}\ntunnels:"), "audit.file",
       "\"log/audit.log\" must be an absolute path to a file", 2},
      {"audit_no_file", m("tunnels:", "audit: {}\ntunnels:"), "audit.file", "missing required key"},
      {"api_tcp_relative_cert",
       m("tunnels:",
         "api: {tcp: {listen: 127.0.0.1:9472, cert: server.crt, key: /k, client_ca: /c}}\ntunnels:"),
       "api.tcp.cert", "\"server.crt\" must be an absolute path to a file"},
      {"api_tcp_no_client_ca",
       m("tunnels:", "api: {tcp: {listen: 127.0.0.1:9472, cert: /c, key: /k}}\ntunnels:"),
       "api.tcp.client_ca", "missing required key"},
      {"socket_group", e("socket_group: frrvty", "socket_group: \"frr vty\""), "api.socket_group",
       "is not a valid name"},
      {"metrics_hostname", e("listen: 127.0.0.1:9470", "listen: localhost:9470"), "metrics.listen",
       "\"localhost\" is not an IP address"},
      // policy
      {"hold_down_range", e("fail_back_hold_down: 30s", "fail_back_hold_down: 2h"),
       "policy.fail_back_hold_down", "2h is out of range 0s..1h"},
      {"penalty_zero", e("penalty: 1000", "penalty: 0"), "policy.dampening.penalty",
       "out of range 1..100000"},
      {"reuse_above_suppress", e("reuse: 750", "reuse: 2000"), "policy.dampening.reuse",
       "reuse 2000 must be below suppress 2000", 29},
      {"half_life_zero", e("half_life: 15s", "half_life: 0s"), "policy.dampening.half_life",
       "0s is out of range 1s..1h"},
      {"max_suppress_short", e("max_suppress: 120s", "max_suppress: 10s"), "policy.dampening.max_suppress",
       "max_suppress 10s must be at least half_life 15s"},
  };
}

class ConfigErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrors, ReportsTheKeyAndWhatIsAllowed) {
  const ErrorCase& c = GetParam();
  const LoadResult r = load(c.yaml);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 1U) << all_errors(r);
  const ConfigError& err = r.errors[0];
  EXPECT_EQ(err.file, "test.yaml");
  EXPECT_EQ(err.key, c.key) << all_errors(r);
  EXPECT_THAT(err.message, HasSubstr(c.message));
  if (c.line != 0) {
    EXPECT_EQ(err.line, c.line);
  }
  if (!c.absent.empty()) {
    EXPECT_THAT(all_errors(r), Not(HasSubstr(c.absent)));
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, ConfigErrors, ::testing::ValuesIn(error_cases()),
                         [](const ::testing::TestParamInfo<ErrorCase>& p) { return p.param.name; });

}  // namespace
}  // namespace wgfo

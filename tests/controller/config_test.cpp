// Config loader: the DESIGN.md example and the shipped example load with the right values, defaults
// and per-tunnel BFD overrides apply, and every validation rule has a failing case (a one-line edit of
// a valid file) asserting the exact key, line and message. A bad file must yield exactly the errors
// it has — no cascades, no config, no exception.

#include "controller/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wgfo {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// Verbatim from DESIGN.md ("Configuration (YAML)"); its key is a placeholder, see the first test.
constexpr std::string_view kDesignExample = R"(node: site-a
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

constexpr std::string_view kKey = "SeNunjce1ayuplf8vtoUI2ofTr31cVoZDH75atV4Wvg=";

// Replaces the one occurrence of `from` in `text`; a test edit that matches nothing or twice is a bug
// in the test, so it fails loudly.
std::string edit(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  const std::size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "edit target not found: " << from;
  EXPECT_EQ(s.find(from, at + 1), std::string::npos) << "edit target not unique: " << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// The DESIGN.md example with a real key: a valid file every error case starts from.
std::string valid() {
  return edit(kDesignExample, "base64...", kKey);
}

LoadResult load(std::string_view yaml) {
  return load_config_string(yaml, "test.yaml");
}

std::string all_errors(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += format(e) + "\n";
  return out;
}

TEST(Config, DesignExampleRejectsOnlyThePlaceholderKeyWithoutEchoingIt) {
  const LoadResult r = load(kDesignExample);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 1U) << all_errors(r);
  EXPECT_EQ(r.errors[0].key, "tunnels[0].wireguard.peer_public_key");
  EXPECT_EQ(r.errors[0].line, 16);
  EXPECT_THAT(r.errors[0].message, HasSubstr("not a valid WireGuard public key"));
  EXPECT_THAT(format(r.errors[0]), Not(HasSubstr("base64...")));
}

TEST(Config, DesignExampleLoadsWithTheRightValues) {
  const LoadResult r = load(valid());
  ASSERT_TRUE(r.config) << all_errors(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.node, "site-a");
  EXPECT_EQ(c.api, (ApiConfig{.socket = "/run/wg-failover/api.sock", .socket_group = "frrvty"}));
  EXPECT_EQ(c.metrics.listen, (HostPort{"127.0.0.1", 9470}));
  EXPECT_EQ(c.frr.staticd, (HostPort{"127.0.0.1", 50051}));
  EXPECT_EQ(c.frr.bgpd, (HostPort{"127.0.0.1", 50052}));
  EXPECT_EQ(c.frr.route_tag, 4242U);
  EXPECT_EQ(c.bfd_defaults, (BfdTimers{.tx_interval = 50ms, .rx_interval = 50ms, .detect_mult = 3}));

  ASSERT_EQ(c.tunnels.size(), 2U);
  const TunnelConfig& p = c.tunnels[0];
  EXPECT_EQ(p.name, "primary");
  EXPECT_EQ(p.interface, "wg0");
  EXPECT_EQ(p.local_address, IpAddress::parse("203.0.113.1"));
  EXPECT_EQ(p.peer_address, IpAddress::parse("203.0.113.2"));
  EXPECT_EQ(p.bfd, (BfdTimers{.tx_interval = 20ms, .rx_interval = 50ms, .detect_mult = 3}));
  EXPECT_EQ(p.quality,
            (QualityConfig{
                .degraded_rtt = 150ms, .degraded_loss = 5.0, .recover_rtt = 100ms, .recover_loss = 1.0}));
  ASSERT_TRUE(p.wireguard);
  EXPECT_EQ(p.wireguard->peer_public_key, kKey);
  EXPECT_EQ(p.wireguard->endpoints, (std::vector<HostPort>{{"192.0.2.2", 51820}, {"198.51.100.2", 51820}}));
  const TunnelConfig& b = c.tunnels[1];
  EXPECT_EQ(b.name, "backup");
  EXPECT_EQ(b.bfd, c.bfd_defaults);
  EXPECT_EQ(b.quality, std::nullopt);
  EXPECT_EQ(b.wireguard, std::nullopt);
  EXPECT_EQ(c.find_tunnel("backup"), &b);
  EXPECT_EQ(c.find_tunnel("nope"), nullptr);

  ASSERT_EQ(c.routes.size(), 1U);
  const RouteConfig& route = c.routes[0];
  EXPECT_EQ(route.prefix, IpPrefix::parse("10.20.0.0/16"));
  EXPECT_EQ(route.mode, RouteConfig::Mode::ActivePassive);
  EXPECT_EQ(route.via, (std::vector<std::string>{"primary", "backup"}));
  EXPECT_TRUE(route.kill_switch);
  EXPECT_EQ(route.bgp.degraded, (BgpSignal{.community = "65000:200", .local_preference = 50}));

  EXPECT_EQ(
      c.policy,
      (PolicyConfig{
          .fail_back_hold_down = 30s,
          .dampening = {
              .penalty = 1000, .suppress = 2000, .reuse = 750, .half_life = 15s, .max_suppress = 120s}}));
}

TEST(Config, ShippedExampleFileLoads) {
  const LoadResult r = load_config_file(WGFO_EXAMPLE_CONFIG);
  ASSERT_TRUE(r.config) << all_errors(r);
  const Config& c = *r.config;
  ASSERT_EQ(c.tunnels.size(), 2U);
  ASSERT_EQ(c.routes.size(), 2U);
  EXPECT_FALSE(c.tunnels[0].bfd.shutdown);
  EXPECT_EQ(c.routes[0].bgp.degraded.as_path_prepend, (std::vector<std::uint32_t>{65001, 65001}));
  EXPECT_EQ(c.routes[1].prefix, IpPrefix::parse("2001:db8:20::/48"));
  EXPECT_EQ(c.routes[1].mode, RouteConfig::Mode::Ecmp);
  EXPECT_FALSE(c.routes[1].kill_switch);
}

constexpr std::string_view kMinimal = R"(node: lab
tunnels:
  - {name: t1, interface: wg0, local_address: 10.0.0.1, peer_address: 10.0.0.2}
)";

TEST(Config, MinimalFileGetsTheDocumentedDefaults) {
  const LoadResult r = load(kMinimal);
  ASSERT_TRUE(r.config) << all_errors(r);
  Config expected{.node = "lab",
                  .tunnels = {{.name = "t1",
                               .interface = "wg0",
                               .local_address = *IpAddress::parse("10.0.0.1"),
                               .peer_address = *IpAddress::parse("10.0.0.2")}}};
  EXPECT_EQ(*r.config, expected);
  EXPECT_EQ(r.config->api.socket, "/run/wg-failover/api.sock");
  EXPECT_EQ(r.config->api.socket_group, "frrvty");
  EXPECT_EQ(r.config->metrics.listen.to_string(), "127.0.0.1:9470");
  EXPECT_EQ(r.config->frr.staticd.to_string(), "127.0.0.1:50051");
  EXPECT_EQ(r.config->frr.bgpd, std::nullopt);
  EXPECT_EQ(r.config->frr.route_tag, 4242U);
  EXPECT_EQ(r.config->tunnels[0].bfd,
            (BfdTimers{.tx_interval = 50ms, .rx_interval = 50ms, .detect_mult = 3}));
  EXPECT_EQ(r.config->policy.fail_back_hold_down, 30s);
  EXPECT_EQ(r.config->policy.dampening, (DampeningConfig{}));
}

TEST(Config, TunnelBfdOverridesDefaultsKeyByKeyWhereverDefaultsAppear) {
  const LoadResult r = load(R"(node: lab
tunnels:
  - name: t1
    interface: wg0
    local_address: 2001:db8::1
    peer_address: 2001:db8::2
    bfd: {rx_interval: 30ms, shutdown: true}
  - {name: t2, interface: wg1, local_address: 10.0.0.1, peer_address: 10.0.0.2}
bfd_defaults: {tx_interval: 100ms, detect_mult: 5}
)");
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->tunnels[0].bfd,
            (BfdTimers{.tx_interval = 100ms, .rx_interval = 30ms, .detect_mult = 5, .shutdown = true}));
  EXPECT_EQ(r.config->tunnels[1].bfd,
            (BfdTimers{.tx_interval = 100ms, .rx_interval = 50ms, .detect_mult = 5}));
}

TEST(Config, DurationsAcceptEveryUnitAndFractions) {
  const std::pair<std::string_view, std::chrono::microseconds> cases[] = {
      {"250us", 250us}, {"50ms", 50ms}, {"1s", 1s},      {"1.5s", 1500ms},
      {"2m", 2min},     {"1h", 1h},     {"0s", 0s},      {"0.5ms", 500us},
      {"0.25m", 15s},   {"90s", 90s},   {"0.001s", 1ms}, {"3599.999999s", 3599999999us},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(std::string(text));
    const LoadResult r =
        load(std::string(kMinimal) + "policy: {fail_back_hold_down: " + std::string(text) + "}\n");
    ASSERT_TRUE(r.config) << all_errors(r);
    EXPECT_EQ(r.config->policy.fail_back_hold_down, expected);
  }
}

TEST(Config, QualityRecoverDefaultsToDegradedAndEmptyBlockIsUnset) {
  const LoadResult r = load(edit(valid(), ", recover_rtt: 100ms, recover_loss: 1%", ""));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->tunnels[0].quality,
            (QualityConfig{
                .degraded_rtt = 150ms, .degraded_loss = 5.0, .recover_rtt = 150ms, .recover_loss = 5.0}));
  const LoadResult empty = load(
      edit(valid(), "{degraded_rtt: 150ms, degraded_loss: 5%, recover_rtt: 100ms, recover_loss: 1%}", "{}"));
  ASSERT_TRUE(empty.config) << all_errors(empty);
  EXPECT_EQ(empty.config->tunnels[0].quality, std::nullopt);
}

TEST(Config, L7CheckWithDefaults) {
  const LoadResult r =
      load(edit(valid(), "    wireguard:", "    l7_check: {target: \"10.20.0.10:443\"}\n    wireguard:"));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->tunnels[0].l7_check, (L7CheckConfig{HostPort{"10.20.0.10", 443}, 2s, 1s, 3, 2}));
  EXPECT_EQ(r.config->tunnels[1].l7_check, std::nullopt);
}

TEST(Config, QualityProbeKindIntervalAndTheResponder) {
  const LoadResult r =
      load(edit(edit(valid(), "recover_loss: 1%}", "recover_loss: 1%, probe: icmp, interval: 250ms}"),
                "node: site-a\n", "node: site-a\nprobe: {port: 7000, respond: false}\n"));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->tunnels[0].quality->probe, QualityConfig::Probe::Icmp);
  EXPECT_EQ(r.config->tunnels[0].quality->interval, 250ms);
  EXPECT_EQ(r.config->probe, (ProbeConfig{.port = 7000, .respond = false}));
  const LoadResult d = load(valid());
  ASSERT_TRUE(d.config) << all_errors(d);
  EXPECT_EQ(d.config->tunnels[0].quality->probe, QualityConfig::Probe::Udp);
  EXPECT_EQ(d.config->tunnels[0].quality->interval, 100ms);
  EXPECT_EQ(d.config->probe, (ProbeConfig{.port = 9471, .respond = true}));
}

TEST(Config, AcceptsNullForOptionalKeysAndWellKnownCommunities) {
  std::string yaml =
      edit(valid(), "    bgp: {degraded: {community: \"65000:200\", local_preference: 50}}\n", "");
  yaml = edit(yaml, "bgpd: 127.0.0.1:50052 ", "bgpd: null ");
  yaml = edit(yaml, "policy:\n", "policy:\n  fail_back_hold_down:\n");
  yaml = edit(yaml, "  fail_back_hold_down: 30s\n", "");
  const LoadResult r = load(yaml);
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->frr.bgpd, std::nullopt);
  EXPECT_EQ(r.config->policy.fail_back_hold_down, 30s);
  for (const std::string_view community :
       {"no-export", "local-AS", "graceful-shutdown", "0:0", "65535:65535"}) {
    const LoadResult c = load(edit(valid(), "\"65000:200\"", std::string(community)));
    ASSERT_TRUE(c.config) << community << "\n" << all_errors(c);
    EXPECT_EQ(c.config->routes[0].bgp.degraded.community, community);
  }
}

TEST(Config, ReportsSeveralErrorsTogetherInFileOrder) {
  std::string yaml = edit(valid(), "detect_mult: 3}\n", "detect_mult: 0}\n");  // line 8
  yaml = edit(yaml, "interface: wg1", "interface: wg/1");                      // line 18
  yaml = edit(yaml, "reuse: 750", "reuse: 3000");                              // line 29
  yaml = edit(yaml, "prefix: 10.20.0.0/16", "prefix: 10.20.0.1/16");           // line 22
  const LoadResult r = load(yaml);
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 4U) << all_errors(r);
  EXPECT_EQ(r.errors[0].key, "bfd_defaults.detect_mult");
  EXPECT_EQ(r.errors[0].line, 8);
  EXPECT_EQ(r.errors[1].key, "tunnels[1].interface");
  EXPECT_EQ(r.errors[1].line, 18);
  EXPECT_EQ(r.errors[2].key, "routes[0].prefix");
  EXPECT_EQ(r.errors[2].line, 22);
  EXPECT_EQ(r.errors[3].key, "policy.dampening.reuse");
  EXPECT_EQ(r.errors[3].line, 29);
}

// Limits that come from the FRR mapping: path distances 10..240 (24 tunnels per route) and route tags
// route_tag+1.. for signals (15 distinct signals in the daemon's block of 16 tags).
std::string with_many(int tunnels, int signal_routes) {
  std::string y = "node: a\nfrr: {staticd: 127.0.0.1:50051, bgpd: 127.0.0.1:50052}\ntunnels:\n";
  std::string via;
  for (int i = 0; i < tunnels; ++i) {
    y += "  - {name: t" + std::to_string(i) + ", interface: wg" + std::to_string(i) +
         ", local_address: 10.0." + std::to_string(i) + ".1, peer_address: 10.0." + std::to_string(i) +
         ".2}\n";
    via += (i ? ", t" : "t") + std::to_string(i);
  }
  y += "routes:\n  - {prefix: 10.20.0.0/16, via: [" + via + "]}\n";
  for (int i = 0; i < signal_routes; ++i) {
    y += "  - {prefix: 10.30." + std::to_string(i) +
         ".0/24, via: [t0], bgp: {degraded: {community: \"65000:" + std::to_string(i) + "\"}}}\n";
  }
  return y;
}

TEST(Config, LimitsOfTheFrrMapping) {
  EXPECT_TRUE(load(with_many(24, 15)).errors.empty()) << all_errors(load(with_many(24, 15)));
  const auto vias = load(with_many(25, 0));
  ASSERT_EQ(vias.errors.size(), 1U) << all_errors(vias);
  EXPECT_EQ(vias.errors[0].key, "routes[0].via");
  EXPECT_THAT(vias.errors[0].message, HasSubstr("at most 24 per route"));
  const auto signals = load(with_many(1, 16));
  ASSERT_EQ(signals.errors.size(), 1U) << all_errors(signals);
  EXPECT_EQ(signals.errors[0].key, "routes[16].bgp.degraded");
  EXPECT_THAT(signals.errors[0].message, HasSubstr("more than 15 different BGP signals"));
}

TEST(Config, FormatsOneLinePerError) {
  EXPECT_EQ(format({"a.yaml", 12, "tunnels[1].bfd.tx_interval", "5ms is out of range 10ms..60s"}),
            "a.yaml:12: tunnels[1].bfd.tx_interval: 5ms is out of range 10ms..60s");
  EXPECT_EQ(format({"a.yaml", 0, "", "cannot open: No such file or directory"}),
            "a.yaml: cannot open: No such file or directory");
  EXPECT_EQ(format({"a.yaml", 3, "", "YAML syntax error\nat x"}), "a.yaml:3: YAML syntax error at x");
}

TEST(Config, FileErrorsNameTheFile) {
  const LoadResult missing = load_config_file("/nonexistent/wg-failover.yaml");
  ASSERT_EQ(missing.errors.size(), 1U);
  EXPECT_EQ(format(missing.errors[0]),
            "/nonexistent/wg-failover.yaml: cannot open: No such file or directory");
  const LoadResult dir = load_config_file("/");
  ASSERT_EQ(dir.errors.size(), 1U);
  EXPECT_THAT(dir.errors[0].message, HasSubstr("not a regular file"));
}

TEST(Config, NeverThrowsOnHostileInput) {
  const std::string inputs[] = {std::string(100000, '['),
                                "{",
                                "\t- a",
                                "a: *nope",
                                "a: &x [*x]",
                                "? [k]\n: v",
                                std::string("node: \0\xff\xfe", 9),
                                "node: a\ntunnels: [[[]]]",
                                "[1, 2]",
                                "~"};
  for (const std::string& in : inputs) {
    LoadResult r;
    EXPECT_NO_THROW(r = load(in));
    EXPECT_FALSE(r.config);
    EXPECT_FALSE(r.errors.empty());
  }
}

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
       "did you mean tx_interval? (allowed here: tx_interval, rx_interval, detect_mult, shutdown)", 14},
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

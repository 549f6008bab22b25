// Config loader: the DESIGN.md example and the shipped example load with the right values, defaults
// and per-tunnel BFD overrides apply, several errors are reported together, and hostile input never
// throws. Every single validation rule has its failing case in config_errors_test.cpp.

#include "controller/config.hpp"

#include "tests/controller/config_test_util.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wgfo {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace config_test;

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
  ASSERT_EQ(c.tunnels.size(), 3U);
  ASSERT_EQ(c.routes.size(), 2U);
  EXPECT_FALSE(c.tunnels[0].bfd.shutdown);
  EXPECT_TRUE(c.tunnels[0].bfd.enabled);
  EXPECT_FALSE(c.tunnels[2].bfd.enabled);
  EXPECT_EQ(c.tunnels[2].quality->probe, QualityConfig::Probe::Icmp);
  EXPECT_EQ(c.routes[0].bgp.degraded.as_path_prepend, (std::vector<std::uint32_t>{65001, 65001}));
  EXPECT_EQ(c.routes[1].prefix, IpPrefix::parse("2001:db8:20::/48"));
  EXPECT_EQ(c.routes[1].mode, RouteConfig::Mode::Ecmp);
  EXPECT_FALSE(c.routes[1].kill_switch);
  EXPECT_EQ(c.audit, (AuditConfig{.file = "/var/log/wg-failover/audit.log"}));
}

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

// A peer without BFD: no session; any one liveness source is enough.
TEST(Config, BfdCanBeDisabledPerTunnelWithALivenessSource) {
  const std::string sources[] = {
      "quality: {degraded_loss: 50%, interval: 50ms}",
      std::string("wireguard: {peer_public_key: \"") + std::string(kKey) + "\"}",
      "l7_check: {target: 10.20.0.10:443}",
  };
  for (const std::string& source : sources) {
    const LoadResult r = load(edit(kMinimal, "peer_address: 10.0.0.2}",
                                   "peer_address: 10.0.0.2,\n      bfd: {enabled: false}, " + source + "}"));
    ASSERT_TRUE(r.config) << source << "\n" << all_errors(r);
    EXPECT_FALSE(r.config->tunnels[0].bfd.enabled) << source;
  }
  // enabled: true is the default and combines with the other keys.
  const LoadResult on = load(edit(kMinimal, "peer_address: 10.0.0.2}",
                                  "peer_address: 10.0.0.2, bfd: {enabled: true, detect_mult: 5}}"));
  ASSERT_TRUE(on.config) << all_errors(on);
  EXPECT_EQ(on.config->tunnels[0].bfd, (BfdTimers{.detect_mult = 5, .enabled = true}));
  EXPECT_TRUE(load(kMinimal).config->tunnels[0].bfd.enabled);
}

// Each key of the block is refused on its own, with its own line, next to enabled: false.
TEST(Config, EveryOtherBfdKeyIsRefusedWhenBfdIsDisabled) {
  const std::string keys[] = {"tx_interval: 20ms", "rx_interval: 20ms", "detect_mult: 5", "shutdown: true"};
  for (const std::string& key : keys) {
    const LoadResult r = load(edit(kMinimal, "peer_address: 10.0.0.2}",
                                   "peer_address: 10.0.0.2,\n      l7_check: {target: 10.20.0.10:443},"
                                   "\n      bfd: {enabled: false,\n        " +
                                       key + "}}"));
    EXPECT_FALSE(r.config);
    ASSERT_EQ(r.errors.size(), 1U) << key << "\n" << all_errors(r);
    EXPECT_EQ(r.errors[0].key, "tunnels[0].bfd." + key.substr(0, key.find(':'))) << all_errors(r);
    EXPECT_EQ(r.errors[0].line, 6) << all_errors(r);
    EXPECT_THAT(r.errors[0].message, HasSubstr("has no effect with bfd.enabled: false"));
  }
  // Two keys, two errors; and the liveness error is independent of them.
  const LoadResult r = load(edit(kMinimal, "peer_address: 10.0.0.2}",
                                 "peer_address: 10.0.0.2, bfd: {enabled: false, detect_mult: 5, "
                                 "shutdown: false}}"));
  ASSERT_EQ(r.errors.size(), 3U) << all_errors(r);
  EXPECT_EQ(r.errors[0].key, "tunnels[0].bfd.detect_mult");
  EXPECT_EQ(r.errors[1].key, "tunnels[0].bfd.shutdown");
  EXPECT_EQ(r.errors[2].key, "tunnels[0].bfd.enabled");
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

TEST(Config, BfdThreadRealtimePriority) {
  const LoadResult r =
      load(edit(valid(), "node: site-a\n", "node: site-a\nbfd_thread: {realtime_priority: 50}\n"));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->bfd_thread.realtime_priority, 50);
  const LoadResult d = load(valid());
  ASSERT_TRUE(d.config) << all_errors(d);
  EXPECT_EQ(d.config->bfd_thread.realtime_priority, 0);  // off unless asked for
}

TEST(Config, AuditLogIsOptionalAndNamesAnAbsoluteFile) {
  const LoadResult r = load(edit(valid(), "node: site-a\n", "node: site-a\naudit: {file: /var/log/a.log}\n"));
  ASSERT_TRUE(r.config) << all_errors(r);
  EXPECT_EQ(r.config->audit, (AuditConfig{.file = "/var/log/a.log"}));
  const LoadResult d = load(valid());
  ASSERT_TRUE(d.config) << all_errors(d);
  EXPECT_EQ(d.config->audit, std::nullopt);  // no audit log unless asked for
  const LoadResult n = load(edit(valid(), "node: site-a\n", "node: site-a\naudit:\n"));
  ASSERT_TRUE(n.config) << all_errors(n);
  EXPECT_EQ(n.config->audit, std::nullopt);
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

}  // namespace
}  // namespace wgfo

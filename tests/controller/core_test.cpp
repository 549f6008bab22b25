// Core: tunnel state from configuration and BFD events (controller/core.hpp). No threads, no clock.
#include "controller/core.hpp"

#include <gtest/gtest.h>

namespace wgfo {
namespace {

using namespace std::chrono_literals;
const auto kT0 = std::chrono::system_clock::time_point{} + 1000h;
const auto kMono0 = MonoTime{} + 1000h;

// The same offset on both clocks.
Instant inst(std::chrono::microseconds d) {
  return {kMono0 + d, kT0 + d};
}

Config two_tunnels() {
  Config c;
  c.node = "site-a";
  c.tunnels.push_back({.name = "primary",
                       .interface = "wg0",
                       .local_address = *IpAddress::parse("203.0.113.1"),
                       .peer_address = *IpAddress::parse("203.0.113.2"),
                       .bfd = {.tx_interval = 20ms, .rx_interval = 30ms, .detect_mult = 4}});
  c.tunnels.push_back({.name = "backup",
                       .interface = "wg1",
                       .local_address = *IpAddress::parse("2001:db8::1"),
                       .peer_address = *IpAddress::parse("2001:db8::2")});
  return c;
}

bfd::io::SessionEvent bfd_event(std::string name, bfd::State from, bfd::State to, bfd::Diag diag,
                                std::chrono::microseconds at) {
  return {std::move(name), {from, to, diag}, kMono0 + at, kT0 + at};
}

struct CoreTest : ::testing::Test {
  std::vector<TunnelEvent> seen;
  Core core{[this](const TunnelEvent& e) { seen.push_back(e); }};
};

TEST_F(CoreTest, ConfigBecomesOneBfdSessionPerTunnel) {
  const auto specs = core.apply_config(two_tunnels(), inst(0s));
  ASSERT_EQ(specs.size(), 2U);
  EXPECT_EQ(specs[0].name, "primary");
  EXPECT_EQ(specs[0].ifname, "wg0");
  EXPECT_EQ(specs[0].key.family, 4);
  EXPECT_EQ(specs[0].key.local[3], 1);
  EXPECT_EQ(specs[0].key.peer[3], 2);
  EXPECT_EQ(specs[0].config.desired_min_tx, 20ms);
  EXPECT_EQ(specs[0].config.required_min_rx, 30ms);
  EXPECT_EQ(specs[0].config.detect_mult, 4);
  EXPECT_FALSE(specs[0].admin_down);
  EXPECT_EQ(specs[1].key.family, 6);
  EXPECT_EQ(specs[1].key.peer[15], 2);
  EXPECT_TRUE(seen.empty());  // new tunnels start Down without an event
  const auto views = core.tunnels({}, inst(0s));
  ASSERT_EQ(views.size(), 2U);
  EXPECT_EQ(views[0].name, "primary");  // config order
  EXPECT_EQ(views[0].state, TunnelState::Down);
  EXPECT_FALSE(views[0].last_change.has_value());
}

TEST_F(CoreTest, BfdUpAndDownMoveTheTunnelWithACause) {
  core.apply_config(two_tunnels(), inst(0s));
  core.on_bfd_event(bfd_event("primary", bfd::State::Down, bfd::State::Init, bfd::Diag::None, 1s));
  EXPECT_TRUE(seen.empty());  // Init is not Up
  core.on_bfd_event(bfd_event("primary", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 2s));
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].tunnel, "primary");
  EXPECT_EQ(seen[0].from, TunnelState::Down);
  EXPECT_EQ(seen[0].to, TunnelState::Up);
  EXPECT_EQ(seen[0].cause, "bfd up");
  EXPECT_EQ(seen[0].time, kT0 + 2s);
  core.on_bfd_event(
      bfd_event("primary", bfd::State::Up, bfd::State::Down, bfd::Diag::ControlDetectionTimeExpired, 3s));
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[1].to, TunnelState::Down);
  EXPECT_EQ(seen[1].cause, "bfd down: control-detection-time-expired");
  const auto views = core.tunnels({}, inst(0s));
  EXPECT_EQ(views[0].state, TunnelState::Down);
  EXPECT_EQ(views[0].last_change, kT0 + 3s);
  EXPECT_EQ(core.events().size(), 2U);
}

TEST_F(CoreTest, ShutdownIsAdminDownAndSurvivesBfdEvents) {
  core.apply_config(two_tunnels(), inst(0s));
  core.on_bfd_event(bfd_event("backup", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 0s));
  Config c = two_tunnels();
  c.tunnels[1].bfd.shutdown = true;
  const auto specs = core.apply_config(c, inst(5s));
  EXPECT_TRUE(specs[1].admin_down);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[1].to, TunnelState::AdminDown);
  EXPECT_EQ(seen[1].cause, "bfd shutdown configured");
  core.on_bfd_event(
      bfd_event("backup", bfd::State::Up, bfd::State::AdminDown, bfd::Diag::AdministrativelyDown, 0s));
  EXPECT_EQ(seen.size(), 2U);  // still admin-down: no new event
  core.apply_config(two_tunnels(), inst(9s));
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[2].from, TunnelState::AdminDown);
  EXPECT_EQ(seen[2].to, TunnelState::Down);  // BFD says AdminDown -> not Up until it comes Up again
}

TEST_F(CoreTest, ReloadKeepsStateOfKeptTunnelsAndDropsRemovedOnes) {
  core.apply_config(two_tunnels(), inst(0s));
  core.on_bfd_event(bfd_event("primary", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 0s));
  Config c = two_tunnels();
  c.tunnels.pop_back();
  c.tunnels[0].bfd.tx_interval = 100ms;
  const auto specs = core.apply_config(c, inst(1s));
  ASSERT_EQ(specs.size(), 1U);
  EXPECT_EQ(specs[0].config.desired_min_tx, 100ms);
  const auto views = core.tunnels({}, inst(0s));
  ASSERT_EQ(views.size(), 1U);
  EXPECT_EQ(views[0].state, TunnelState::Up);
  core.on_bfd_event(bfd_event("backup", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 0s));  // ignored
  EXPECT_EQ(core.tunnels({}, inst(0s)).size(), 1U);
}

TEST_F(CoreTest, ViewsCarryTheMatchingBfdSnapshot) {
  core.apply_config(two_tunnels(), inst(0s));
  bfd::io::SessionStatus s;
  s.name = "backup";
  s.local_discr = 77;
  s.state = bfd::State::Init;
  const auto views = core.tunnels({s}, inst(0s));
  EXPECT_EQ(views[0].bfd.local_discr, 0U);
  EXPECT_EQ(views[1].bfd.local_discr, 77U);
  EXPECT_EQ(views[1].bfd.state, bfd::State::Init);
}

TEST_F(CoreTest, EventHistoryIsBounded) {
  core.apply_config(two_tunnels(), inst(0s));
  for (std::size_t i = 0; i < Core::kEventHistory + 10; ++i) {
    const bool up = i % 2 == 0;
    core.on_bfd_event(bfd_event("primary", up ? bfd::State::Init : bfd::State::Up,
                                up ? bfd::State::Up : bfd::State::Down, bfd::Diag::None, 0s));
  }
  EXPECT_EQ(core.events().size(), Core::kEventHistory);
  EXPECT_EQ(seen.size(), Core::kEventHistory + 10);
}

Config with_pool(Config c) {
  c.tunnels[0].wireguard = WireguardConfig{"a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=",
                                           {{"192.0.2.2", 51820}, {"198.51.100.2", 51820}}};
  c.policy.fail_back_hold_down = 10s;
  return c;
}

TEST_F(CoreTest, LinkEventsReachEveryTunnelOnTheInterfaceAtOnce) {
  core.apply_config(two_tunnels(), inst(0s));
  core.on_bfd_event(bfd_event("primary", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 1s));
  core.on_link("wg0", LinkState::Absent, inst(2s));
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[1].to, TunnelState::Down);
  EXPECT_EQ(seen[1].cause, "interface wg0 removed");
  EXPECT_EQ(seen[1].time, kT0 + 2s);
  core.on_link("wg7", LinkState::Down, inst(3s));  // no tunnel there
  EXPECT_EQ(seen.size(), 2U);
}

TEST_F(CoreTest, TimersReleaseTheHoldDown) {
  core.apply_config(with_pool(two_tunnels()), inst(0s));
  core.on_bfd_event(bfd_event("backup", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 0s));
  core.on_bfd_event(bfd_event("backup", bfd::State::Up, bfd::State::Down, bfd::Diag::None, 1s));
  core.on_bfd_event(bfd_event("backup", bfd::State::Down, bfd::State::Up, bfd::Diag::None, 2s));
  EXPECT_EQ(core.state_of("backup"), TunnelState::Down);
  EXPECT_TRUE(core.routing_of("backup").standby);
  // primary (never up, endpoint pool of 2) also has a rotation deadline: 5 s after start.
  ASSERT_TRUE(core.next_deadline().has_value());
  EXPECT_EQ(*core.next_deadline(), kMono0 + 5s);
  core.on_timer(inst(5s));
  EXPECT_EQ(*core.next_deadline(), kMono0 + 10s);  // rotation again at 10 s; hold-down ends at 12 s
  core.on_timer(inst(10s));
  EXPECT_EQ(*core.next_deadline(), kMono0 + 12s);
  core.on_timer(inst(12s));
  EXPECT_EQ(core.state_of("backup"), TunnelState::Up);
  EXPECT_EQ(seen.back().cause, "fail-back hold-down 10s passed");
}

TEST_F(CoreTest, EndpointRotationWhileDown) {
  core.apply_config(with_pool(two_tunnels()), inst(0s));
  core.on_timer(inst(4s));
  EXPECT_TRUE(core.take_endpoint_tries().empty());
  core.on_timer(inst(5s));
  auto tries = core.take_endpoint_tries();
  ASSERT_EQ(tries.size(), 1U);
  EXPECT_EQ(tries[0].tunnel, "primary");
  EXPECT_EQ(tries[0].interface, "wg0");
  EXPECT_EQ(tries[0].endpoint.to_string(), "198.51.100.2:51820");
  EXPECT_EQ(seen.back().cause, "endpoint rotation: trying 198.51.100.2:51820 (2 of 2)");
  EXPECT_EQ(seen.back().from, seen.back().to);
  EXPECT_TRUE(core.take_endpoint_tries().empty());  // taken once
  core.on_bfd_event(bfd_event("primary", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 6s));
  core.on_timer(inst(20s));
  EXPECT_TRUE(core.take_endpoint_tries().empty());  // up: the endpoint that works stays
}

TEST_F(CoreTest, DrainAndUndrain) {
  core.apply_config(two_tunnels(), inst(0s));
  core.on_bfd_event(bfd_event("primary", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 0s));
  EXPECT_EQ(core.set_drained("nope", true, inst(1s)), "no tunnel named \"nope\"");
  EXPECT_FALSE(core.set_drained("primary", true, inst(1s)).has_value());
  EXPECT_EQ(core.state_of("primary"), TunnelState::AdminDown);
  EXPECT_EQ(seen.back().cause, "drained");
  // A drain survives a reload and BFD events.
  core.apply_config(two_tunnels(), inst(2s));
  core.on_bfd_event(bfd_event("primary", bfd::State::Up, bfd::State::Down, bfd::Diag::None, 3s));
  core.on_bfd_event(bfd_event("primary", bfd::State::Down, bfd::State::Up, bfd::Diag::None, 4s));
  EXPECT_EQ(core.state_of("primary"), TunnelState::AdminDown);
  EXPECT_TRUE(core.tunnels({}, inst(4s))[0].drained);
  EXPECT_FALSE(core.set_drained("primary", false, inst(5s)).has_value());
  EXPECT_EQ(core.state_of("primary"), TunnelState::Up);
}

TEST_F(CoreTest, OverrideIsCheckedShownAndExpires) {
  core.apply_config(two_tunnels(), inst(0s));
  EXPECT_EQ(core.set_override("backup", 0, 10min, inst(0s)), "preference 0 is out of range 1..24");
  EXPECT_EQ(core.set_override("backup", 1, 0s, inst(0s)),
            "override duration must be more than 0s and at most 168h");
  EXPECT_EQ(core.clear_override("backup", inst(0s)), "tunnel \"backup\" has no override");
  EXPECT_FALSE(core.routing_of("backup").prefer.has_value());
  EXPECT_TRUE(seen.empty());  // refused: nothing changed, nothing recorded
  EXPECT_FALSE(core.set_override("backup", 1, 10min, inst(1s)).has_value());
  EXPECT_EQ(core.routing_of("backup").prefer, 1U);
  EXPECT_EQ(seen.back().cause, "override: preference 1 for 10m");
  const auto v = core.tunnels({}, inst(2s));
  EXPECT_EQ(v[1].prefer, 1U);
  EXPECT_EQ(v[1].prefer_until, kT0 + 1s + 10min);
  EXPECT_EQ(*core.next_deadline(), kMono0 + 1s + 10min);
  core.on_timer(inst(10min));
  EXPECT_TRUE(core.routing_of("backup").prefer.has_value());
  core.on_timer(inst(1s + 10min));
  EXPECT_FALSE(core.routing_of("backup").prefer.has_value());
  EXPECT_EQ(seen.back().cause, "override expired");
  EXPECT_FALSE(core.next_deadline().has_value());
}

TEST_F(CoreTest, QualityAndWireguardSignalsReachTheTunnel) {
  Config c = two_tunnels();
  c.tunnels[0].quality =
      QualityConfig{.degraded_rtt = 150ms, .degraded_loss = {}, .recover_rtt = {}, .recover_loss = {}};
  core.apply_config(c, inst(0s));
  core.on_bfd_event(bfd_event("primary", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 0s));
  const QualitySample slow{.samples = 10, .rtt = 200ms, .loss_percent = 0};
  // Samples within the probe window's span (20 x 100 ms + 1 s) after coming up are the outage's.
  for (int i = 0; i < 3; ++i) core.on_quality("primary", slow, inst(1s));
  EXPECT_EQ(core.state_of("primary"), TunnelState::Up);
  for (int i = 0; i < 3; ++i) core.on_quality("primary", slow, inst(3s));
  EXPECT_EQ(core.state_of("primary"), TunnelState::Degraded);
  core.on_wireguard("primary", true, inst(4s));
  EXPECT_EQ(core.state_of("primary"), TunnelState::Down);
  EXPECT_EQ(seen.back().cause, "wireguard: rx stalled while tx grows");
}

// ---- a peer without BFD ------------------------------------------------------------------------------

Config without_bfd() {
  Config c = two_tunnels();
  c.tunnels[0].bfd = {.enabled = false};
  c.tunnels[0].quality = QualityConfig{.degraded_loss = 50.0, .interval = 50ms};
  return c;
}

TEST_F(CoreTest, ATunnelWithoutBfdHasNoSessionAndProbesBringItUp) {
  const auto specs = core.apply_config(without_bfd(), inst(0s));
  ASSERT_EQ(specs.size(), 1U);
  EXPECT_EQ(specs[0].name, "backup");
  auto views = core.tunnels({}, inst(0s));
  EXPECT_FALSE(views[0].bfd_enabled);
  EXPECT_TRUE(views[1].bfd_enabled);
  EXPECT_EQ(views[0].state, TunnelState::Down);  // waiting for the first reply
  core.on_quality("primary", {.samples = 5, .rtt = 20ms, .loss_percent = 0}, inst(1s));
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].to, TunnelState::Up);
  EXPECT_EQ(seen[0].cause, "probes: first reply");
  core.on_bfd_event(bfd_event("primary", bfd::State::Up, bfd::State::Down, bfd::Diag::PathDown, 2s));
  EXPECT_EQ(core.state_of("primary"), TunnelState::Up);  // a stray BFD event changes nothing
  core.on_quality("primary", {.samples = 40, .rtt = std::nullopt, .loss_percent = 100}, inst(3s));
  EXPECT_EQ(core.state_of("primary"), TunnelState::Down);
  EXPECT_EQ(seen.back().cause, "probes: no reply to 40 probes");
}

TEST_F(CoreTest, ReloadTurnsBfdOffAndOnKeepingStateAndHistory) {
  Config c = two_tunnels();
  c.policy.fail_back_hold_down = 0s;
  core.apply_config(c, inst(0s));
  core.on_bfd_event(bfd_event("primary", bfd::State::Init, bfd::State::Up, bfd::Diag::None, 1s));
  core.set_drained("backup", true, inst(1s));
  ASSERT_EQ(seen.size(), 2U);
  // Off: the session goes (no spec), the tunnel stays up; its session's AdminDown is ignored.
  Config off = without_bfd();
  off.policy = c.policy;
  auto specs = core.apply_config(off, inst(2s));
  ASSERT_EQ(specs.size(), 1U);
  EXPECT_EQ(specs[0].name, "backup");
  EXPECT_EQ(seen.size(), 2U);
  core.on_bfd_event(
      bfd_event("primary", bfd::State::Up, bfd::State::AdminDown, bfd::Diag::AdministrativelyDown, 2s));
  EXPECT_EQ(core.state_of("primary"), TunnelState::Up);
  EXPECT_FALSE(core.tunnels({}, inst(2s))[0].bfd_enabled);
  EXPECT_EQ(core.state_of("backup"), TunnelState::AdminDown);  // the drain is kept
  EXPECT_EQ(core.events().size(), 2U);
  // On again: a session is asked for, and the tunnel is down until it is Up, without hold-down.
  c.policy.fail_back_hold_down = 30s;
  specs = core.apply_config(c, inst(3s));
  ASSERT_EQ(specs.size(), 2U);
  EXPECT_EQ(specs[0].name, "primary");
  EXPECT_TRUE(core.tunnels({}, inst(3s))[0].bfd_enabled);
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[2].to, TunnelState::Down);
  EXPECT_EQ(seen[2].cause, "bfd down (session starting: bfd enabled)");
  core.on_bfd_event(bfd_event("primary", bfd::State::Down, bfd::State::Up, bfd::Diag::None, 4s));
  EXPECT_EQ(core.state_of("primary"), TunnelState::Up);
  EXPECT_EQ(core.events().size(), 4U);
}

}  // namespace
}  // namespace wgfo

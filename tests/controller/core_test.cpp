// Core: tunnel state from configuration and BFD events (controller/core.hpp). No threads, no clock.
#include "controller/core.hpp"

#include <gtest/gtest.h>

namespace wgfo {
namespace {

using namespace std::chrono_literals;
const auto kT0 = std::chrono::system_clock::time_point{} + 1000h;

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
                                std::chrono::system_clock::time_point at) {
  return {std::move(name), {from, to, diag}, bfd::TimePoint{}, at};
}

struct CoreTest : ::testing::Test {
  std::vector<TunnelEvent> seen;
  Core core{[this](const TunnelEvent& e) { seen.push_back(e); }};
};

TEST_F(CoreTest, ConfigBecomesOneBfdSessionPerTunnel) {
  const auto specs = core.apply_config(two_tunnels(), kT0);
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
  const auto views = core.tunnels({});
  ASSERT_EQ(views.size(), 2U);
  EXPECT_EQ(views[0].name, "primary");  // config order
  EXPECT_EQ(views[0].state, TunnelState::Down);
  EXPECT_FALSE(views[0].last_change.has_value());
}

TEST_F(CoreTest, BfdUpAndDownMoveTheTunnelWithACause) {
  core.apply_config(two_tunnels(), kT0);
  core.on_bfd_event(bfd_event("primary", bfd::State::Down, bfd::State::Init, bfd::Diag::None, kT0 + 1s));
  EXPECT_TRUE(seen.empty());  // Init is not Up
  core.on_bfd_event(bfd_event("primary", bfd::State::Init, bfd::State::Up, bfd::Diag::None, kT0 + 2s));
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].tunnel, "primary");
  EXPECT_EQ(seen[0].from, TunnelState::Down);
  EXPECT_EQ(seen[0].to, TunnelState::Up);
  EXPECT_EQ(seen[0].cause, "bfd up");
  EXPECT_EQ(seen[0].time, kT0 + 2s);
  core.on_bfd_event(bfd_event("primary", bfd::State::Up, bfd::State::Down,
                              bfd::Diag::ControlDetectionTimeExpired, kT0 + 3s));
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[1].to, TunnelState::Down);
  EXPECT_EQ(seen[1].cause, "bfd down: control-detection-time-expired");
  const auto views = core.tunnels({});
  EXPECT_EQ(views[0].state, TunnelState::Down);
  EXPECT_EQ(views[0].last_change, kT0 + 3s);
  EXPECT_EQ(core.events().size(), 2U);
}

TEST_F(CoreTest, ShutdownIsAdminDownAndSurvivesBfdEvents) {
  core.apply_config(two_tunnels(), kT0);
  core.on_bfd_event(bfd_event("backup", bfd::State::Init, bfd::State::Up, bfd::Diag::None, kT0));
  Config c = two_tunnels();
  c.tunnels[1].bfd.shutdown = true;
  const auto specs = core.apply_config(c, kT0 + 5s);
  EXPECT_TRUE(specs[1].admin_down);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[1].to, TunnelState::AdminDown);
  EXPECT_EQ(seen[1].cause, "bfd shutdown configured");
  core.on_bfd_event(
      bfd_event("backup", bfd::State::Up, bfd::State::AdminDown, bfd::Diag::AdministrativelyDown, kT0));
  EXPECT_EQ(seen.size(), 2U);  // still admin-down: no new event
  core.apply_config(two_tunnels(), kT0 + 9s);
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[2].from, TunnelState::AdminDown);
  EXPECT_EQ(seen[2].to, TunnelState::Down);  // BFD says AdminDown -> not Up until it comes Up again
}

TEST_F(CoreTest, ReloadKeepsStateOfKeptTunnelsAndDropsRemovedOnes) {
  core.apply_config(two_tunnels(), kT0);
  core.on_bfd_event(bfd_event("primary", bfd::State::Init, bfd::State::Up, bfd::Diag::None, kT0));
  Config c = two_tunnels();
  c.tunnels.pop_back();
  c.tunnels[0].bfd.tx_interval = 100ms;
  const auto specs = core.apply_config(c, kT0 + 1s);
  ASSERT_EQ(specs.size(), 1U);
  EXPECT_EQ(specs[0].config.desired_min_tx, 100ms);
  const auto views = core.tunnels({});
  ASSERT_EQ(views.size(), 1U);
  EXPECT_EQ(views[0].state, TunnelState::Up);
  core.on_bfd_event(bfd_event("backup", bfd::State::Init, bfd::State::Up, bfd::Diag::None, kT0));  // ignored
  EXPECT_EQ(core.tunnels({}).size(), 1U);
}

TEST_F(CoreTest, ViewsCarryTheMatchingBfdSnapshot) {
  core.apply_config(two_tunnels(), kT0);
  bfd::io::SessionStatus s;
  s.name = "backup";
  s.local_discr = 77;
  s.state = bfd::State::Init;
  const auto views = core.tunnels({s});
  EXPECT_EQ(views[0].bfd.local_discr, 0U);
  EXPECT_EQ(views[1].bfd.local_discr, 77U);
  EXPECT_EQ(views[1].bfd.state, bfd::State::Init);
}

TEST_F(CoreTest, EventHistoryIsBounded) {
  core.apply_config(two_tunnels(), kT0);
  for (std::size_t i = 0; i < Core::kEventHistory + 10; ++i) {
    const bool up = i % 2 == 0;
    core.on_bfd_event(bfd_event("primary", up ? bfd::State::Init : bfd::State::Up,
                                up ? bfd::State::Up : bfd::State::Down, bfd::Diag::None, kT0));
  }
  EXPECT_EQ(core.events().size(), Core::kEventHistory);
  EXPECT_EQ(seen.size(), Core::kEventHistory + 10);
}

}  // namespace
}  // namespace wgfo

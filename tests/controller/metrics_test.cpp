// Metrics: exact series values parsed from the exposition text, the one-hot state gauges, the counter
// delta/reset rule, histograms, series removal, naming rules, and the HTTP exposer on loopback.

#include "controller/metrics.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace wgfo {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// Series line "name{labels} value" -> value. prometheus-cpp writes labels sorted by name.
std::map<std::string, double> series(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  return out;
}

std::optional<double> value(const Metrics& m, const std::string& key) {
  const auto s = series(m.text());
  const auto it = s.find(key);
  if (it == s.end()) return std::nullopt;
  return it->second;
}

// Series whose label set contains `needle` (e.g. tunnel="a").
std::vector<std::string> with_label(const Metrics& m, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& [k, v] : series(m.text()))
    if (k.find(needle) != std::string::npos) out.push_back(k);
  return out;
}

TunnelView view(const std::string& name, TunnelState state, bool bfd = true) {
  TunnelView v;
  v.name = name;
  v.interface = "wg-" + name;
  v.state = state;
  v.bfd_enabled = bfd;
  return v;
}

int ones(const Metrics& m, const std::string& family, const std::string& tunnel) {
  int n = 0;
  for (const auto& [k, v] : series(m.text()))
    if (k.rfind(family + "{", 0) == 0 && k.find("tunnel=\"" + tunnel + "\"") != std::string::npos && v == 1)
      ++n;
  return n;
}

TEST(Metrics, TunnelStateIsOneHotAndFollowsTheView) {
  Metrics m("1.2.3");
  auto a = view("a", TunnelState::Up);
  a.standby = true;
  a.penalty = 812.5;
  m.set_tunnels({a, view("b", TunnelState::Down)});

  EXPECT_EQ(value(m, R"(wgfailover_build_info{version="1.2.3"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_info{interface="wg-a",tunnel="a"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_state{state="up",tunnel="a"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_state{state="degraded",tunnel="a"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_state{state="down",tunnel="a"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_state{state="admin-down",tunnel="a"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_state{state="down",tunnel="b"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_standby{tunnel="a"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_standby{tunnel="b"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_dampening_penalty{tunnel="a"})"), 812.5);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_drained{tunnel="a"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_suppressed{tunnel="a"})"), 0);

  for (TunnelState s : {TunnelState::Degraded, TunnelState::AdminDown, TunnelState::Down, TunnelState::Up}) {
    a = view("a", s);
    a.drained = s == TunnelState::AdminDown;
    a.suppressed = s == TunnelState::Down;
    m.set_tunnels({a});
    EXPECT_EQ(ones(m, "wgfailover_tunnel_state", "a"), 1);
    EXPECT_EQ(ones(m, "wgfailover_tunnel_state", "b"), 1);  // not listed: kept as it was
    EXPECT_EQ(value(m, R"(wgfailover_tunnel_drained{tunnel="a"})"), s == TunnelState::AdminDown ? 1 : 0);
    EXPECT_EQ(value(m, R"(wgfailover_tunnel_suppressed{tunnel="a"})"), s == TunnelState::Down ? 1 : 0);
  }
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_state{state="up",tunnel="a"})"), 1);

  // A reload moved the tunnel to another interface: one info series, the new one.
  a.interface = "wg9";
  m.set_tunnels({a});
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_info{interface="wg9",tunnel="a"})"), 1);
  EXPECT_FALSE(value(m, R"(wgfailover_tunnel_info{interface="wg-a",tunnel="a"})"));
}

TEST(Metrics, BfdSessionSeriesAndAbsenceWithoutBfd) {
  Metrics m;
  auto a = view("a", TunnelState::Down);
  a.bfd.state = bfd::State::Init;
  a.bfd.detection_time = milliseconds(150);
  a.bfd.counters.rx_packets = 7;
  a.bfd.counters.tx_packets = 9;
  a.bfd.counters.up_transitions = 2;
  a.bfd.counters.down_transitions = 1;
  m.set_tunnels({a, view("nobfd", TunnelState::Up, false)});

  EXPECT_EQ(value(m, R"(wgfailover_bfd_session_state{state="init",tunnel="a"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_bfd_session_state{state="up",tunnel="a"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_bfd_session_state{state="down",tunnel="a"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_bfd_session_state{state="admin-down",tunnel="a"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_bfd_rx_packets_total{tunnel="a"})"), 7);
  EXPECT_EQ(value(m, R"(wgfailover_bfd_tx_packets_total{tunnel="a"})"), 9);
  EXPECT_EQ(value(m, R"(wgfailover_bfd_up_transitions_total{tunnel="a"})"), 2);
  EXPECT_EQ(value(m, R"(wgfailover_bfd_down_transitions_total{tunnel="a"})"), 1);
  EXPECT_DOUBLE_EQ(*value(m, R"(wgfailover_bfd_detection_time_seconds{tunnel="a"})"), 0.15);
  for (const auto& k : with_label(m, R"(tunnel="nobfd")"))
    EXPECT_EQ(k.find("wgfailover_bfd_"), std::string::npos) << k;

  a.bfd.state = bfd::State::Up;
  m.set_tunnels({a});
  EXPECT_EQ(ones(m, "wgfailover_bfd_session_state", "a"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_bfd_session_state{state="up",tunnel="a"})"), 1);

  // BFD turned off by a reload: its series go away; turned on again, they start afresh.
  a.bfd_enabled = false;
  m.set_tunnels({a});
  for (const auto& k : with_label(m, R"(tunnel="a")"))
    EXPECT_EQ(k.find("wgfailover_bfd_"), std::string::npos) << k;
  a.bfd_enabled = true;
  a.bfd.counters.rx_packets = 3;
  m.set_tunnels({a});
  EXPECT_EQ(value(m, R"(wgfailover_bfd_rx_packets_total{tunnel="a"})"), 3);
}

TEST(Metrics, CountersFollowDeltasAndCountTheNewValueAfterAReset) {
  Metrics m;
  auto a = view("a", TunnelState::Up);
  const auto rx = [&] { return value(m, R"(wgfailover_bfd_rx_packets_total{tunnel="a"})"); };
  for (auto [in, want] : std::vector<std::pair<std::uint64_t, double>>{
           {10, 10}, {15, 15}, {15, 15}, {4, 19} /* session recreated */, {6, 21}, {0, 21}, {2, 23}}) {
    a.bfd.counters.rx_packets = in;
    m.set_tunnels({a});
    EXPECT_EQ(rx(), want) << "after " << in;
  }

  // WireGuard bytes: the same rule per counter, and the tracker's reset flag restarts both.
  wg::PeerProgress p;
  m.on_wireguard("a", p, 1000, 500);
  m.on_wireguard("a", p, 1500, 800);
  EXPECT_EQ(value(m, R"(wgfailover_wireguard_rx_bytes_total{tunnel="a"})"), 1500);
  EXPECT_EQ(value(m, R"(wgfailover_wireguard_tx_bytes_total{tunnel="a"})"), 800);
  m.on_wireguard("a", p, 100, 900);  // rx went backwards on its own
  EXPECT_EQ(value(m, R"(wgfailover_wireguard_rx_bytes_total{tunnel="a"})"), 1600);
  EXPECT_EQ(value(m, R"(wgfailover_wireguard_tx_bytes_total{tunnel="a"})"), 900);
  p.counters_reset = true;  // rx went back; tx restarted too and already passed its old value
  m.on_wireguard("a", p, 50, 1000);
  EXPECT_EQ(value(m, R"(wgfailover_wireguard_rx_bytes_total{tunnel="a"})"), 1650);
  EXPECT_EQ(value(m, R"(wgfailover_wireguard_tx_bytes_total{tunnel="a"})"), 1900);
}

TEST(Metrics, QualityInBaseUnitsAndAbsentWithoutInformation) {
  Metrics m;
  QualitySample q;
  q.samples = 20;
  q.rtt = microseconds(12'500);
  q.loss_percent = 2.5;
  q.jitter = microseconds(3'000);
  m.on_quality("a", q);
  EXPECT_DOUBLE_EQ(*value(m, R"(wgfailover_tunnel_rtt_seconds{tunnel="a"})"), 0.0125);
  EXPECT_DOUBLE_EQ(*value(m, R"(wgfailover_tunnel_loss_ratio{tunnel="a"})"), 0.025);
  EXPECT_DOUBLE_EQ(*value(m, R"(wgfailover_tunnel_jitter_seconds{tunnel="a"})"), 0.003);

  q.rtt.reset();  // every probe lost
  q.jitter.reset();
  q.loss_percent = 100;
  m.on_quality("a", q);
  EXPECT_FALSE(value(m, R"(wgfailover_tunnel_rtt_seconds{tunnel="a"})"));
  EXPECT_FALSE(value(m, R"(wgfailover_tunnel_jitter_seconds{tunnel="a"})"));
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_loss_ratio{tunnel="a"})"), 1);

  q.loss_percent = 250;  // out of range input is clamped to a ratio
  m.on_quality("a", q);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_loss_ratio{tunnel="a"})"), 1);

  q.samples = 0;  // no information
  m.on_quality("a", q);
  EXPECT_FALSE(value(m, R"(wgfailover_tunnel_loss_ratio{tunnel="a"})"));
}

TEST(Metrics, WireGuardHandshakeAgeAndStall) {
  Metrics m;
  wg::PeerProgress p;
  m.on_wireguard("a", p, 0, 0);
  EXPECT_FALSE(value(m, R"(wgfailover_wireguard_handshake_age_seconds{tunnel="a"})"));
  EXPECT_EQ(value(m, R"(wgfailover_wireguard_rx_stalled{tunnel="a"})"), 0);
  p.handshake_age = milliseconds(5'250);
  p.rx_stalled = true;
  m.on_wireguard("a", p, 0, 300);
  EXPECT_DOUBLE_EQ(*value(m, R"(wgfailover_wireguard_handshake_age_seconds{tunnel="a"})"), 5.25);
  EXPECT_EQ(value(m, R"(wgfailover_wireguard_rx_stalled{tunnel="a"})"), 1);
}

TEST(Metrics, TransitionsAndFlaps) {
  Metrics m;
  m.set_tunnels({view("a", TunnelState::Down)});
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_flaps_total{tunnel="a"})"), 0);
  const auto ev = [&](TunnelState from, TunnelState to) {
    m.on_event(TunnelEvent{.time = {}, .tunnel = "a", .from = from, .to = to, .cause = "test"});
  };
  ev(TunnelState::Down, TunnelState::Up);
  ev(TunnelState::Up, TunnelState::Down);  // flap
  ev(TunnelState::Down, TunnelState::Up);
  ev(TunnelState::Up, TunnelState::Degraded);
  ev(TunnelState::Degraded, TunnelState::Down);  // flap
  ev(TunnelState::Down, TunnelState::AdminDown);
  ev(TunnelState::AdminDown, TunnelState::Up);
  ev(TunnelState::Up, TunnelState::AdminDown);         // a drain, not a flap
  ev(TunnelState::AdminDown, TunnelState::AdminDown);  // kept state: no transition
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_transitions_total{from="down",to="up",tunnel="a"})"), 2);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_transitions_total{from="up",to="down",tunnel="a"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_transitions_total{from="degraded",to="down",tunnel="a"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_transitions_total{from="up",to="admin-down",tunnel="a"})"), 1);
  EXPECT_FALSE(
      value(m, R"(wgfailover_tunnel_transitions_total{from="admin-down",to="admin-down",tunnel="a"})"));
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_flaps_total{tunnel="a"})"), 2);
  double sum = 0;
  for (const auto& [k, v] : series(m.text()))
    if (k.rfind("wgfailover_tunnel_transitions_total{", 0) == 0) sum += v;
  EXPECT_EQ(sum, 8);
}

TEST(Metrics, FrrStatusCommitsAndHistogram) {
  Metrics m;
  frr::ProgrammerStatus s;
  s.staticd.configured = true;
  s.staticd.reachable = true;
  s.staticd.restarts = 1;
  s.drift = 3;
  s.drift_repairs = 2;
  s.desired_version = 5;
  s.converged_version = 4;
  s.conflicts = {"10.0.0.0/8", "10.1.0.0/16"};
  m.on_frr(s);
  EXPECT_EQ(value(m, R"(wgfailover_frr_reachable{daemon="staticd"})"), 1);
  EXPECT_FALSE(value(m, R"(wgfailover_frr_reachable{daemon="bgpd"})"));  // not configured
  EXPECT_EQ(value(m, R"(wgfailover_frr_restarts_total{daemon="staticd"})"), 1);
  EXPECT_EQ(value(m, "wgfailover_frr_drift_total"), 3);
  EXPECT_EQ(value(m, "wgfailover_frr_drift_repairs_total"), 2);
  EXPECT_EQ(value(m, "wgfailover_frr_converged"), 0);
  EXPECT_EQ(value(m, "wgfailover_frr_conflicts"), 2);
  EXPECT_EQ(value(m, R"(wgfailover_frr_commits_total{daemon="staticd",result="failed"})"), 0);

  s.staticd.reachable = false;
  s.bgpd.configured = true;
  s.drift = 1;  // programmer recreated: counts restarted
  s.drift_repairs = 4;
  s.converged_version = 5;
  s.conflicts.clear();
  m.on_frr(s);
  EXPECT_EQ(value(m, R"(wgfailover_frr_reachable{daemon="staticd"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_frr_reachable{daemon="bgpd"})"), 0);
  EXPECT_EQ(value(m, "wgfailover_frr_drift_total"), 4);
  EXPECT_EQ(value(m, "wgfailover_frr_drift_repairs_total"), 4);
  EXPECT_EQ(value(m, "wgfailover_frr_converged"), 1);
  EXPECT_EQ(value(m, "wgfailover_frr_conflicts"), 0);

  s.bgpd.configured = false;  // a reload dropped bgpd
  m.on_frr(s);
  EXPECT_FALSE(value(m, R"(wgfailover_frr_reachable{daemon="bgpd"})"));

  m.observe_frr_commit("staticd", microseconds(2'000), true);
  m.observe_frr_commit("staticd", microseconds(30'000), false);
  m.observe_frr_commit("staticd", microseconds(7'000'000), true);  // beyond the last bucket
  EXPECT_EQ(value(m, R"(wgfailover_frr_commits_total{daemon="staticd",result="ok"})"), 2);
  EXPECT_EQ(value(m, R"(wgfailover_frr_commits_total{daemon="staticd",result="failed"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_frr_commit_duration_seconds_count{daemon="staticd"})"), 3);
  EXPECT_NEAR(*value(m, R"(wgfailover_frr_commit_duration_seconds_sum{daemon="staticd"})"), 7.032, 1e-9);
  EXPECT_EQ(value(m, R"(wgfailover_frr_commit_duration_seconds_bucket{daemon="staticd",le="0.001"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_frr_commit_duration_seconds_bucket{daemon="staticd",le="0.0025"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_frr_commit_duration_seconds_bucket{daemon="staticd",le="0.025"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_frr_commit_duration_seconds_bucket{daemon="staticd",le="0.05"})"), 2);
  EXPECT_EQ(value(m, R"(wgfailover_frr_commit_duration_seconds_bucket{daemon="staticd",le="5"})"), 2);
  EXPECT_EQ(value(m, R"(wgfailover_frr_commit_duration_seconds_bucket{daemon="staticd",le="+Inf"})"), 3);
}

TEST(Metrics, DetectionToFibHistogram) {
  Metrics m;
  EXPECT_EQ(value(m, "wgfailover_detection_to_fib_seconds_count"), 0);
  m.observe_detection_to_fib(microseconds(40'000));
  m.observe_detection_to_fib(microseconds(3'000'000));
  m.observe_detection_to_fib(microseconds(800));
  EXPECT_EQ(value(m, "wgfailover_detection_to_fib_seconds_count"), 3);
  EXPECT_NEAR(*value(m, "wgfailover_detection_to_fib_seconds_sum"), 3.0408, 1e-9);
  EXPECT_EQ(value(m, R"(wgfailover_detection_to_fib_seconds_bucket{le="0.001"})"), 1);
  EXPECT_EQ(value(m, R"(wgfailover_detection_to_fib_seconds_bucket{le="0.05"})"), 2);
  EXPECT_EQ(value(m, R"(wgfailover_detection_to_fib_seconds_bucket{le="2.5"})"), 2);
  EXPECT_EQ(value(m, R"(wgfailover_detection_to_fib_seconds_bucket{le="5"})"), 3);
  EXPECT_EQ(value(m, R"(wgfailover_detection_to_fib_seconds_bucket{le="10"})"), 3);
}

// Every per-tunnel family, for both tunnels.
void populate(Metrics& m, const std::string& name) {
  auto v = view(name, TunnelState::Up);
  v.bfd.counters.rx_packets = 1;
  m.set_tunnels({v});
  QualitySample q;
  q.samples = 5;
  q.rtt = microseconds(1000);
  q.jitter = microseconds(100);
  m.on_quality(name, q);
  wg::PeerProgress p;
  p.handshake_age = milliseconds(1000);
  m.on_wireguard(name, p, 10, 10);
  m.on_event(
      TunnelEvent{.time = {}, .tunnel = name, .from = TunnelState::Up, .to = TunnelState::Down, .cause = ""});
}

TEST(Metrics, BfdReceiveDropsByReasonAndLateTimers) {
  Metrics m;
  // Present at zero from the start: the first drop is an increase, not a new series.
  EXPECT_EQ(value(m, "wgfailover_bfd_rx_dropped_total{reason=\"ttl\"}"), 0.0);
  EXPECT_EQ(value(m, "wgfailover_bfd_timers_late_total{over=\"50ms\"}"), 0.0);
  bfd::io::IoCounters c;
  c.rx_datagrams = 100;
  c.rx_ttl_dropped = 10;
  c.rx_parse_dropped = 20;
  c.rx_demux_dropped = 30;
  c.rx_overflow_dropped = 1;
  c.rx_rate_dropped = 7;
  c.timers_late_1ms = 5;
  c.timers_late_10ms = 2;
  m.on_bfd_io(c);
  c.rx_datagrams = 150;
  c.rx_demux_dropped = 35;
  m.on_bfd_io(c);
  EXPECT_EQ(value(m, "wgfailover_bfd_rx_datagrams_total"), 150.0);
  EXPECT_EQ(value(m, "wgfailover_bfd_rx_dropped_total{reason=\"ttl\"}"), 10.0);
  EXPECT_EQ(value(m, "wgfailover_bfd_rx_dropped_total{reason=\"parse\"}"), 20.0);
  EXPECT_EQ(value(m, "wgfailover_bfd_rx_dropped_total{reason=\"demux\"}"), 35.0);
  EXPECT_EQ(value(m, "wgfailover_bfd_rx_dropped_total{reason=\"buffer_full\"}"), 1.0);
  EXPECT_EQ(value(m, "wgfailover_bfd_rx_dropped_total{reason=\"rate\"}"), 7.0);
  EXPECT_EQ(value(m, "wgfailover_bfd_timers_late_total{over=\"1ms\"}"), 5.0);
  EXPECT_EQ(value(m, "wgfailover_bfd_timers_late_total{over=\"10ms\"}"), 2.0);
  // The API's single figure is the sum of the same series.
  EXPECT_EQ(bfd::io::rx_dropped(c), 10u + 20u + 35u + 1u + 7u);
}

TEST(Metrics, ForgetTunnelRemovesItsSeries) {
  Metrics m;
  populate(m, "a");
  populate(m, "b");
  const auto before = with_label(m, R"(tunnel="a")");
  EXPECT_GE(before.size(), 20u);
  m.forget_tunnel("a");
  EXPECT_TRUE(with_label(m, R"(tunnel="a")").empty());
  EXPECT_EQ(with_label(m, R"(tunnel="b")").size(), before.size());
  m.forget_tunnel("a");  // unknown: nothing happens
  // Re-added later, it starts afresh.
  m.set_tunnels({view("a", TunnelState::Up)});
  EXPECT_EQ(value(m, R"(wgfailover_bfd_rx_packets_total{tunnel="a"})"), 0);
  EXPECT_EQ(value(m, R"(wgfailover_tunnel_flaps_total{tunnel="a"})"), 0);
}

TEST(Metrics, EveryFamilyIsPrefixedAndDocumented) {
  Metrics m;
  populate(m, "a");
  frr::ProgrammerStatus s;
  s.staticd.configured = true;
  m.on_frr(s);
  m.observe_frr_commit("staticd", microseconds(1), true);
  std::set<std::string> help, type;
  std::map<std::string, std::string> kind;
  std::istringstream in(m.text());
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string hash, what, name, t;
    l >> hash >> what >> name >> t;
    if (hash != "#") continue;
    if (what == "HELP") {
      help.insert(name);
      EXPECT_GT(line.size(), 10 + name.size()) << "empty HELP: " << name;
    }
    if (what == "TYPE") {
      type.insert(name);
      kind[name] = t;
    }
  }
  EXPECT_EQ(help, type);
  EXPECT_GE(type.size(), 30u);  // every family is populated above
  for (const auto& n : type) {
    EXPECT_EQ(n.rfind("wgfailover_", 0), 0u) << n;
    const bool total = n.size() > 6 && n.compare(n.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(kind[n] == "counter", total) << n << " is a " << kind[n];
  }
  for (const auto& [k, v] : series(m.text())) EXPECT_EQ(k.rfind("wgfailover_", 0), 0u) << k;
}

// ---- the HTTP exposer --------------------------------------------------------------------------------

std::string http_get(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "socket failed";
  timeval tv{.tv_sec = 10, .tv_usec = 0};  // a hung server fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

// The wgfailover_ lines of an exposition (the exposer adds prometheus-cpp's own exposer_* families).
std::string ours(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    if (line.find("wgfailover_") != std::string::npos) out += line + "\n";
  return out;
}

TEST(Metrics, ServesTheTextOverHttpAndReportsABindFailure) {
  Metrics m("9.9.9");
  populate(m, "a");
  EXPECT_FALSE(m.port());
  ASSERT_EQ(m.listen(HostPort{"127.0.0.1", 0}), std::nullopt);
  const auto port = m.port();
  ASSERT_TRUE(port);
  ASSERT_NE(*port, 0);
  EXPECT_EQ(m.listen(HostPort{"127.0.0.1", 0}), "metrics: already listening");

  const std::string reply = http_get(*port, "/metrics");
  ASSERT_EQ(reply.rfind("HTTP/1.", 0), 0u) << reply;
  EXPECT_NE(reply.find(" 200 "), std::string::npos) << reply.substr(0, 200);
  const auto body_at = reply.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  const std::string body = reply.substr(body_at + 4);
  EXPECT_NE(ours(m.text()).find(R"(wgfailover_build_info{version="9.9.9"} 1)"), std::string::npos);
  EXPECT_EQ(ours(body), ours(m.text()));

  Metrics second;
  const auto err = second.listen(HostPort{"127.0.0.1", *port});
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("127.0.0.1:" + std::to_string(*port)), std::string::npos) << *err;
  EXPECT_FALSE(second.port());

  const auto name_err = second.listen(HostPort{"localhost", 0});
  ASSERT_TRUE(name_err);
  EXPECT_NE(name_err->find("IP address"), std::string::npos) << *name_err;
}

}  // namespace
}  // namespace wgfo

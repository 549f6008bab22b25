// CLI rendering (see format.hpp).
#include "controller/cli/format.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <vector>

namespace wgfo::cli {
namespace {

std::chrono::system_clock::time_point from_proto(const google::protobuf::Timestamp& ts) {
  using namespace std::chrono;
  return system_clock::time_point(
      duration_cast<system_clock::duration>(seconds(ts.seconds()) + nanoseconds(ts.nanos())));
}

std::string ago(std::chrono::system_clock::time_point then, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  auto s = duration_cast<seconds>(now - then).count();
  if (s < 0) s = 0;
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  }
  return buf;
}

nlohmann::ordered_json optional_time(bool present, const google::protobuf::Timestamp& ts) {
  return present ? nlohmann::ordered_json(rfc3339_ms(from_proto(ts))) : nlohmann::ordered_json(nullptr);
}

// Left-aligned columns sized to their widest cell, two spaces apart, like `vtysh` tables.
std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out += line + '\n';
  }
  return out;
}

// What else an operator must know about a tunnel: why it is held, and what an operator did to it.
std::string notes(const v1::Tunnel& t, std::chrono::system_clock::time_point now) {
  std::vector<std::string> n;
  if (t.drained()) n.emplace_back("drained");
  if (t.suppressed()) n.push_back("dampened (penalty " + std::to_string(std::lround(t.penalty())) + ")");
  if (t.standby()) n.emplace_back("standby");
  if (t.prefer() > 0) {
    std::string o = "override: prefer " + std::to_string(t.prefer());
    if (t.has_prefer_until()) o += " for " + ago(now, from_proto(t.prefer_until()));
    n.push_back(std::move(o));
  }
  std::string out;
  for (const auto& s : n) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "-" : out;
}

}  // namespace

std::string rfc3339_ms(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // sized for any int fields, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string state_name(v1::TunnelState s) {
  switch (s) {
    case v1::TUNNEL_STATE_UP:
      return "up";
    case v1::TUNNEL_STATE_DEGRADED:
      return "degraded";
    case v1::TUNNEL_STATE_DOWN:
      return "down";
    case v1::TUNNEL_STATE_ADMIN_DOWN:
      return "admin-down";
    default:
      return "unknown";
  }
}

std::string state_name(v1::BfdSessionState s) {
  switch (s) {
    case v1::BFD_SESSION_STATE_UP:
      return "up";
    case v1::BFD_SESSION_STATE_INIT:
      return "init";
    case v1::BFD_SESSION_STATE_DOWN:
      return "down";
    case v1::BFD_SESSION_STATE_ADMIN_DOWN:
      return "admin-down";
    default:
      return "unknown";
  }
}

nlohmann::ordered_json tunnel_json(const v1::Tunnel& t) {
  const v1::BfdSession& b = t.bfd();
  nlohmann::ordered_json bfd = nullptr;  // null: the tunnel runs without a BFD peer
  if (t.bfd_enabled()) {
    bfd = {
        {"state", state_name(b.state())},
        {"remote_state", state_name(b.remote_state())},
        {"local_discriminator", b.local_discriminator()},
        {"remote_discriminator", b.remote_discriminator()},
        {"tx_interval_ms", b.tx_interval_ms()},
        {"rx_interval_ms", b.rx_interval_ms()},
        {"detect_mult", b.detect_mult()},
        {"remote_detect_mult", b.remote_detect_mult()},
        {"detection_time_ms", b.detection_time_ms()},
        {"last_diag", b.last_diag()},
        {"rx_packets", b.rx_packets()},
        {"tx_packets", b.tx_packets()},
        {"up_transitions", b.up_transitions()},
        {"down_transitions", b.down_transitions()},
        {"last_rx", optional_time(b.has_last_rx(), b.last_rx())},
        {"auth_failures", b.auth_failures()},
        {"last_auth_error", b.last_auth_error().empty() ? nlohmann::ordered_json()
                                                        : nlohmann::ordered_json(b.last_auth_error())},
    };
  }
  nlohmann::ordered_json override_json = nullptr;
  if (t.prefer() > 0)
    override_json = {{"prefer", t.prefer()},
                     {"until", optional_time(t.has_prefer_until(), t.prefer_until())}};
  return {
      {"name", t.name()},
      {"interface", t.interface()},
      {"interface_present", t.interface_present()},
      {"local_address", t.local_address()},
      {"peer_address", t.peer_address()},
      {"state", state_name(t.state())},
      {"bfd", std::move(bfd)},
      {"last_change", optional_time(t.has_last_change(), t.last_change())},
      {"standby", t.standby()},
      {"drained", t.drained()},
      {"suppressed", t.suppressed()},
      {"penalty", std::lround(t.penalty())},
      {"override", std::move(override_json)},
  };
}

nlohmann::ordered_json tunnels_json(const v1::ListTunnelsResponse& r) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& t : r.tunnels()) out.push_back(tunnel_json(t));
  return out;
}

std::string tunnels_table(const v1::ListTunnelsResponse& r, std::chrono::system_clock::time_point now) {
  std::vector<std::vector<std::string>> rows{{"Tunnel", "Interface", "State", "Peer", "BFD", "TX/RX ms",
                                              "Mult", "Discr local/remote", "Last diag", "Last change",
                                              "Notes"}};
  for (const auto& t : r.tunnels()) {
    const v1::BfdSession& b = t.bfd();
    std::string last = "never";
    if (t.has_last_change()) {
      const auto when = from_proto(t.last_change());
      last = rfc3339_ms(when) + " (" + ago(when, now) + " ago)";
    }
    std::vector<std::string> row{t.name(), t.interface() + (t.interface_present() ? "" : " (missing)"),
                                 state_name(t.state()), t.peer_address()};
    if (t.bfd_enabled()) {
      row.insert(row.end(),
                 {state_name(b.state()),
                  std::to_string(b.tx_interval_ms()) + "/" + std::to_string(b.rx_interval_ms()),
                  std::to_string(b.detect_mult()),
                  std::to_string(b.local_discriminator()) + "/" + std::to_string(b.remote_discriminator()),
                  b.last_diag()});
    } else {
      row.insert(row.end(), {"off", "-", "-", "-", "-"});
    }
    row.push_back(last);
    row.push_back(notes(t, now));
    rows.push_back(std::move(row));
  }
  return render(rows);
}

nlohmann::ordered_json routes_json(const v1::ListRoutesResponse& r) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& route : r.routes()) {
    nlohmann::ordered_json active = nlohmann::ordered_json::array();
    for (const auto& t : route.active()) active.push_back(t);
    out.push_back({{"prefix", route.prefix()},
                   {"active", std::move(active)},
                   {"installed", route.installed()},
                   {"kill_switch", route.kill_switch()},
                   {"signalled", route.signalled()}});
  }
  return out;
}

std::string routes_table(const v1::ListRoutesResponse& r) {
  std::vector<std::vector<std::string>> rows{{"Prefix", "Active", "Installed", "Kill switch", "BGP signal"}};
  for (const auto& route : r.routes()) {
    std::string active;
    for (const auto& t : route.active()) active += (active.empty() ? "" : ",") + t;
    rows.push_back({route.prefix(), active.empty() ? "-" : active, route.installed() ? "yes" : "no",
                    route.kill_switch() ? "active" : "-", route.signalled() ? "degraded" : "-"});
  }
  return render(rows);
}

nlohmann::ordered_json event_json(const v1::Event& e) {
  return {{"time", optional_time(e.has_time(), e.time())},
          {"tunnel", e.tunnel()},
          {"from", state_name(e.from())},
          {"to", state_name(e.to())},
          {"cause", e.cause()}};
}

nlohmann::ordered_json events_json(const v1::ListEventsResponse& r) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& e : r.events()) out.push_back(event_json(e));
  return out;
}

namespace {
// "up -> down" for a change, the state alone for a decision that kept it (override, rotation).
std::string transition(const v1::Event& e) {
  return e.from() == e.to() ? state_name(e.to()) : state_name(e.from()) + " -> " + state_name(e.to());
}
}  // namespace

std::string events_table(const v1::ListEventsResponse& r) {
  std::vector<std::vector<std::string>> rows{{"Time", "Tunnel", "State", "Cause"}};
  for (const auto& e : r.events()) {
    rows.push_back({rfc3339_ms(from_proto(e.time())), e.tunnel(), transition(e), e.cause()});
  }
  return render(rows);
}

std::string watch_line(const v1::WatchEventsResponse& m, bool json) {
  if (json) {
    nlohmann::ordered_json j;
    if (m.has_tunnel()) j["state"] = tunnel_json(m.tunnel());
    if (m.has_event()) j["event"] = event_json(m.event());
    return j.dump() + "\n";
  }
  if (m.has_tunnel()) {
    const v1::Tunnel& t = m.tunnel();
    return "now  " + t.name() + "  " + state_name(t.state()) + "  (current state)\n";
  }
  const v1::Event& e = m.event();
  return rfc3339_ms(from_proto(e.time())) + "  " + e.tunnel() + "  " + transition(e) + "  " + e.cause() +
         "\n";
}

namespace {
nlohmann::ordered_json frr_json(const v1::FrrDaemonStatus& d) {
  return {{"configured", d.configured()}, {"reachable", d.reachable()}, {"frr_version", d.frr_version()},
          {"commits", d.commits()},       {"failures", d.failures()},   {"restarts", d.restarts()},
          {"last_error", d.last_error()}};
}

std::string frr_text(const v1::FrrDaemonStatus& d) {
  if (!d.configured()) return "not configured";
  std::string out = d.reachable() ? "reachable" : "UNREACHABLE";
  if (!d.frr_version().empty()) out += ", FRR " + d.frr_version();
  out += ", " + std::to_string(d.commits()) + " commits, " + std::to_string(d.failures()) + " failures, " +
         std::to_string(d.restarts()) + " restarts seen";
  if (!d.last_error().empty()) out += "; last error: " + d.last_error();
  return out;
}
}  // namespace

nlohmann::ordered_json status_json(const v1::GetStatusResponse& s) {
  nlohmann::ordered_json conflicts = nlohmann::ordered_json::array();
  for (const auto& c : s.conflicts()) conflicts.push_back(c);
  return {
      {"node", s.node()},
      {"version", s.version()},
      {"started", optional_time(s.has_started(), s.started())},
      {"config_path", s.config_path()},
      {"tunnels",
       {{"up", s.tunnels_up()},
        {"degraded", s.tunnels_degraded()},
        {"down", s.tunnels_down()},
        {"admin_down", s.tunnels_admin_down()}}},
      {"frr", {{"staticd", frr_json(s.staticd())}, {"bgpd", frr_json(s.bgpd())}}},
      {"converged", s.converged()},
      {"drift", s.drift()},
      {"drift_repairs", s.drift_repairs()},
      {"conflicts", std::move(conflicts)},
      {"bfd",
       {{"rx_packets", s.bfd_rx_packets()},
        {"rx_dropped", s.bfd_rx_dropped()},
        {"tx_packets", s.bfd_tx_packets()},
        {"timers_late_10ms", s.bfd_timers_late_10ms()}}},
  };
}

std::string status_text(const v1::GetStatusResponse& s, std::chrono::system_clock::time_point now) {
  const auto started = from_proto(s.started());
  std::string conflicts;
  for (const auto& c : s.conflicts()) conflicts += (conflicts.empty() ? "" : "; ") + c;
  return render({
      {"Node", s.node()},
      {"Version", s.version()},
      {"Started", rfc3339_ms(started) + " (" + ago(started, now) + " ago)"},
      {"Config", s.config_path()},
      {"Tunnels", std::to_string(s.tunnels_up()) + " up, " + std::to_string(s.tunnels_degraded()) +
                      " degraded, " + std::to_string(s.tunnels_down()) + " down, " +
                      std::to_string(s.tunnels_admin_down()) + " admin-down"},
      {"staticd", frr_text(s.staticd())},
      {"bgpd", frr_text(s.bgpd())},
      {"Routes", std::string(s.converged() ? "converged" : "converging") + "; drift found " +
                     std::to_string(s.drift()) + ", repaired " + std::to_string(s.drift_repairs()) +
                     "; conflicts: " + (conflicts.empty() ? "none" : conflicts)},
      {"BFD I/O", "rx " + std::to_string(s.bfd_rx_packets()) + ", dropped " +
                      std::to_string(s.bfd_rx_dropped()) + ", tx " + std::to_string(s.bfd_tx_packets()) +
                      ", timers late >=10ms " + std::to_string(s.bfd_timers_late_10ms())},
  });
}

namespace {
nlohmann::ordered_json names_json(const google::protobuf::RepeatedPtrField<std::string>& names) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& n : names) out.push_back(n);
  return out;
}

// "primary", "primary,backup", or what FRR falls to without one: the kill switch, or nothing.
std::string paths_text(const google::protobuf::RepeatedPtrField<std::string>& names, bool kill_switch) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  if (!out.empty()) return out;
  return kill_switch ? "(kill switch)" : "(none)";
}
}  // namespace

nlohmann::ordered_json change_json(const v1::Tunnel* tunnel,
                                   const google::protobuf::RepeatedPtrField<v1::RouteChange>& changes,
                                   bool dry_run) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& c : changes) {
    list.push_back({{"prefix", c.prefix()},
                    {"active_before", names_json(c.active_before())},
                    {"active_after", names_json(c.active_after())},
                    {"kill_switch_before", c.kill_switch_before()},
                    {"kill_switch_after", c.kill_switch_after()},
                    {"signalled_before", c.signalled_before()},
                    {"signalled_after", c.signalled_after()}});
  }
  nlohmann::ordered_json out;
  out["dry_run"] = dry_run;
  if (tunnel) out["tunnel"] = tunnel_json(*tunnel);
  out["route_changes"] = std::move(list);
  return out;
}

std::string change_text(const v1::Tunnel* tunnel,
                        const google::protobuf::RepeatedPtrField<v1::RouteChange>& changes, bool dry_run) {
  std::string out;
  if (tunnel) {
    out = tunnel->name() + (dry_run ? ": would be " : ": ") + state_name(tunnel->state());
    if (tunnel->prefer() > 0) out += ", override: prefer " + std::to_string(tunnel->prefer());
    out += "\n";
  }
  if (changes.empty()) return out + (dry_run ? "no route would change\n" : "no route changed\n");
  std::vector<std::vector<std::string>> rows{{dry_run ? "  Would change" : "  Changed", "Before", "After"}};
  for (const auto& c : changes) {
    auto with_signal = [](std::string paths, bool signalled) {
      return signalled ? paths + " (bgp signal)" : paths;
    };
    rows.push_back({"  " + c.prefix(),
                    with_signal(paths_text(c.active_before(), c.kill_switch_before()), c.signalled_before()),
                    with_signal(paths_text(c.active_after(), c.kill_switch_after()), c.signalled_after())});
  }
  return out + render(rows);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  using std::chrono::milliseconds;
  if (text.empty()) return std::nullopt;
  constexpr std::int64_t kMax = std::int64_t{1} << 50;  // far beyond any TTL the daemon accepts
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    const std::size_t digits = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > kMax) return std::nullopt;
      ++i;
    }
    if (i == digits) return std::nullopt;  // a unit without a number, or a sign
    const std::size_t unit_start = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z') ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    std::int64_t scale = 0;
    if (unit == "ms") scale = 1;
    if (unit == "s") scale = 1000;
    if (unit == "m") scale = 60'000;
    if (unit == "h") scale = 3'600'000;
    if (unit == "d") scale = 86'400'000;
    if (scale == 0) return std::nullopt;  // no unit or an unknown one: never guess
    total += n * scale;
    if (total > kMax) return std::nullopt;
  }
  if (total <= 0) return std::nullopt;
  return milliseconds(total);
}

}  // namespace wgfo::cli

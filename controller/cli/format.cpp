// CLI rendering (see format.hpp).
#include "controller/cli/format.hpp"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
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
  return {
      {"name", t.name()},
      {"interface", t.interface()},
      {"interface_present", t.interface_present()},
      {"local_address", t.local_address()},
      {"peer_address", t.peer_address()},
      {"state", state_name(t.state())},
      {"bfd",
       {
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
       }},
      {"last_change", optional_time(t.has_last_change(), t.last_change())},
  };
}

nlohmann::ordered_json tunnels_json(const v1::ListTunnelsResponse& r) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& t : r.tunnels()) out.push_back(tunnel_json(t));
  return out;
}

std::string tunnels_table(const v1::ListTunnelsResponse& r, std::chrono::system_clock::time_point now) {
  std::vector<std::vector<std::string>> rows{{"Tunnel", "Interface", "State", "Peer", "BFD", "TX/RX ms",
                                              "Mult", "Discr local/remote", "Last diag", "Last change"}};
  for (const auto& t : r.tunnels()) {
    const v1::BfdSession& b = t.bfd();
    std::string last = "never";
    if (t.has_last_change()) {
      const auto when = from_proto(t.last_change());
      last = rfc3339_ms(when) + " (" + ago(when, now) + " ago)";
    }
    rows.push_back({t.name(), t.interface() + (t.interface_present() ? "" : " (missing)"),
                    state_name(t.state()), t.peer_address(), state_name(b.state()),
                    std::to_string(b.tx_interval_ms()) + "/" + std::to_string(b.rx_interval_ms()),
                    std::to_string(b.detect_mult()),
                    std::to_string(b.local_discriminator()) + "/" + std::to_string(b.remote_discriminator()),
                    b.last_diag(), last});
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

}  // namespace wgfo::cli

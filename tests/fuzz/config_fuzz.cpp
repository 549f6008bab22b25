// libFuzzer target for the config loader (controller/config.hpp): load_config_string() promises never
// to throw and never to half-load, whatever the text (an operator's typo, a truncated file, the wrong file).
//
// The whole input is the YAML text.
// 1. Errors: a file either loads with no error or has no Config and at least one error; each error names
//    the file, has a line >= 0 and a message, the list is sorted by line, and format() prints one line.
// 2. A loaded Config keeps the documented limits checked here (names, timers, thresholds, references);
//    its peer keys decode with the WireGuard key parser (the same strict base64 on both sides); and
//    written back as YAML (every value explicit, strings double-quoted) it loads again to the same Config,
//    so the loader accepts every value it produces and reads each key into the right field.
// Any violation aborts (an exception escaping the loader too), which libFuzzer reports as a crash.
//
// Linked with tests/fuzz/replay_main.cpp (normal build), the seed corpus replays as a unit test.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "controller/config.hpp"
#include "controller/wireguard/wg_types.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wgfo;
using Micros = std::chrono::microseconds;

constexpr std::string_view kFile = "fuzz.yaml";

// ---- the Config as flow-style YAML ----

class Writer {
 public:
  using Entries = std::vector<std::pair<std::string_view, std::string>>;

  // Double-quoted; only printable ASCII is written back (anything else and the round trip is skipped).
  std::string str(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
      if (c < 0x20 || c > 0x7e) printable_ = false;
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  static std::string map(const Entries& entries) {
    std::string out = "{";
    for (const auto& [key, value] : entries)
      out += (out.size() > 1 ? ", " : "") + std::string(key) + ": " + value;
    return out + "}";
  }
  static std::string list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const std::string& item : items) out += (out.size() > 1 ? ", " : "") + item;
    return out + "]";
  }
  static std::string num(std::uint64_t v) { return std::to_string(v); }
  static std::string boolean(bool v) { return v ? "true" : "false"; }
  static std::string duration(Micros d) {  // "S.UUUUUUs": exact, and 9 integer digits hold 24h
    const std::string us = std::to_string(d.count() % 1'000'000);
    return std::to_string(d.count() / 1'000'000) + "." + std::string(6 - us.size(), '0') + us + "s";
  }
  static std::string percent(double v) {
    char buf[400];  // fixed notation of a double <= 100: at most ~330 characters
    const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed).ptr;
    return std::string(buf, end) + "%";
  }
  bool printable() const { return printable_; }

 private:
  bool printable_{true};
};

std::string to_yaml(const Config& c, Writer& w) {
  Writer::Entries api{{"socket", w.str(c.api.socket)}, {"socket_group", w.str(c.api.socket_group)}};
  if (!c.api.read_only_socket.empty()) api.emplace_back("read_only_socket", w.str(c.api.read_only_socket));
  if (!c.api.read_only_group.empty()) api.emplace_back("read_only_group", w.str(c.api.read_only_group));
  if (const auto& t = c.api.tcp) {
    std::vector<std::string> clients;
    for (const std::string& name : t->mutating_clients) clients.push_back(w.str(name));
    api.emplace_back("tcp", w.map({{"listen", w.str(t->listen.to_string())},
                                   {"cert", w.str(t->cert)},
                                   {"key", w.str(t->key)},
                                   {"client_ca", w.str(t->client_ca)},
                                   {"mutating_clients", w.list(clients)}}));
  }
  Writer::Entries frr{
      {"staticd", w.str(c.frr.staticd.to_string())},
      {"route_tag", w.num(c.frr.route_tag)},
      {"bgp_signalling", c.frr.bgp_signalling == FrrConfig::BgpSignalling::Tag ? "tag" : "route-map"},
      {"route_map", w.str(c.frr.route_map)}};
  if (c.frr.bgpd) frr.emplace_back("bgpd", w.str(c.frr.bgpd->to_string()));
  const auto timers = [&](const BfdTimers& b) -> Writer::Entries {
    return {{"tx_interval", w.duration(b.tx_interval)},
            {"rx_interval", w.duration(b.rx_interval)},
            {"detect_mult", w.num(b.detect_mult)}};
  };
  std::string out =
      "node: " + w.str(c.node) + "\napi: " + w.map(api) +
      "\nmetrics: " + w.map({{"listen", w.str(c.metrics.listen.to_string())}}) + "\nfrr: " + w.map(frr) +
      "\nprobe: " + w.map({{"port", w.num(c.probe.port)}, {"respond", w.boolean(c.probe.respond)}}) +
      "\nbfd_defaults: " + w.map(timers(c.bfd_defaults)) +
      "\nbfd_thread: " + w.map({{"realtime_priority", w.num(c.bfd_thread.realtime_priority)}}) +
      "\ntunnels:\n";
  for (const TunnelConfig& t : c.tunnels) {
    Writer::Entries bfd = timers(t.bfd);
    bfd.emplace_back("shutdown", w.boolean(t.bfd.shutdown));
    if (!t.bfd.enabled) bfd = {{"enabled", "false"}};  // other keys are refused then
    Writer::Entries e{{"name", w.str(t.name)},
                      {"interface", w.str(t.interface)},
                      {"local_address", w.str(t.local_address.to_string())},
                      {"peer_address", w.str(t.peer_address.to_string())},
                      {"bfd", w.map(bfd)}};
    if (const auto& q = t.quality) {
      Writer::Entries qe{{"probe", q->probe == QualityConfig::Probe::Udp ? "udp" : "icmp"},
                         {"interval", w.duration(q->interval)}};
      if (q->degraded_rtt) qe.emplace_back("degraded_rtt", w.duration(*q->degraded_rtt));
      if (q->recover_rtt) qe.emplace_back("recover_rtt", w.duration(*q->recover_rtt));
      if (q->degraded_loss) qe.emplace_back("degraded_loss", w.percent(*q->degraded_loss));
      if (q->recover_loss) qe.emplace_back("recover_loss", w.percent(*q->recover_loss));
      e.emplace_back("quality", w.map(qe));
    }
    if (const auto& wgc = t.wireguard) {
      std::vector<std::string> endpoints;
      for (const HostPort& hp : wgc->endpoints) endpoints.push_back(w.str(hp.to_string()));
      e.emplace_back("wireguard", w.map({{"peer_public_key", w.str(wgc->peer_public_key)},
                                         {"endpoints", w.list(endpoints)}}));
    }
    if (const auto& l7 = t.l7_check) {
      e.emplace_back("l7_check", w.map({{"target", w.str(l7->target.to_string())},
                                        {"interval", w.duration(l7->interval)},
                                        {"timeout", w.duration(l7->timeout)},
                                        {"fall", w.num(l7->fall)},
                                        {"rise", w.num(l7->rise)}}));
    }
    out += "  - " + w.map(e) + "\n";
  }
  out += "routes:\n";
  for (const RouteConfig& r : c.routes) {
    std::vector<std::string> via;
    for (const std::string& name : r.via) via.push_back(w.str(name));
    const BgpSignal& sig = r.bgp.degraded;
    std::vector<std::string> prepend;
    for (const std::uint32_t asn : sig.as_path_prepend) prepend.push_back(w.num(asn));
    Writer::Entries degraded{{"as_path_prepend", w.list(prepend)}};
    if (sig.community) degraded.emplace_back("community", w.str(*sig.community));
    if (sig.local_preference) degraded.emplace_back("local_preference", w.num(*sig.local_preference));
    out += "  - " +
           w.map({{"prefix", w.str(r.prefix.to_string())},
                  {"mode", std::string(to_string(r.mode))},
                  {"via", w.list(via)},
                  {"kill_switch", w.boolean(r.kill_switch)},
                  {"bgp", w.map({{"degraded", w.map(degraded)}})}}) +
           "\n";
  }
  const DampeningConfig& d = c.policy.dampening;
  out += "policy: " +
         w.map({{"fail_back_hold_down", w.duration(c.policy.fail_back_hold_down)},
                {"dampening", w.map({{"penalty", w.num(d.penalty)},
                                     {"suppress", w.num(d.suppress)},
                                     {"reuse", w.num(d.reuse)},
                                     {"half_life", w.duration(d.half_life)},
                                     {"max_suppress", w.duration(d.max_suppress)}})}}) +
         "\n";
  if (c.audit) out += "audit: " + w.map({{"file", w.str(c.audit->file)}}) + "\n";
  return out;
}

// ---- checks ----

void check_limits(const Config& c) {
  FUZZ_CHECK(!c.node.empty() && c.node.size() <= 64 && !c.tunnels.empty());
  for (const TunnelConfig& t : c.tunnels) {
    FUZZ_CHECK(!t.name.empty() && t.name.size() <= 64 && c.find_tunnel(t.name) == &t);  // unique
    FUZZ_CHECK(!t.interface.empty() && t.interface.size() <= 15);
    FUZZ_CHECK(t.local_address.family() == t.peer_address.family() && t.local_address != t.peer_address);
    FUZZ_CHECK(t.bfd.tx_interval >= 10ms && t.bfd.tx_interval <= 60s && t.bfd.detect_mult >= 1);
    FUZZ_CHECK(t.bfd.rx_interval >= 10ms && t.bfd.rx_interval <= 60s);
    FUZZ_CHECK(t.bfd.enabled || t.quality || t.wireguard || t.l7_check);  // something notices it is down
    if (const auto& q = t.quality) {
      FUZZ_CHECK(q->degraded_rtt || q->degraded_loss);
      FUZZ_CHECK(q->recover_rtt.has_value() == q->degraded_rtt.has_value() &&
                 q->recover_rtt <= q->degraded_rtt);
      FUZZ_CHECK(q->recover_loss.has_value() == q->degraded_loss.has_value());
      FUZZ_CHECK(q->recover_loss <= q->degraded_loss && q->degraded_loss.value_or(0) <= 100);
    }
    if (const auto& wgc = t.wireguard) {
      const auto key = wgfo::wg::key_from_base64(wgc->peer_public_key);
      FUZZ_CHECK(wgfo::wg::error_of(key) == nullptr);
      FUZZ_CHECK(wgfo::wg::key_to_base64(std::get<wgfo::wg::Key>(key)) == wgc->peer_public_key);
      FUZZ_CHECK(wgc->endpoints.size() <= 16);
    }
    if (const auto& l7 = t.l7_check)
      FUZZ_CHECK(l7->timeout <= l7->interval && l7->fall >= 1 && l7->rise >= 1);
  }
  for (const RouteConfig& r : c.routes) {
    FUZZ_CHECK(r.prefix.is_masked() && !r.via.empty() && r.via.size() <= 24);
    for (const std::string& name : r.via) FUZZ_CHECK(c.find_tunnel(name) != nullptr);
    if (!r.bgp.degraded.empty()) FUZZ_CHECK(c.frr.bgpd.has_value());
  }
  FUZZ_CHECK(c.frr.route_tag >= 1 && c.frr.route_tag <= UINT32_MAX - FrrConfig::kOwnedTags + 1);
  const DampeningConfig& d = c.policy.dampening;
  FUZZ_CHECK(d.reuse < d.suppress && d.half_life <= d.max_suppress);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const LoadResult r = load_config_string(yaml, kFile);
  FUZZ_CHECK(r.config.has_value() == r.errors.empty());
  for (std::size_t i = 0; i < r.errors.size(); ++i) {
    const ConfigError& e = r.errors[i];
    FUZZ_CHECK(e.file == kFile && e.line >= 0 && !e.message.empty());
    FUZZ_CHECK(i == 0 || r.errors[i - 1].line <= e.line);
    FUZZ_CHECK(format(e).find('\n') == std::string::npos);
  }
  if (!r.config) return 0;
  check_limits(*r.config);
  Writer w;
  const std::string again_yaml = to_yaml(*r.config, w);
  if (!w.printable()) return 0;
  const LoadResult again = load_config_string(again_yaml, kFile);
  if (!again.config) {
    for (const ConfigError& e : again.errors) std::fprintf(stderr, "%s\n", format(e).c_str());
    std::fprintf(stderr, "%s", again_yaml.c_str());
  }
  FUZZ_CHECK(again.config == r.config);
  return 0;
}

// libFuzzer target for the operator API's mutating requests (controller/daemon_api.cpp) on the core they
// adapt to (controller/core.hpp): drain, undrain, set and clear an override, reload, each also as a dry
// run on a copy of the core without an event sink (as Daemon::mutate and Daemon::reload make it),
// interleaved with the inputs the daemon feeds the core (BFD state changes, link state, quality samples,
// WireGuard progress, L7 results) and with time passing, the policy timer firing at every
// next_deadline() on the way, as the daemon's does.
//
// The input is a program: an opcode byte per step, then its arguments (reads past the end give 0). The
// core starts from a fixed valid configuration of three tunnels and three routes. Tunnel names are the
// fuzzer's: a configured one, one that a reload removed, empty, raw bytes (not UTF-8, NULs), a configured
// name one byte longer or shorter, or a very long one. Preferences take the whole uint32 range and ttl_ms
// the whole int64 range, converted by override_ttl() as the API handler does.
// After every step:
// 1. A refused request (an error string) changed nothing observable: routes, tunnel views, events and
//    the next deadline are as before. Whether a request is accepted follows the API's documented rules
//    (known tunnel; preference 1..24; 0 < ttl_ms <= 7 days; an override to clear), so an override of an
//    unknown tunnel is never accepted; an accepted one shows in the tunnel's view and nowhere else.
// 2. A dry run leaves the core as it was and reports no event, and it predicts the real call: the same
//    request on another copy, with an event sink, gives the same answer, routes and views. A reload
//    keeps the drain and the override of every tunnel that keeps its name.
// 3. Time never goes backwards in the outputs: events come in time order, each at the time of the input
//    that caused it; last_change is never in the future and never moves back; a standing override ends
//    in the future.
// 4. The policy timer makes progress: after on_timer(now), next_deadline() is later than now (else the
//    daemon, which re-arms its timer at next_deadline(), would spin).
// 5. Routing follows the operator: a drained tunnel carries no route, and an active-passive route whose
//    only preference-1 tunnel is UP uses that tunnel.
// Any violation aborts, as does an exception escaping (std::terminate), which libFuzzer reports as a crash.
//
// Linked with tests/fuzz/replay_main.cpp (normal build), the seed corpus replays as a unit test.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "controller/config.hpp"
#include "controller/core.hpp"
#include "controller/route_intent.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace std::chrono_literals;
using namespace wgfo;
using Micros = std::chrono::microseconds;
using Wall = std::chrono::system_clock::time_point;

// ---- the fixed configuration and the one a reload switches to ----

constexpr std::string_view kConfig = R"(node: fuzz
frr: {bgpd: "127.0.0.1:50052"}
tunnels:
  - name: primary
    interface: wg0
    local_address: 10.255.0.1
    peer_address: 10.255.0.2
    quality: {degraded_rtt: 50ms, recover_rtt: 30ms}
    wireguard:
      peer_public_key: "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
      endpoints: ["192.0.2.1:51820", "192.0.2.2:51820", "192.0.2.3:51820"]
  - name: backup
    interface: wg1
    local_address: "fd00::1"
    peer_address: "fd00::2"
    l7_check: {target: "[fd00::2]:443"}
  - name: cloud
    interface: wg2
    local_address: 10.255.1.1
    peer_address: 10.255.1.2
    bfd: {enabled: false}
    quality: {degraded_loss: 20%, recover_loss: 5%}
routes:
  - prefix: 10.0.0.0/8
    via: [primary, backup, cloud]
    kill_switch: true
    bgp: {degraded: {community: "65000:1"}}
  - {prefix: "2001:db8::/32", mode: ecmp, via: [primary, backup]}
  - {prefix: 192.168.0.0/16, via: [cloud, primary]}
policy: {fail_back_hold_down: 2s, dampening: {half_life: 1s, max_suppress: 4s}}
)";

// The names a request picks from: every tunnel of kConfig (a reload may remove one) and interfaces.
constexpr std::array<std::string_view, 3> kTunnels = {"primary", "backup", "cloud"};
constexpr std::array<std::string_view, 4> kInterfaces = {"wg0", "wg1", "wg2", "wg9"};

struct Configs {
  Config full;
  Config reduced;  // "backup" removed, primary's endpoint pool shrunk, BFD turned on for cloud
};

const Configs& configs() {
  static const Configs c = [] {
    const LoadResult r = load_config_string(kConfig, "api_request_fuzz.yaml");
    for (const ConfigError& e : r.errors) std::fprintf(stderr, "%s\n", format(e).c_str());
    FUZZ_CHECK(r.config.has_value());
    Configs out{*r.config, *r.config};
    Config& next = out.reduced;
    std::erase_if(next.tunnels, [](const TunnelConfig& t) { return t.name == "backup"; });
    for (RouteConfig& route : next.routes) std::erase(route.via, "backup");
    next.tunnels[0].wireguard->endpoints.resize(1);
    next.tunnels[1].bfd.enabled = true;
    return out;
  }();
  return c;
}

// ---- reading the program ----

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> d) : d_(d) {}
  bool done() const { return pos_ >= d_.size(); }
  std::uint8_t byte() { return pos_ < d_.size() ? d_[pos_++] : 0; }
  template <class T>
  T raw() {  // little-endian
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v |= std::uint64_t{byte()} << (8 * i);
    return static_cast<T>(v);
  }

  std::string name() {
    const std::uint8_t b = byte();
    const std::string known(kTunnels[std::size_t{b} / 8 % kTunnels.size()]);
    switch (b & 7) {
      case 4:
        return {};
      case 5: {  // raw bytes: not UTF-8, NULs, quotes
        std::string s(byte(), '\0');
        for (char& c : s) c = static_cast<char>(byte());
        return s;
      }
      case 6:  // one byte more (a NUL, a space, ...) or one less
        return b & 0x80 ? known + static_cast<char>(byte()) : known.substr(0, known.size() - 1);
      case 7:  // 1 KiB .. 64 KiB
        return std::string(std::size_t{1024} << (byte() % 7), static_cast<char>(b));
      default:
        return known;
    }
  }

  std::uint32_t preference() {
    const std::uint8_t b = byte();
    switch (b & 3) {
      case 0:
        return std::uint32_t{b} / 4;  // 0..63: around the valid 1..24
      case 1:
        return std::numeric_limits<std::uint32_t>::max() - std::uint32_t{b} / 4;
      default:
        return raw<std::uint32_t>();
    }
  }

  std::int64_t ttl_ms() {
    constexpr std::int64_t kWeek = 7LL * 24 * 3600 * 1000;
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    constexpr std::array<std::int64_t, 8> kEdges = {0,         -1,   kWeek, kWeek + 1,
                                                    kWeek - 1, kMin, kMax,  kMax / 1000};
    const std::uint8_t b = byte();
    switch (b & 3) {
      case 0:
        return kEdges[std::size_t{b} / 4 % kEdges.size()];
      case 1:  // up to ~11 min, so that overrides also expire within a program
        return std::int64_t{raw<std::uint16_t>()} * 10;
      default:
        return raw<std::int64_t>();
    }
  }

  // A step of time: at most 10 minutes (a rotating endpoint pool fires the timer every 5 s), plus up to
  // 15 us to land just before or after a deadline.
  Micros delay() {
    constexpr std::array<Micros, 16> kSteps = {0us, 1us, 1ms, 10ms, 100ms, 500ms, 999ms, 1s,
                                               2s,  3s,  5s,  15s,  30s,   1min,  2min,  10min};
    const std::uint8_t b = byte();
    return kSteps[b & 15] + Micros{b >> 4};
  }

 private:
  std::span<const std::uint8_t> d_;
  std::size_t pos_{0};
};

// ---- what the outside sees of a core ----

struct TunnelSeen {
  std::string name;
  TunnelState state;
  std::optional<Wall> last_change;
  bool standby, suppressed, drained;
  double penalty;
  std::optional<std::uint32_t> prefer;
  std::optional<Wall> prefer_until;
  bool operator==(const TunnelSeen&) const = default;
};

struct RouteSeen {
  IpPrefix prefix;
  std::vector<std::string> active;
  bool kill_switch, signalled;
  bool operator==(const RouteSeen&) const = default;
};

struct Seen {
  std::vector<TunnelSeen> tunnels;
  std::vector<RouteSeen> routes;
  std::size_t events;
  std::string last_event;  // time, tunnel and cause: a new event shows also once the history is full
  std::optional<MonoTime> deadline;
  bool operator==(const Seen&) const = default;

  const TunnelSeen* find(std::string_view name) const {
    for (const TunnelSeen& t : tunnels)
      if (t.name == name) return &t;
    return nullptr;
  }
};

Seen observe(const Core& core, const Config& config, Instant now) {
  Seen s{{}, {}, core.events().size(), {}, core.next_deadline()};
  if (!core.events().empty()) {
    const TunnelEvent& e = core.events().back();
    s.last_event = std::to_string(e.time.time_since_epoch().count()) + " " + e.tunnel + ": " + e.cause;
  }
  for (const TunnelView& v : core.tunnels({}, now)) {
    s.tunnels.push_back({v.name, v.state, v.last_change, v.standby, v.suppressed, v.drained, v.penalty,
                         v.prefer, v.prefer_until});
  }
  const auto routing = [&core](std::string_view name) { return core.routing_of(name); };
  for (RouteView& r : route_views(config, routing))
    s.routes.push_back({r.prefix, std::move(r.active), r.kill_switch, r.signalled});
  return s;
}

// ---- the requests ----

enum class Kind : std::uint8_t { Drain, Undrain, SetOverride, ClearOverride };

struct Request {
  Kind kind;
  std::string name;
  std::uint32_t prefer{0};
  std::int64_t ttl_ms{0};
};

// The handler's call into the core (daemon_api.cpp).
std::optional<std::string> call(Core& core, const Request& r, Instant at) {
  switch (r.kind) {
    case Kind::Drain:
      return core.set_drained(r.name, true, at);
    case Kind::Undrain:
      return core.set_drained(r.name, false, at);
    case Kind::SetOverride:
      return core.set_override(r.name, r.prefer, override_ttl(r.ttl_ms), at);
    case Kind::ClearOverride:
      return core.clear_override(r.name, at);
  }
  std::abort();
}

// Whether the request must be accepted, from the API's rules (failover.proto), not from the core.
bool allowed(const Request& r, const Config& config, const Seen& before) {
  if (!config.find_tunnel(r.name)) return false;
  switch (r.kind) {
    case Kind::SetOverride:
      return r.prefer >= 1 && r.prefer <= 24 && r.ttl_ms > 0 && r.ttl_ms <= 7LL * 24 * 3600 * 1000;
    case Kind::ClearOverride:
      return before.find(r.name)->prefer.has_value();
    default:
      return true;
  }
}

class Harness {
 public:
  Harness() : core_([this](const TunnelEvent& e) { on_event(e); }) {
    core_.apply_config(config_, now_);
    after_input();
  }

  void step(Reader& in) {
    const std::uint8_t op = in.byte();
    const bool flag = (op & 0x80) != 0;  // dry run, or the boolean of a signal
    switch (op & 15) {
      case 0:
      case 1:
      case 2:
      case 3: {
        Request r{static_cast<Kind>(op & 3), in.name()};
        if (r.kind == Kind::SetOverride) r.prefer = in.preference(), r.ttl_ms = in.ttl_ms();
        request(r, flag);
        break;
      }
      case 4:
        reload(in.byte() & 1 ? configs().reduced : configs().full, flag);
        break;
      case 5: {
        const auto from = static_cast<bfd::State>(in.byte() & 3);
        const auto to = static_cast<bfd::State>(in.byte() & 3);
        const auto diag = static_cast<bfd::Diag>(in.byte() & 31);
        const std::string name = in.name();
        signal(name, [&] { core_.on_bfd_event({name, {from, to, diag}, now_.mono, now_.wall}); });
        break;
      }
      case 6:
        core_.on_link(kInterfaces[in.byte() % kInterfaces.size()], static_cast<LinkState>(in.byte() & 3),
                      now_);
        break;
      case 7: {
        QualitySample q;
        q.samples = in.byte();
        if (const std::uint8_t rtt = in.byte()) q.rtt = Micros{std::int64_t{rtt} * 1000};
        q.loss_percent = in.byte() % 101;
        const std::string name = in.name();
        signal(name, [&] { core_.on_quality(name, q, now_); });
        break;
      }
      case 8: {
        const std::string name = in.name();
        signal(name, [&] { core_.on_wireguard(name, flag, now_); });
        break;
      }
      case 9: {
        const std::string name = in.name();
        signal(name, [&] { core_.on_l7(name, flag, flag ? "l7: connect failed" : "l7: connect ok", now_); });
        break;
      }
      default:
        advance(in.delay(), in.delay());
        break;
    }
    after_input();
  }

 private:
  // A signal for a tunnel; one for a name that is not configured is ignored (core.hpp).
  template <class Fn>
  void signal(std::string_view tunnel, Fn fn) {
    if (config_.find_tunnel(tunnel)) return fn();
    const Seen before = observe(core_, config_, now_);
    fn();
    FUZZ_CHECK(observe(core_, config_, now_) == before);
  }

  // A dry run (Daemon::mutate, Daemon::reload): `action` on a copy of the core without an event sink. The
  // core stays as it was, and the copy predicts the real call, made on another copy with an event sink.
  // Returns the copy and the action's answer.
  template <class Action>
  auto dry_run(const Action& action, const Config& config_after) {
    const Seen before = observe(core_, config_, now_);
    const std::size_t sunk = events_;
    std::pair<Core, decltype(action(core_))> out{core_, {}};
    Core& scratch = out.first;
    scratch.set_event_sink({});
    out.second = action(scratch);
    FUZZ_CHECK(observe(core_, config_, now_) == before && events_ == sunk);
    Core real = core_;
    std::size_t real_events = 0;
    real.set_event_sink([&](const TunnelEvent&) { ++real_events; });
    FUZZ_CHECK(action(real) == out.second);
    FUZZ_CHECK(observe(real, config_after, now_) == observe(scratch, config_after, now_));
    FUZZ_CHECK(scratch.events().size() == std::min(Core::kEventHistory, before.events + real_events));
    return out;
  }

  // Daemon::mutate: the action on the core, or for a dry run on a copy.
  void request(const Request& r, bool dry) {
    const Seen before = observe(core_, config_, now_);
    const std::size_t sunk = events_;
    const auto action = [&](Core& core) { return call(core, r, now_); };
    if (dry) {
      const auto [scratch, refused] = dry_run(action, config_);
      check_answer(r, before, refused, observe(scratch, config_, now_));
      return;
    }
    const auto refused = action(core_);
    check_answer(r, before, refused, observe(core_, config_, now_));
    if (refused) FUZZ_CHECK(events_ == sunk);
  }

  void check_answer(const Request& r, const Seen& before, const std::optional<std::string>& refused,
                    const Seen& after) const {
    FUZZ_CHECK(refused.has_value() != allowed(r, config_, before));
    if (refused) {
      FUZZ_CHECK(!refused->empty());
      FUZZ_CHECK(after == before);
      return;
    }
    // Accepted: the tunnel shows it, and no other tunnel's drain or override moved.
    FUZZ_CHECK(after.tunnels.size() == before.tunnels.size());
    for (std::size_t i = 0; i < after.tunnels.size(); ++i) {
      const TunnelSeen& a = after.tunnels[i];
      const TunnelSeen& b = before.tunnels[i];
      if (a.name != r.name) {
        FUZZ_CHECK(a.drained == b.drained && a.prefer == b.prefer && a.prefer_until == b.prefer_until);
        continue;
      }
      switch (r.kind) {
        case Kind::Drain:
          FUZZ_CHECK(a.drained && a.state == TunnelState::AdminDown);
          break;
        case Kind::Undrain:
          FUZZ_CHECK(!a.drained);
          break;
        case Kind::SetOverride:
          FUZZ_CHECK(a.prefer == r.prefer &&
                     a.prefer_until == now_.wall + std::chrono::milliseconds(r.ttl_ms));
          FUZZ_CHECK(after.events == std::min(Core::kEventHistory, before.events + 1));
          break;
        case Kind::ClearOverride:
          FUZZ_CHECK(!a.prefer && !a.prefer_until);
          break;
      }
    }
  }

  // Daemon::reload with a configuration that validated.
  void reload(const Config& next, bool dry) {
    const Seen before = observe(core_, config_, now_);
    const auto action = [&](Core& core) { return core.apply_config(next, now_); };
    if (dry) {
      const auto [scratch, specs] = dry_run(action, next);
      check_reload(next, before, specs, observe(scratch, next, now_));
      return;
    }
    const std::vector<bfd::io::SessionSpec> specs = action(core_);
    check_reload(next, before, specs, observe(core_, next, now_));
    config_ = next;
    std::erase_if(last_change_, [&](const auto& entry) { return !config_.find_tunnel(entry.first); });
  }

  // One BFD session per tunnel with BFD, in config order; the tunnels of `next` in its order, and those
  // that keep their name keep their drain and override.
  static void check_reload(const Config& next, const Seen& before,
                           const std::vector<bfd::io::SessionSpec>& specs, const Seen& after) {
    std::size_t bfd_tunnels = 0;
    for (const TunnelConfig& t : next.tunnels) {
      if (!t.bfd.enabled) continue;
      FUZZ_CHECK(bfd_tunnels < specs.size() && specs[bfd_tunnels].name == t.name);
      ++bfd_tunnels;
    }
    FUZZ_CHECK(specs.size() == bfd_tunnels);
    FUZZ_CHECK(after.tunnels.size() == next.tunnels.size());
    for (std::size_t i = 0; i < next.tunnels.size(); ++i) {
      const TunnelSeen& a = after.tunnels[i];
      FUZZ_CHECK(a.name == next.tunnels[i].name);
      if (const TunnelSeen* b = before.find(a.name))
        FUZZ_CHECK(a.drained == b->drained && a.prefer == b->prefer && a.prefer_until == b->prefer_until);
      else
        FUZZ_CHECK(!a.drained && !a.prefer && !a.last_change);
    }
  }

  // Time passes by `d`; the policy timer fires `late` after each deadline on the way.
  void advance(Micros d, Micros late) {
    const MonoTime until = now_.mono + d;
    while (const auto deadline = core_.next_deadline()) {
      if (*deadline > until) break;
      set_now(std::clamp(*deadline + late, now_.mono, until));
      const std::size_t transitions = transitions_;
      core_.on_timer(now_);
      const auto next = core_.next_deadline();
      FUZZ_CHECK(!next || *next > now_.mono);
      take_endpoint_tries();
      if (transitions_ != transitions) check_state();  // (most timers only rotate an endpoint)
    }
    set_now(until);
    // Every override due by now has expired.
    for (const TunnelSeen& t : observe(core_, config_, now_).tunnels)
      FUZZ_CHECK(!t.prefer_until || *t.prefer_until > now_.wall);
  }

  void set_now(MonoTime mono) {
    FUZZ_CHECK(mono >= now_.mono);
    now_.wall += std::chrono::duration_cast<Wall::duration>(mono - now_.mono);  // the clocks in step
    now_.mono = mono;
  }

  void on_event(const TunnelEvent& e) {
    FUZZ_CHECK(e.time == now_.wall && e.time >= last_event_);
    FUZZ_CHECK(config_.find_tunnel(e.tunnel) != nullptr);
    last_event_ = e.time;
    ++events_;
    if (e.from != e.to) ++transitions_;
  }

  // After each input, what the daemon's after_core_input() reads: endpoint tries and routes.
  void after_input() {
    take_endpoint_tries();
    check_state();
  }

  void take_endpoint_tries() {
    for (const EndpointTry& t : core_.take_endpoint_tries()) {
      const TunnelConfig* tc = config_.find_tunnel(t.tunnel);
      FUZZ_CHECK(tc && tc->interface == t.interface && tc->wireguard &&
                 tc->wireguard->peer_public_key == t.peer_public_key);
      const auto& pool = tc->wireguard->endpoints;
      FUZZ_CHECK(pool.size() >= 2 && std::find(pool.begin(), pool.end(), t.endpoint) != pool.end());
    }
  }

  void check_state() {
    const Seen s = observe(core_, config_, now_);
    for (const TunnelSeen& t : s.tunnels) {
      FUZZ_CHECK(!t.drained || t.state == TunnelState::AdminDown);
      FUZZ_CHECK(!t.prefer || (*t.prefer >= 1 && *t.prefer <= Core::kMaxPrefer));
      FUZZ_CHECK(!t.last_change || *t.last_change <= now_.wall);
      std::optional<Wall>& seen = last_change_[t.name];
      FUZZ_CHECK(!seen || (t.last_change && *t.last_change >= *seen));
      seen = t.last_change;
    }
    for (std::size_t i = 0; i < s.routes.size(); ++i) check_route(config_.routes[i], s.routes[i], s);
  }

  static void check_route(const RouteConfig& config, const RouteSeen& route, const Seen& s) {
    for (const std::string& name : route.active) {
      const TunnelSeen* t = s.find(name);
      FUZZ_CHECK(t && std::find(config.via.begin(), config.via.end(), name) != config.via.end());
      FUZZ_CHECK(!t->drained && (usable(t->state) || t->standby));
    }
    if (config.mode != RouteConfig::Mode::ActivePassive) return;
    const TunnelSeen* first = nullptr;
    for (const std::string& name : config.via) {
      const TunnelSeen* t = s.find(name);
      FUZZ_CHECK(t);
      if (t->prefer != 1U) continue;
      if (first) return;  // two tunnels want to be first: via order decides between them
      first = t;
    }
    if (first && first->state == TunnelState::Up && !first->standby)
      FUZZ_CHECK(!route.active.empty() && route.active.front() == first->name);
  }

  Config config_ = configs().full;
  Instant now_{MonoTime{} + 1000h, Wall{} + std::chrono::seconds{1'700'000'000}};
  Core core_;
  std::size_t events_{0};
  std::size_t transitions_{0};
  Wall last_event_{};
  std::map<std::string, std::optional<Wall>, std::less<>> last_change_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(std::span<const std::uint8_t>(data, size));
  Harness h;
  for (int steps = 0; !in.done() && steps < 1000; ++steps) h.step(in);
  return 0;
}

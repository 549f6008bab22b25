#pragma once
// wg-failoverd configuration: the typed model of the YAML file (DESIGN.md, "Configuration") and its
// loader. Loading either yields a complete, validated Config or a list of errors, one per problem,
// each naming file, line and key ("tunnels[1].bfd.tx_interval"); a bad file never yields a partial
// Config and the loader never throws. Unknown keys are errors, so a typo cannot silently fall back to
// a default. deploy/examples/wg-failover.yaml is the annotated reference for operators.
//
// Value syntax
//   durations    a number with a unit, no space: 250us, 50ms, 1.5s, 2m, 1h (a bare number is refused:
//                "is it seconds or milliseconds?" must never be guessed).
//   percentages  a number with '%': 5%, 0.5% (0..100).
//   booleans     true | false.
//   host:port    127.0.0.1:9470, [::1]:9470; a host name is accepted only for frr.* and
//                wireguard endpoints.
//   null         `key:` or `key: null` on an optional key means "not set" (automation emits this);
//                on a required key it is an error.
//
// Defaults and limits (where DESIGN.md is silent, chosen here)
//   api.socket /run/wg-failover/api.sock (absolute, < 108 bytes), api.socket_group frrvty
//   metrics.listen 127.0.0.1:9470 (IP only: it is a bind address)
//   frr.staticd 127.0.0.1:50051 (FRR's grpc module default port), frr.bgpd unset (no BGP signalling),
//   frr.route_tag 4242 (1..4294967280: the daemon owns route_tag .. route_tag+15),
//   frr.bgp_signalling tag (| route-map), frr.route_map WG-FAILOVER (1..63 of [A-Za-z0-9_.-])
//   bfd_defaults tx_interval 50ms, rx_interval 50ms (each 10ms..60s), detect_mult 3 (1..255);
//   a tunnel's bfd block overrides them key by key, and adds shutdown (default false), enabled
//   (default true) and authentication: type keyed-sha1 | meticulous-keyed-sha1 (default), key_id 1
//   (0..255) and secret_file (required; an absolute path to a file of 1..20 bytes, a trailing
//   newline not counted, not readable by other users). `bfd: {enabled: false}` is for a peer that
//   runs no BFD (a cloud VPN endpoint, a plain wg-quick box): no session, and no other bfd key (it
//   would have no effect). Such a tunnel needs another way to notice that it is down: quality probes
//   (a quality block with a threshold; a round of probes with no reply at all is DOWN), WireGuard
//   receive progress (a wireguard block) or an l7_check.
//   node and tunnel names: 1..64 of [A-Za-z0-9_.-], not starting with '-' or '.' (they appear in CLI
//   commands, JSON and metric labels); socket_group: the same, 1..32;
//   interface: a Linux ifname (1..15 bytes, no '/', ':' or whitespace); local_address and
//   peer_address: unicast, same family, not equal; (interface, local_address, peer_address) unique
//   quality: each threshold optional; rtt 1ms..60s; a recover threshold needs its degraded one; a
//   missing recover threshold equals the degraded one (no hysteresis); a block with no threshold is
//   unset (no probes run); probe udp (default) | icmp, interval 100ms (10ms..10s)
//   probe.port 9471 (1..65535), probe.respond true: the responder for peers' UDP quality probes
//   bfd_thread.realtime_priority 0 (0 = off, 1..99 = SCHED_FIFO priority of the BFD I/O thread)
//   wireguard.endpoints: optional (a roaming peer has none), at most 16, no duplicates
//   l7_check: optional; target IP:port (required, same family as local_address), interval 2s
//   (100ms..1h), timeout 1s (10ms..interval), fall 3 and rise 2 (1..100)
//   routes: optional; mode active-passive (default) | ecmp; kill_switch false (opt-in: it blackholes
//   the prefix); bgp.degraded needs frr.bgpd. as_path_prepend is a list of ASNs (1..4294967295, at
//   most 10) prepended as given, e.g. [65001, 65001].
//   policy.fail_back_hold_down 30s (0s..1h); dampening penalty 1000, suppress 2000, reuse 750
//   (each 1..100000, reuse < suppress), half_life 15s (1s..1h), max_suppress 120s
//   (half_life..24h).
//   files larger than 16 MiB are refused.
//   audit: optional (absent = no audit log); audit.file is required in it, an absolute path to a file
//   (e.g. /var/log/wg-failover/audit.log) that gets one JSON line per route or BGP change
//   (controller/audit_log.hpp). The daemon creates it (mode 0640) and reopens it on SIGHUP, so
//   logrotate can move it away and then signal the daemon.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/ip.hpp"

namespace wgfo {

// RFC 5880 §6.7.4 authentication of one tunnel's session. The secret lives in its own file (like a
// WireGuard key) so the config file can be shared and versioned; it is read when the config loads and
// is never logged, printed or returned by the API.
struct BfdAuthentication {
  enum class Type { KeyedSha1, MeticulousKeyedSha1 };
  static constexpr std::size_t kMaxSecret = 20;  // §4.4: the key fills a 20-byte digest field

  Type type{Type::MeticulousKeyedSha1};
  std::uint8_t key_id{1};  // BIRD numbers a password 1 when no id is given
  std::string secret_file;
  std::string secret;  // the file's contents without a trailing newline, 1..20 bytes

  friend bool operator==(const BfdAuthentication&, const BfdAuthentication&) = default;
};

struct BfdTimers {
  std::chrono::microseconds tx_interval{std::chrono::milliseconds{50}};  // desired min TX interval
  std::chrono::microseconds rx_interval{std::chrono::milliseconds{50}};  // required min RX interval
  std::uint8_t detect_mult{3};
  bool shutdown{false};  // per tunnel only: session held AdminDown, like FRR's bfd peer "shutdown"
  bool enabled{true};    // per tunnel only: false = the peer runs no BFD, no session at all
  std::optional<BfdAuthentication> authentication;  // per tunnel only

  friend bool operator==(const BfdTimers&, const BfdTimers&) = default;
};

// Thresholds that move a tunnel between up and degraded; loss values are percentages (0..100). The
// numbers come from probes through the tunnel every `interval`: our UDP probe, which a peer running
// wg-failover answers (controller/probe/probe_packet.hpp), or ICMP echo for any other peer.
struct QualityConfig {
  enum class Probe { Udp, Icmp };

  std::optional<std::chrono::microseconds> degraded_rtt;
  std::optional<double> degraded_loss;
  std::optional<std::chrono::microseconds> recover_rtt;
  std::optional<double> recover_loss;
  Probe probe{Probe::Udp};
  std::chrono::microseconds interval{std::chrono::milliseconds{100}};

  friend bool operator==(const QualityConfig&, const QualityConfig&) = default;
};

struct WireguardConfig {
  std::string peer_public_key;      // base64 of 32 bytes, as `wg pubkey` prints it
  std::vector<HostPort> endpoints;  // in preference order

  friend bool operator==(const WireguardConfig&, const WireguardConfig&) = default;
};

// An application-level check through the tunnel: a TCP connect to `target` from the tunnel's local
// address, bound to its interface, every `interval`. `fall` failures in a row make the tunnel DOWN,
// `rise` successes in a row clear that (like keepalived's TCP_CHECK, but inside the tunnel).
struct L7CheckConfig {
  HostPort target;  // an IP literal and port behind the peer
  std::chrono::microseconds interval{std::chrono::seconds{2}};
  std::chrono::microseconds timeout{std::chrono::seconds{1}};
  std::uint8_t fall{3};
  std::uint8_t rise{2};

  friend bool operator==(const L7CheckConfig&, const L7CheckConfig&) = default;
};

struct TunnelConfig {
  std::string name;
  std::string interface;
  IpAddress local_address;  // BFD source and destination, inside the tunnel
  IpAddress peer_address;
  BfdTimers bfd;  // bfd_defaults with this tunnel's overrides applied
  std::optional<QualityConfig> quality;
  std::optional<WireguardConfig> wireguard;
  std::optional<L7CheckConfig> l7_check;

  friend bool operator==(const TunnelConfig&, const TunnelConfig&) = default;
};

// BGP attributes a route carries while its active path is degraded (written as a bgpd route-map).
struct BgpSignal {
  std::optional<std::string> community;  // "ASN:VALUE" or an FRR well-known name (no-export, ...)
  std::optional<std::uint32_t> local_preference;
  std::vector<std::uint32_t> as_path_prepend;  // ASNs, prepended in this order

  bool empty() const { return !community && !local_preference && as_path_prepend.empty(); }
  friend bool operator==(const BgpSignal&, const BgpSignal&) = default;
};

struct RouteBgp {
  BgpSignal degraded;

  friend bool operator==(const RouteBgp&, const RouteBgp&) = default;
};

struct RouteConfig {
  enum class Mode { ActivePassive, Ecmp };

  IpPrefix prefix;  // masked (no host bits)
  Mode mode{Mode::ActivePassive};
  std::vector<std::string> via;  // tunnel names; for active-passive the order is preference
  bool kill_switch{false};       // blackhole at distance 250 when no tunnel is usable
  RouteBgp bgp;

  friend bool operator==(const RouteConfig&, const RouteConfig&) = default;
};

std::string_view to_string(RouteConfig::Mode mode);  // "active-passive" | "ecmp"

// Flap dampening of a tunnel's state (RFC 2439 style: each flap adds penalty, which decays with
// half_life; above suppress the tunnel is held unusable until it decays below reuse).
struct DampeningConfig {
  std::uint32_t penalty{1000};
  std::uint32_t suppress{2000};
  std::uint32_t reuse{750};
  std::chrono::microseconds half_life{std::chrono::seconds{15}};
  std::chrono::microseconds max_suppress{std::chrono::seconds{120}};

  friend bool operator==(const DampeningConfig&, const DampeningConfig&) = default;
};

struct PolicyConfig {
  std::chrono::microseconds fail_back_hold_down{std::chrono::seconds{30}};
  DampeningConfig dampening;

  friend bool operator==(const PolicyConfig&, const PolicyConfig&) = default;
};

// api.tcp: gRPC over TCP with mutual TLS, for network automation on other hosts. Every client whose
// certificate client_ca signed may read; only those whose certificate common name is listed in
// mutating_clients may change anything (a dry run changes nothing and is allowed to all).
struct ApiTcpConfig {
  HostPort listen;
  std::string cert;       // PEM, the server's certificate chain
  std::string key;        // PEM, its private key
  std::string client_ca;  // PEM, the CA(s) whose client certificates are accepted
  std::vector<std::string> mutating_clients;

  friend bool operator==(const ApiTcpConfig&, const ApiTcpConfig&) = default;
};

struct ApiConfig {
  std::string socket{"/run/wg-failover/api.sock"};  // read and change, for socket_group
  std::string socket_group{"frrvty"};
  // Optional second socket that serves the read-only RPCs only (and dry runs), e.g. for monitoring
  // users; read_only_group empty = the daemon's own group.
  std::string read_only_socket;
  std::string read_only_group;
  std::optional<ApiTcpConfig> tcp;

  friend bool operator==(const ApiConfig&, const ApiConfig&) = default;
};

// The UDP probe responder: it answers peers' quality probes on every tunnel's local address.
struct ProbeConfig {
  std::uint16_t port{9471};
  bool respond{true};

  friend bool operator==(const ProbeConfig&, const ProbeConfig&) = default;
};

struct MetricsConfig {
  HostPort listen{"127.0.0.1", 9470};

  friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

struct FrrConfig {
  // How BGP signals reach bgpd. Tag: the route-map entries (match tag -> set ...) are written once
  // and a state change only flips the static route's tag in staticd. RouteMap: the entries match
  // prefix-lists the daemon rewrites on every change (bgpd re-evaluates after its delay-timer).
  enum class BgpSignalling { Tag, RouteMap };
  // Static routes carrying route_tag .. route_tag + kOwnedTags - 1 are the daemon's: the base tag
  // for normal routes, the others for routes that carry a BGP signal (tag signalling).
  static constexpr std::uint32_t kOwnedTags = 16;

  HostPort staticd{"127.0.0.1", 50051};
  std::optional<HostPort> bgpd;  // BGP signalling is off without it
  std::uint32_t route_tag{4242};
  BgpSignalling bgp_signalling{BgpSignalling::Tag};
  std::string route_map{"WG-FAILOVER"};  // the operator attaches it; the daemon owns seq 1..65000

  friend bool operator==(const FrrConfig&, const FrrConfig&) = default;
};

// The BFD I/O thread. With realtime_priority 1..99 it runs SCHED_FIFO at that priority, so a busy CPU
// (another daemon, a compile, a hog) cannot delay its packets and timers past a short detection time;
// 0 leaves it an ordinary thread. Needs CAP_SYS_NICE or an RLIMIT_RTPRIO that allows the priority.
struct BfdThreadConfig {
  std::uint8_t realtime_priority{0};

  friend bool operator==(const BfdThreadConfig&, const BfdThreadConfig&) = default;
};

// The audit log of route and BGP changes (controller/audit_log.hpp).
struct AuditConfig {
  std::string file;  // absolute

  friend bool operator==(const AuditConfig&, const AuditConfig&) = default;
};

struct Config {
  std::string node;
  ApiConfig api;
  MetricsConfig metrics;
  FrrConfig frr;
  ProbeConfig probe;
  BfdTimers bfd_defaults;
  BfdThreadConfig bfd_thread;
  std::vector<TunnelConfig> tunnels;
  std::vector<RouteConfig> routes;
  PolicyConfig policy;
  std::optional<AuditConfig> audit;  // no audit log without it

  const TunnelConfig* find_tunnel(std::string_view name) const;
  friend bool operator==(const Config&, const Config&) = default;
};

struct ConfigError {
  std::string file;
  int line{0};      // 1-based; 0 when the error has no place in the file (e.g. it cannot be read)
  std::string key;  // e.g. "tunnels[1].bfd.tx_interval"; empty for file-level errors
  std::string message;

  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

// "FILE:LINE: KEY: message" on one line; ":LINE" is left out when line is 0 and "KEY: " when key is
// empty. This is what `wg-failoverd --check` prints, one line per error.
std::string format(const ConfigError& error);

struct LoadResult {
  std::optional<Config> config;     // set only when errors is empty
  std::vector<ConfigError> errors;  // in file order
};

LoadResult load_config_file(const std::string& path);
LoadResult load_config_string(std::string_view yaml, std::string_view file_name);

}  // namespace wgfo

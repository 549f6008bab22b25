// Parse pass: the schema of the configuration file. Each map is declared as a list of Fields and read
// by the generic walk() of ValueReader (config_reader.hpp), which handles what every map needs (unknown
// keys with a "did you mean", duplicate keys, null values, missing required keys) and reads single
// values; the sections below only say which keys exist and how each value is read. Relations between
// values are left to config_validate.cpp.

#include <yaml-cpp/yaml.h>

#include "controller/config_internal.hpp"
#include "controller/config_reader.hpp"

namespace wgfo::config_detail {
namespace {

using namespace std::chrono_literals;
using Micros = std::chrono::microseconds;
using Node = YAML::Node;

constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxGroupLength = 32;
constexpr std::size_t kMaxSocketPath = 107;  // sizeof(sockaddr_un::sun_path) minus the NUL
constexpr std::size_t kMaxEndpoints = 16;
constexpr std::size_t kMaxPrepend = 10;
constexpr std::uint64_t kMaxU32 = 4294967295U;
constexpr std::size_t kMaxRouteMapName = 63;
constexpr std::uint64_t kMaxDampening = 100000;

class Parser : public ValueReader {
 public:
  explicit Parser(Context& ctx) : ValueReader(ctx) {}

  void document(const Node& root, Config& config) {
    // std::optional: assigning to a YAML::Node would rewrite the node it refers to, not rebind it.
    std::optional<Node> tunnels_node;
    std::optional<Node> routes_node;
    walk(root, "",
         {{"node", true, [&](auto& v, auto& k) { set(config.node, name(v, k, kMaxNameLength)); }},
          {"api", false, [&](auto& v, auto& k) { api(v, k, config.api); }},
          {"metrics", false,
           [&](auto& v, auto& k) {
             walk(v, k, {{"listen", false, [&](auto& v2, auto& k2) {
                            set(config.metrics.listen, host_port(v2, k2, HostPort::Host::IpOnly));
                          }}});
           }},
          {"frr", false, [&](auto& v, auto& k) { frr(v, k, config.frr); }},
          {"probe", false,
           [&](auto& v, auto& k) {
             walk(v, k,
                  {{"port", false,
                    [&](auto& v2, auto& k2) { set(config.probe.port, integer(v2, k2, 1, 65535)); }},
                   {"respond", false,
                    [&](auto& v2, auto& k2) { set(config.probe.respond, boolean(v2, k2)); }}});
           }},
          {"bfd_defaults", false,
           [&](auto& v, auto& k) { walk(v, k, bfd_fields(config.bfd_defaults, false)); }},
          {"bfd_thread", false,
           [&](auto& v, auto& k) {
             walk(v, k, {{"realtime_priority", false, [&](auto& v2, auto& k2) {
                            set(config.bfd_thread.realtime_priority, integer(v2, k2, 0, 99));
                          }}});
           }},
          {"tunnels", true, [&](auto& v, auto&) { tunnels_node.emplace(v); }},
          {"routes", false, [&](auto& v, auto&) { routes_node.emplace(v); }},
          {"policy", false, [&](auto& v, auto& k) { policy(v, k, config.policy); }},
          {"audit", false, [&](auto& v, auto& k) { audit(v, k, config.audit.emplace()); }}});
    // Tunnels are read after the whole top level so that bfd_defaults applies wherever it appears.
    if (tunnels_node) tunnels(*tunnels_node, "tunnels", config);
    if (routes_node) {
      list(*routes_node, "routes", "routes", 0,
           [&](auto& v, auto& k) { route(v, k, config.routes.emplace_back()); });
    }
  }

 private:
  // ---- sections ----

  void api(const Node& node, const std::string& path, ApiConfig& out) {
    const auto socket = [&](std::string& field) {
      return
          [&](auto& v, auto& k) { set(field, file_path(v, k, "/run/wg-failover/api.sock", kMaxSocketPath)); };
    };
    const auto group = [&](std::string& field) {
      return [&](auto& v, auto& k) { set(field, name(v, k, kMaxGroupLength)); };
    };
    walk(node, path,
         {{"socket", false, socket(out.socket)},
          {"socket_group", false, group(out.socket_group)},
          {"read_only_socket", false, socket(out.read_only_socket)},
          {"read_only_group", false, group(out.read_only_group)},
          {"tcp", false, [&](auto& v, auto& k) { api_tcp(v, k, out.tcp.emplace()); }}});
  }

  void api_tcp(const Node& node, const std::string& path, ApiTcpConfig& out) {
    const auto pem = [&](std::string& field, const char* example) {
      return [&field, example, this](auto& v, auto& k) { set(field, file_path(v, k, example)); };
    };
    walk(node, path,
         {{"listen", true,
           [&](auto& v, auto& k) { set(out.listen, host_port(v, k, HostPort::Host::IpOnly)); }},
          {"cert", true, pem(out.cert, "/etc/wg-failover/tls/server.crt")},
          {"key", true, pem(out.key, "/etc/wg-failover/tls/server.key")},
          {"client_ca", true, pem(out.client_ca, "/etc/wg-failover/tls/client-ca.crt")},
          {"mutating_clients", false, [&](auto& v, auto& k) {
             list(v, k, "client certificate common names", 64, [&](auto& v2, auto& k2) {
               set(out.mutating_clients.emplace_back(), scalar(v2, k2, "a name"));
             });
           }}});
  }

  void audit(const Node& node, const std::string& path, AuditConfig& out) {
    walk(node, path, {{"file", true, [&](auto& v, auto& k) {
                         set(out.file, file_path(v, k, "/var/log/wg-failover/audit.log"));
                       }}});
  }

  void frr(const Node& node, const std::string& path, FrrConfig& out) {
    walk(
        node, path,
        {{"staticd", false,
          [&](auto& v, auto& k) { set(out.staticd, host_port(v, k, HostPort::Host::IpOrName)); }},
         {"bgpd", false, [&](auto& v, auto& k) { set(out.bgpd, host_port(v, k, HostPort::Host::IpOrName)); }},
         {"route_tag", false,
          [&](auto& v, auto& k) {
            set(out.route_tag, integer(v, k, 1, kMaxU32 - FrrConfig::kOwnedTags + 1));
          }},
         {"bgp_signalling", false,
          [&](auto& v, auto& k) {
            const auto text = scalar(v, k, "tag or route-map");
            if (text == "tag") {
              out.bgp_signalling = FrrConfig::BgpSignalling::Tag;
            } else if (text == "route-map") {
              out.bgp_signalling = FrrConfig::BgpSignalling::RouteMap;
            } else if (text) {
              fail(v, k, quote(*text) + " is not a signalling mode; use tag or route-map");
            }
          }},
         {"route_map", false, [&](auto& v, auto& k) { set(out.route_map, name(v, k, kMaxRouteMapName)); }}});
  }

  std::vector<Field> bfd_fields(BfdTimers& out, bool per_tunnel) {
    std::vector<Field> fields{
        {"tx_interval", false, [&](auto& v, auto& k) { set(out.tx_interval, duration(v, k, 10ms, 60s)); }},
        {"rx_interval", false, [&](auto& v, auto& k) { set(out.rx_interval, duration(v, k, 10ms, 60s)); }},
        {"detect_mult", false, [&](auto& v, auto& k) { set(out.detect_mult, integer(v, k, 1, 255)); }}};
    if (per_tunnel) {
      fields.push_back({"shutdown", false, [&](auto& v, auto& k) { set(out.shutdown, boolean(v, k)); }});
      fields.push_back(
          {"authentication", false, [&](auto& v, auto& k) { bfd_auth(v, k, out.authentication); }});
    }
    return fields;
  }

  void bfd_auth(const Node& node, const std::string& path, std::optional<BfdAuthentication>& out) {
    BfdAuthentication& a = out.emplace();
    using Type = BfdAuthentication::Type;
    walk(node, path,
         {{"type", false,
           [&](auto& v, auto& k) {
             const auto text = scalar(v, k, "keyed-sha1 or meticulous-keyed-sha1");
             if (text == "keyed-sha1") {
               a.type = Type::KeyedSha1;
             } else if (text == "meticulous-keyed-sha1") {
               a.type = Type::MeticulousKeyedSha1;
             } else if (text) {
               // Simple password sends the secret in clear and MD5 adds nothing over SHA1 (bfd/auth.hpp).
               fail(v, k, quote(*text) + " is not offered; use keyed-sha1 or meticulous-keyed-sha1");
             }
           }},
          {"key_id", false, [&](auto& v, auto& k) { set(a.key_id, integer(v, k, 0, 255)); }},
          {"secret_file", true, [&](auto& v, auto& k) {
             const auto file = file_path(v, k, "/etc/wg-failover/bfd-primary.key");
             if (!file) return;
             std::string why;
             const auto secret = read_secret_file(*file, BfdAuthentication::kMaxSecret, &why);
             if (!secret) {
               fail(v, k, quote(*file) + ": " + why);  // never the contents
               return;
             }
             a.secret_file = *file;
             a.secret = *secret;
           }}});
  }

  // A tunnel's bfd block: bfd_defaults' keys, shutdown and enabled. With enabled: false every other
  // key is refused rather than ignored: timers for a session that never runs would mislead a reader.
  void tunnel_bfd(const Node& node, const std::string& path, BfdTimers& out) {
    std::vector<Field> fields = bfd_fields(out, true);
    fields.push_back({"enabled", false, [&](auto& v, auto& k) { set(out.enabled, boolean(v, k)); }});
    std::vector<std::string> given;  // the keys other than enabled, in file order
    for (Field& f : fields) {
      if (f.name == "enabled") continue;
      f.read = [&given, read = std::move(f.read)](const Node& v, const std::string& k) {
        given.push_back(k);
        read(v, k);
      };
    }
    walk(node, path, fields);
    if (out.enabled) return;
    for (const std::string& key : given) {
      if (!ctx_.failed(key)) fail(node, key, "has no effect with bfd.enabled: false (no BFD session runs)");
    }
  }

  void tunnels(const Node& node, const std::string& path, Config& config) {
    if (node.IsSequence() && node.size() == 0) {
      fail(node, path, "at least one tunnel is required");
      return;
    }
    list(node, path, "tunnels", 0, [&](auto& v, auto& k) {
      TunnelConfig& t = config.tunnels.emplace_back();
      t.bfd = config.bfd_defaults;
      walk(v, k,
           {{"name", true, [&](auto& v2, auto& k2) { set(t.name, name(v2, k2, kMaxNameLength)); }},
            {"interface", true,
             [&](auto& v2, auto& k2) {
               const auto text = scalar(v2, k2, "an interface name");
               if (text && !is_valid_ifname(*text)) {
                 fail(v2, k2,
                      quote(*text) +
                          " is not a valid Linux interface name (1..15 characters, no '/', "
                          "':' or whitespace)");
               } else {
                 set(t.interface, text);
               }
             }},
            {"local_address", true, [&](auto& v2, auto& k2) { set(t.local_address, unicast(v2, k2)); }},
            {"peer_address", true, [&](auto& v2, auto& k2) { set(t.peer_address, unicast(v2, k2)); }},
            {"bfd", false, [&](auto& v2, auto& k2) { tunnel_bfd(v2, k2, t.bfd); }},
            {"quality", false, [&](auto& v2, auto& k2) { quality(v2, k2, t.quality); }},
            {"wireguard", false, [&](auto& v2, auto& k2) { wireguard(v2, k2, t.wireguard); }},
            {"l7_check", false, [&](auto& v2, auto& k2) { l7_check(v2, k2, t.l7_check); }}});
    });
  }

  void quality(const Node& node, const std::string& path, std::optional<QualityConfig>& out) {
    QualityConfig q;
    walk(node, path,
         {{"degraded_rtt", false, [&](auto& v, auto& k) { set(q.degraded_rtt, duration(v, k, 1ms, 60s)); }},
          {"degraded_loss", false, [&](auto& v, auto& k) { set(q.degraded_loss, percent(v, k)); }},
          {"recover_rtt", false, [&](auto& v, auto& k) { set(q.recover_rtt, duration(v, k, 1ms, 60s)); }},
          {"recover_loss", false, [&](auto& v, auto& k) { set(q.recover_loss, percent(v, k)); }},
          {"probe", false,
           [&](auto& v, auto& k) {
             const auto text = scalar(v, k, "udp or icmp");
             if (text == "udp") {
               q.probe = QualityConfig::Probe::Udp;
             } else if (text == "icmp") {
               q.probe = QualityConfig::Probe::Icmp;
             } else if (text) {
               fail(v, k, quote(*text) + " is not a probe kind; use udp (peers running wg-failover) or icmp");
             }
           }},
          {"interval", false, [&](auto& v, auto& k) { set(q.interval, duration(v, k, 10ms, 10s)); }}});
    // A recover threshold alone is meaningless (the tunnel never enters degraded on that metric); a
    // degraded threshold alone recovers at the same value.
    const auto pair_up = [&](auto& degraded, auto& recover, std::string_view metric) {
      const std::string d_key = join(path, "degraded_" + std::string(metric));
      const std::string r_key = join(path, "recover_" + std::string(metric));
      if (recover && !degraded && !ctx_.failed(d_key)) {
        fail(node, r_key,
             "recover_" + std::string(metric) + " needs degraded_" + std::string(metric) +
                 " (a tunnel can only recover from a state it can enter)");
      } else if (degraded && !recover && !ctx_.failed(r_key)) {
        recover = degraded;
      }
    };
    pair_up(q.degraded_rtt, q.recover_rtt, "rtt");
    pair_up(q.degraded_loss, q.recover_loss, "loss");
    if (q.degraded_rtt || q.degraded_loss) out = q;
  }

  void l7_check(const Node& node, const std::string& path, std::optional<L7CheckConfig>& out) {
    L7CheckConfig& c = out.emplace();
    walk(node, path,
         {{"target", true, [&](auto& v, auto& k) { set(c.target, host_port(v, k, HostPort::Host::IpOnly)); }},
          {"interval", false, [&](auto& v, auto& k) { set(c.interval, duration(v, k, 100ms, 1h)); }},
          {"timeout", false, [&](auto& v, auto& k) { set(c.timeout, duration(v, k, 10ms, 1h)); }},
          {"fall", false, [&](auto& v, auto& k) { set(c.fall, integer(v, k, 1, 100)); }},
          {"rise", false, [&](auto& v, auto& k) { set(c.rise, integer(v, k, 1, 100)); }}});
  }

  void wireguard(const Node& node, const std::string& path, std::optional<WireguardConfig>& out) {
    WireguardConfig& w = out.emplace();
    walk(node, path,
         {{"peer_public_key", true,
           [&](auto& v, auto& k) {
             // Never print the value: a private key pasted here by mistake must not reach a log.
             const auto text = scalar(v, k, "a base64 public key");
             if (text && !is_valid_wireguard_key(*text)) {
               fail(v, k,
                    "not a valid WireGuard public key: expected the 44-character base64 text that "
                    "`wg pubkey` prints (32 bytes); the value is not shown here");
             } else {
               set(w.peer_public_key, text);
             }
           }},
          {"endpoints", false, [&](auto& v, auto& k) {
             list(v, k, "HOST:PORT endpoints", kMaxEndpoints, [&](auto& v2, auto& k2) {
               w.endpoints.push_back(host_port(v2, k2, HostPort::Host::IpOrName).value_or(HostPort{}));
             });
           }}});
  }

  void route(const Node& node, const std::string& path, RouteConfig& r) {
    walk(node, path,
         {{"prefix", true, [&](auto& v, auto& k) { set(r.prefix, prefix(v, k)); }},
          {"mode", false,
           [&](auto& v, auto& k) {
             const auto text = scalar(v, k, "active-passive or ecmp");
             if (text == "active-passive") {
               r.mode = RouteConfig::Mode::ActivePassive;
             } else if (text == "ecmp") {
               r.mode = RouteConfig::Mode::Ecmp;
             } else if (text) {
               fail(v, k, quote(*text) + " is not a mode; use active-passive or ecmp");
             }
           }},
          {"via", true,
           [&](auto& v, auto& k) {
             if (v.IsSequence() && v.size() == 0) {
               fail(v, k, "at least one tunnel is required");
               return;
             }
             list(v, k, "tunnel names", 0,
                  [&](auto& v2, auto& k2) { r.via.push_back(scalar(v2, k2, "a tunnel name").value_or("")); });
           }},
          {"kill_switch", false, [&](auto& v, auto& k) { set(r.kill_switch, boolean(v, k)); }},
          {"bgp", false, [&](auto& v, auto& k) {
             walk(v, k,
                  {{"degraded", false, [&](auto& v2, auto& k2) { bgp_signal(v2, k2, r.bgp.degraded); }}});
           }}});
  }

  void bgp_signal(const Node& node, const std::string& path, BgpSignal& out) {
    walk(node, path,
         {{"community", false,
           [&](auto& v, auto& k) {
             const auto text = scalar(v, k, "a BGP community such as 65000:200");
             std::string why;
             if (text && !is_valid_community(*text, &why)) {
               fail(v, k, why);
             } else {
               set(out.community, text);
             }
           }},
          {"local_preference", false,
           [&](auto& v, auto& k) { set(out.local_preference, integer(v, k, 0, kMaxU32)); }},
          {"as_path_prepend", false, [&](auto& v, auto& k) {
             list(v, k, "AS numbers", kMaxPrepend, [&](auto& v2, auto& k2) {
               out.as_path_prepend.push_back(
                   static_cast<std::uint32_t>(integer(v2, k2, 1, kMaxU32).value_or(0)));
             });
           }}});
  }

  void policy(const Node& node, const std::string& path, PolicyConfig& out) {
    DampeningConfig& d = out.dampening;
    walk(node, path,
         {{"fail_back_hold_down", false,
           [&](auto& v, auto& k) { set(out.fail_back_hold_down, duration(v, k, 0s, 1h)); }},
          {"dampening", false, [&](auto& v, auto& k) {
             walk(v, k,
                  {{"penalty", false,
                    [&](auto& v2, auto& k2) { set(d.penalty, integer(v2, k2, 1, kMaxDampening)); }},
                   {"suppress", false,
                    [&](auto& v2, auto& k2) { set(d.suppress, integer(v2, k2, 1, kMaxDampening)); }},
                   {"reuse", false,
                    [&](auto& v2, auto& k2) { set(d.reuse, integer(v2, k2, 1, kMaxDampening)); }},
                   {"half_life", false,
                    [&](auto& v2, auto& k2) { set(d.half_life, duration(v2, k2, 1s, 1h)); }},
                   {"max_suppress", false,
                    [&](auto& v2, auto& k2) { set(d.max_suppress, duration(v2, k2, 1s, 24h)); }}});
           }}});
  }
};

}  // namespace

void parse_document(const YAML::Node& root, Config& config, Context& ctx) {
  Parser(ctx).document(root, config);
}

}  // namespace wgfo::config_detail

// Validate pass: rules that relate values to each other (uniqueness, references between routes and
// tunnels, threshold ordering). Each value was already checked on its own by the parse pass; a rule
// here is skipped for any key that failed there, so one typo yields one error, not a cascade.

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "controller/config_internal.hpp"

namespace wgfo::config_detail {
namespace {

constexpr std::size_t kMaxVia = 24;

std::string tunnel_key(std::size_t i, std::string_view field) {
  return "tunnels[" + std::to_string(i) + "]" + (field.empty() ? "" : "." + std::string(field));
}

std::string route_key(std::size_t i, std::string_view field) {
  return "routes[" + std::to_string(i) + "]." + std::string(field);
}

// Reports the second and later occurrence of each identity. `identity` returns nullopt for an entry
// that cannot take part (a key of it failed to parse); `describe` writes the error for a repeat of
// entry `first`.
template <typename Identity, typename Describe>
void check_unique(std::size_t count, Identity identity, Describe describe) {
  std::unordered_map<std::string, std::size_t> first_of;
  for (std::size_t i = 0; i < count; ++i) {
    const std::optional<std::string> id = identity(i);
    if (!id) continue;
    if (const auto [it, inserted] = first_of.emplace(*id, i); !inserted) describe(i, it->second);
  }
}

std::string at_line(const Context& ctx, const std::string& key) {
  const int line = ctx.line_of(key);
  return line > 0 ? " (line " + std::to_string(line) + ")" : "";
}

void check_tunnels(const Config& config, Context& ctx) {
  const auto& tunnels = config.tunnels;
  const auto usable = [&](std::size_t i, std::string_view field) {
    return !ctx.failed(tunnel_key(i, field));
  };

  check_unique(
      tunnels.size(),
      [&](std::size_t i) { return usable(i, "name") ? std::optional(tunnels[i].name) : std::nullopt; },
      [&](std::size_t i, std::size_t first) {
        ctx.error(tunnel_key(i, "name"), "duplicate tunnel name " + quote(tunnels[i].name) +
                                             "; already used by " + tunnel_key(first, "") +
                                             at_line(ctx, tunnel_key(first, "name")));
      });

  check_unique(
      tunnels.size(),
      [&](std::size_t i) -> std::optional<std::string> {
        // One BFD session per (interface, local, peer): that is how sessions are told apart.
        if (!usable(i, "interface") || !usable(i, "peer_address") || !usable(i, "local_address"))
          return std::nullopt;
        return tunnels[i].interface + " " + tunnels[i].local_address.to_string() + " " +
               tunnels[i].peer_address.to_string();
      },
      [&](std::size_t i, std::size_t first) {
        ctx.error(tunnel_key(i, "peer_address"),
                  "peer " + tunnels[i].peer_address.to_string() + " from " +
                      tunnels[i].local_address.to_string() + " on " + tunnels[i].interface +
                      " is already tunnel " + quote(tunnels[first].name) +
                      at_line(ctx, tunnel_key(first, "")) +
                      "; each (interface, local_address, peer_address) must be unique");
      });

  // WireGuard identifies a peer on an interface by its public key, so two tunnels naming the same key
  // on one interface would be the same peer. The key itself is never printed.
  check_unique(
      tunnels.size(),
      [&](std::size_t i) -> std::optional<std::string> {
        if (!tunnels[i].wireguard || !usable(i, "interface") || !usable(i, "wireguard.peer_public_key")) {
          return std::nullopt;
        }
        return tunnels[i].interface + " " + tunnels[i].wireguard->peer_public_key;
      },
      [&](std::size_t i, std::size_t first) {
        ctx.error(tunnel_key(i, "wireguard.peer_public_key"),
                  "same peer public key as tunnel " + quote(tunnels[first].name) + " on interface " +
                      tunnels[i].interface + "; a WireGuard interface has one peer per key");
      });

  for (std::size_t i = 0; i < tunnels.size(); ++i) {
    const TunnelConfig& t = tunnels[i];
    if (usable(i, "local_address") && usable(i, "peer_address")) {
      const auto family = [](const IpAddress& a) { return a.is_v4() ? "IPv4" : "IPv6"; };
      if (t.local_address.family() != t.peer_address.family()) {
        ctx.error(tunnel_key(i, "peer_address"),
                  "peer_address " + t.peer_address.to_string() + " is " + family(t.peer_address) +
                      " but local_address " + t.local_address.to_string() + " is " + family(t.local_address) +
                      "; both must be the same family");
      } else if (t.local_address == t.peer_address) {
        ctx.error(tunnel_key(i, "peer_address"), "peer_address " + t.peer_address.to_string() +
                                                     " is the same as local_address; BFD needs two ends");
      }
    }
    // Without BFD, only these notice a dead tunnel; with none of them it would stay up forever. A key
    // that failed to parse may have been meant as the source, so it is not reported twice.
    if (!t.bfd.enabled && !t.quality && !t.wireguard && !t.l7_check &&
        !ctx.failed(tunnel_key(i, "quality"))) {
      ctx.error(tunnel_key(i, "bfd.enabled"),
                "without BFD nothing would notice the tunnel is down; add a quality block with a "
                "degraded threshold (probes: no reply is down), a wireguard block (receive progress) or "
                "an l7_check");
    }
    if (t.quality) {
      const QualityConfig& q = *t.quality;
      const std::string path = tunnel_key(i, "quality");
      if (q.recover_rtt && q.degraded_rtt && *q.recover_rtt > *q.degraded_rtt) {
        ctx.error(path + ".recover_rtt", "recover_rtt " + format_duration(*q.recover_rtt) +
                                             " is worse than degraded_rtt " +
                                             format_duration(*q.degraded_rtt) +
                                             "; it must be at most that, or the tunnel would flap");
      }
      if (q.recover_loss && q.degraded_loss && *q.recover_loss > *q.degraded_loss) {
        ctx.error(path + ".recover_loss", "recover_loss " + format_percent(*q.recover_loss) +
                                              " is worse than degraded_loss " +
                                              format_percent(*q.degraded_loss) +
                                              "; it must be at most that, or the tunnel would flap");
      }
    }
    if (t.l7_check) {
      const L7CheckConfig& c = *t.l7_check;
      const std::string path = tunnel_key(i, "l7_check");
      if (c.timeout > c.interval) {
        ctx.error(path + ".timeout", "timeout " + format_duration(c.timeout) + " is longer than interval " +
                                         format_duration(c.interval) +
                                         "; one check must end before the next");
      }
      const auto target = c.target.address();
      if (target && target->is_v4() != t.local_address.is_v4()) {
        ctx.error(path + ".target", c.target.to_string() + " is not in local_address's address family");
      }
    }
    if (t.wireguard) {
      const auto& endpoints = t.wireguard->endpoints;
      const std::string path = tunnel_key(i, "wireguard.endpoints");
      const auto key = [&](std::size_t j) { return path + "[" + std::to_string(j) + "]"; };
      check_unique(
          endpoints.size(),
          [&](std::size_t j) {
            return ctx.failed(key(j)) ? std::nullopt : std::optional(endpoints[j].to_string());
          },
          [&](std::size_t j, std::size_t) {
            ctx.error(key(j), "duplicate endpoint " + endpoints[j].to_string());
          });
    }
  }
}

// names_known: every tunnel name parsed. Computed before check_tunnels, whose duplicate-name errors
// mark names failed although they are still perfectly good names to refer to.
void check_routes(const Config& config, bool names_known, Context& ctx) {
  const auto& routes = config.routes;
  check_unique(
      routes.size(),
      [&](std::size_t i) {
        return ctx.failed(route_key(i, "prefix")) ? std::nullopt
                                                  : std::optional(routes[i].prefix.to_string());
      },
      [&](std::size_t i, std::size_t first) {
        ctx.error(route_key(i, "prefix"), "duplicate route for " + routes[i].prefix.to_string() +
                                              "; already defined by routes[" + std::to_string(first) + "]" +
                                              at_line(ctx, route_key(first, "prefix")));
      });

  // A set for the lookups (thousands of routes times thousands of tunnels) and a de-duplicated list,
  // in file order, for the messages.
  std::unordered_set<std::string_view> known;
  std::vector<std::string_view> names;
  for (const TunnelConfig& t : config.tunnels) {
    if (known.insert(t.name).second) names.push_back(t.name);
  }
  // A near miss gets a suggestion; otherwise the known names, but never thousands of them.
  const auto hint = [&](std::string_view unknown) {
    if (const std::string_view near = closest(unknown, names); !near.empty()) {
      return "; did you mean " + std::string(near) + "?";
    }
    constexpr std::size_t kListed = 8;
    std::string list;
    for (std::size_t i = 0; i < names.size() && i < kListed; ++i)
      list += (i == 0 ? "" : ", ") + std::string(names[i]);
    return "; the tunnels are: " + list + (names.size() > kListed ? ", ..." : "");
  };
  const bool bgpd_set = config.frr.bgpd.has_value() || ctx.failed("frr.bgpd");

  for (std::size_t i = 0; i < routes.size(); ++i) {
    const RouteConfig& r = routes[i];
    const std::string via = route_key(i, "via");
    const auto item = [&](std::size_t j) { return via + "[" + std::to_string(j) + "]"; };
    for (std::size_t j = 0; j < r.via.size(); ++j) {
      if (ctx.failed(item(j))) continue;
      if (std::find(r.via.begin(), r.via.begin() + static_cast<std::ptrdiff_t>(j), r.via[j]) !=
          r.via.begin() + static_cast<std::ptrdiff_t>(j)) {
        ctx.error(item(j), "tunnel " + quote(r.via[j]) + " is listed twice");
      } else if (names_known && !known.contains(r.via[j])) {
        ctx.error(item(j), "unknown tunnel " + quote(r.via[j]) + hint(r.via[j]));
      }
    }
    // Path distances are 10, 20, ... in via order; 250 is the kill switch.
    if (r.via.size() > kMaxVia && !ctx.failed(via)) {
      ctx.error(via, std::to_string(r.via.size()) + " tunnels; at most " + std::to_string(kMaxVia) +
                         " per route (their distances are 10..240, 250 is the kill switch)");
    }
    if (!r.bgp.degraded.empty() && !bgpd_set) {
      ctx.error(route_key(i, "bgp.degraded"),
                "BGP signals need frr.bgpd (the bgpd gRPC address); set it or remove this block");
    }
  }
  // Each distinct signal gets a route tag (route_tag+1 ..) and a route-map entry.
  std::vector<BgpSignal> signals;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const BgpSignal& sig = routes[i].bgp.degraded;
    if (sig.empty() || std::find(signals.begin(), signals.end(), sig) != signals.end()) continue;
    signals.push_back(sig);
    if (signals.size() == FrrConfig::kOwnedTags) {
      ctx.error(route_key(i, "bgp.degraded"),
                "more than " + std::to_string(FrrConfig::kOwnedTags - 1) +
                    " different BGP signals; routes that signal the same attributes share one");
    }
  }
}

void check_frr(const Config& config, Context& ctx) {
  if (config.frr.bgpd && *config.frr.bgpd == config.frr.staticd && !ctx.failed("frr.staticd")) {
    ctx.error("frr.bgpd",
              config.frr.bgpd->to_string() +
                  " is also frr.staticd; each FRR daemon serves gRPC on its own port (-M grpc:PORT)");
  }
}

void check_policy(const Config& config, Context& ctx) {
  const DampeningConfig& d = config.policy.dampening;
  const std::string path = "policy.dampening";
  if (d.reuse >= d.suppress && !ctx.failed(path + ".reuse") && !ctx.failed(path + ".suppress")) {
    ctx.error(path + ".reuse", "reuse " + std::to_string(d.reuse) + " must be below suppress " +
                                   std::to_string(d.suppress) +
                                   ", or a suppressed tunnel would never be reused");
  }
  if (d.max_suppress < d.half_life && !ctx.failed(path + ".max_suppress") &&
      !ctx.failed(path + ".half_life")) {
    ctx.error(path + ".max_suppress", "max_suppress " + format_duration(d.max_suppress) +
                                          " must be at least half_life " + format_duration(d.half_life));
  }
}

}  // namespace

void validate(const Config& config, Context& ctx) {
  // With a tunnel name that failed to parse, "unknown tunnel" could be wrong: routes skip that check.
  bool names_known = true;
  for (std::size_t i = 0; i < config.tunnels.size(); ++i) names_known &= !ctx.failed(tunnel_key(i, "name"));
  check_tunnels(config, ctx);
  check_routes(config, names_known, ctx);
  check_frr(config, ctx);
  check_policy(config, ctx);
}

}  // namespace wgfo::config_detail

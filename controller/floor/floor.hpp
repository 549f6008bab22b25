#pragma once
// The kill switch's kernel floor. A kill_switch route's blackhole lives in staticd (distance 250), so it
// is gone whenever FRR's routes are: staticd or zebra restarting, FRR stopped, a commit lost. Then a
// protected prefix falls through to a less specific route (usually the default route out of the
// internet uplink) and leaks. The floor closes that window in the kernel, independent of FRR and of
// this daemon (the rules stay when it dies; a kill switch fails closed). For each protected prefix P/L:
//
//   priority 32760: to P/L lookup main suppress_prefixlength L-1   (a route to P or inside it: use it)
//   priority 32761: to P/L blackhole                                (only shorter routes left: drop)
//
// Destinations outside the protected prefixes match neither rule and reach the usual `lookup main` at
// 32766. zebra leaves rules it did not make alone (checked on FRR 8.4). The rules carry protocol 244
// (FRA_PROTOCOL), which marks them as ours: the daemon adds and removes only rules with that mark, and
// an operator sees them with `ip rule show protocol 244`.
//
// floor.cpp is pure (the desired rules, the RTM_NEWRULE/RTM_DELRULE encoder, the RTM_GETRULE dump
// decoder, the plan); floor_client.cpp is the rtnetlink socket around it (apply_floor).

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "controller/ip.hpp"

namespace wgfo::floor {

inline constexpr std::uint8_t kRuleProtocol = 244;       // FRA_PROTOCOL of our rules
inline constexpr std::uint32_t kLookupPriority = 32760;  // just before the main table's 32766
inline constexpr std::uint32_t kBlackholePriority = 32761;
inline constexpr std::uint8_t kActionToTable = 1;    // FR_ACT_TO_TBL
inline constexpr std::uint8_t kActionBlackhole = 6;  // FR_ACT_BLACKHOLE
inline constexpr std::uint32_t kMainTable = 254;     // RT_TABLE_MAIN

// One policy rule, as far as the floor cares. Rules with selectors the floor never uses (source,
// interfaces, fwmark, ...) are flagged so that they can never be mistaken for ours.
struct Rule {
  IpPrefix to;  // FRA_DST / dst_len; the family's /0 when the rule has no destination
  std::uint32_t priority{0};
  std::uint8_t action{0};
  std::uint32_t table{0};                  // FRA_TABLE (or the header's table)
  std::int32_t suppress_prefixlength{-1};  // -1: none
  std::uint8_t protocol{0};
  bool other_selectors{false};

  friend auto operator<=>(const Rule&, const Rule&) = default;
};

struct Desired {
  std::vector<Rule> rules;            // lookup rules first, then blackholes
  std::vector<std::string> warnings;  // prefixes the floor cannot protect
};
// The floor for these protected prefixes (duplicates collapse). A /0 cannot be protected this way (the
// blackhole would catch everything): it is left out with a warning.
Desired desired_rules(const std::vector<IpPrefix>& protected_prefixes);

// RTM_NEWRULE (add: create, fail if it exists) or RTM_DELRULE for one rule, as the kernel expects it.
enum class Op { Add, Delete };
std::vector<std::uint8_t> encode_rule(Op op, const Rule& rule, std::uint32_t seq);

// Decodes an RTM_GETRULE dump (RTM_NEWRULE messages up to NLMSG_DONE). Bounds-checked like the other
// netlink decoders: a malformed length or an NLMSG_ERROR is an error string, never an overread.
std::variant<std::vector<Rule>, std::string> parse_rule_messages(std::span<const std::uint8_t> bytes);

// What turns `observed` (every rule of the namespace) into the floor `desired`, touching only rules
// with our protocol: deletions blackholes first, additions lookups first, so that a blackhole never
// exists without the lookup rule in front of it.
struct Plan {
  std::vector<Rule> remove;
  std::vector<Rule> add;
  bool empty() const { return remove.empty() && add.empty(); }
};
Plan plan(const std::vector<Rule>& desired, const std::vector<Rule>& observed);

// Dumps the rules of both families, plans and applies. Blocking, a few netlink round trips. The error
// names the step that failed; rules changed before it stay (the next call converges).
struct Applied {
  Plan done;
  std::string error;  // empty on success
};
Applied apply_floor(const std::vector<Rule>& desired);

}  // namespace wgfo::floor

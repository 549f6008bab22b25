// The floor's pure parts (see floor.hpp): desired rules, encoder, dump decoder, plan.
#include "controller/floor/floor.hpp"

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>  // std::memcpy
#include <optional>

#include "controller/wireguard/nl_decode.hpp"

namespace wgfo::floor {
namespace {

constexpr std::size_t kRuleHeaderSize = sizeof(fib_rule_hdr);  // 12

IpPrefix default_of(IpFamily family) {
  return family == IpFamily::V4 ? IpPrefix(IpAddress::v4({}), 0) : IpPrefix(IpAddress::v6({}), 0);
}

void put(std::vector<std::uint8_t>& out, const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  out.insert(out.end(), p, p + size);
}

void put_attr(std::vector<std::uint8_t>& out, std::uint16_t type, const void* data, std::size_t size) {
  const auto len = static_cast<std::uint16_t>(sizeof(nlattr) + size);
  put(out, &len, sizeof len);
  put(out, &type, sizeof type);
  put(out, data, size);
  out.resize(nl::align4(out.size()), 0);
}

// One RTM_NEWRULE message's payload as a Rule; an error names what is wrong.
std::variant<Rule, std::string> decode_rule(nl::Bytes payload) {
  if (payload.size() < kRuleHeaderSize) return std::string("truncated fib_rule_hdr");
  const auto family = nl::load<std::uint8_t>(payload, 0);
  const auto dst_len = nl::load<std::uint8_t>(payload, 1);
  const auto src_len = nl::load<std::uint8_t>(payload, 2);
  Rule r;
  r.table = nl::load<std::uint8_t>(payload, 4);
  r.action = nl::load<std::uint8_t>(payload, 7);
  // A source, a TOS or an inverted match ("not to P") make a rule that is never one of ours.
  r.other_selectors = src_len != 0 || nl::load<std::uint8_t>(payload, 3) != 0 ||
                      (nl::load<std::uint32_t>(payload, 8) & FIB_RULE_INVERT) != 0;
  const bool ip = family == AF_INET || family == AF_INET6;
  r.to = default_of(family == AF_INET6 ? IpFamily::V6 : IpFamily::V4);
  auto attrs = nl::split_attrs(payload.subspan(kRuleHeaderSize));
  if (auto* err = std::get_if<std::string>(&attrs)) return *err;
  bool has_dst = false;
  for (const nl::Attr& a : std::get<std::vector<nl::Attr>>(attrs)) {
    const auto u32 = [&]() -> std::optional<std::uint32_t> {
      if (a.payload.size() != 4) return std::nullopt;
      return nl::load<std::uint32_t>(a.payload, 0);
    };
    switch (a.type) {
      case FRA_DST: {
        const auto addr = ip ? IpAddress::from_bytes(a.payload, family) : std::nullopt;
        if (!addr) return std::string("FRA_DST of the wrong size for the family");
        if (dst_len > addr->max_prefix_length()) return "dst_len " + std::to_string(dst_len) + " too long";
        r.to = IpPrefix(*addr, dst_len);
        has_dst = true;
        break;
      }
      case FRA_PRIORITY:
      case FRA_TABLE:
      case FRA_SUPPRESS_PREFIXLEN: {
        const auto v = u32();
        if (!v) return "attribute " + std::to_string(a.type) + " is not 4 bytes";
        if (a.type == FRA_PRIORITY) r.priority = *v;
        if (a.type == FRA_TABLE) r.table = *v;
        if (a.type == FRA_SUPPRESS_PREFIXLEN) r.suppress_prefixlength = static_cast<std::int32_t>(*v);
        break;
      }
      case FRA_PROTOCOL:
        if (a.payload.empty()) return std::string("empty FRA_PROTOCOL");
        r.protocol = a.payload[0];
        break;
      case FRA_SRC:
      case FRA_IIFNAME:
      case FRA_OIFNAME:
      case FRA_FWMARK:
      case FRA_FWMASK:
      case FRA_GOTO:
      case FRA_L3MDEV:
      case FRA_UID_RANGE:
      case FRA_IP_PROTO:
      case FRA_SPORT_RANGE:
      case FRA_DPORT_RANGE:
      case FRA_TUN_ID:
      case FRA_SUPPRESS_IFGROUP:
        r.other_selectors = true;
        break;
      default:
        break;  // FRA_FLOW, FRA_PAD, newer attributes: not selectors the floor could be confused by
    }
  }
  if (dst_len != 0 && !has_dst) return "dst_len " + std::to_string(dst_len) + " without FRA_DST";
  if (!ip) r.other_selectors = true;  // not an IP rule: never ours
  return r;
}

bool is_lookup(const Rule& r) {
  return r.action == kActionToTable;
}

}  // namespace

Desired desired_rules(const std::vector<IpPrefix>& protected_prefixes) {
  Desired d;
  std::vector<IpPrefix> prefixes = protected_prefixes;
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  std::vector<Rule> blackholes;
  for (const IpPrefix& p : prefixes) {
    if (p.length() == 0) {
      d.warnings.push_back(p.to_string() +
                           ": a default route cannot have a kernel floor (its blackhole "
                           "would catch every destination); only staticd's blackhole protects it");
      continue;
    }
    d.rules.push_back({.to = p,
                       .priority = kLookupPriority,
                       .action = kActionToTable,
                       .table = kMainTable,
                       .suppress_prefixlength = static_cast<std::int32_t>(p.length()) - 1,
                       .protocol = kRuleProtocol});
    blackholes.push_back(
        {.to = p, .priority = kBlackholePriority, .action = kActionBlackhole, .protocol = kRuleProtocol});
  }
  d.rules.insert(d.rules.end(), blackholes.begin(), blackholes.end());
  return d;
}

std::vector<std::uint8_t> encode_rule(Op op, const Rule& rule, std::uint32_t seq) {
  std::vector<std::uint8_t> out;
  nlmsghdr hdr{};
  hdr.nlmsg_type = op == Op::Add ? RTM_NEWRULE : RTM_DELRULE;
  hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  if (op == Op::Add) hdr.nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
  hdr.nlmsg_seq = seq;
  put(out, &hdr, sizeof hdr);
  fib_rule_hdr frh{};
  frh.family = rule.to.address().is_v4() ? AF_INET : AF_INET6;
  frh.dst_len = static_cast<std::uint8_t>(rule.to.length());
  frh.action = rule.action;
  frh.table =
      rule.table < 256 ? static_cast<std::uint8_t>(rule.table) : static_cast<std::uint8_t>(RT_TABLE_UNSPEC);
  put(out, &frh, sizeof frh);
  if (rule.to.length() > 0) {
    const auto bytes = rule.to.address().bytes();
    put_attr(out, FRA_DST, bytes.data(), bytes.size());
  }
  put_attr(out, FRA_PRIORITY, &rule.priority, sizeof rule.priority);
  if (rule.table != 0) put_attr(out, FRA_TABLE, &rule.table, sizeof rule.table);
  if (rule.suppress_prefixlength >= 0) {
    const auto v = static_cast<std::uint32_t>(rule.suppress_prefixlength);
    put_attr(out, FRA_SUPPRESS_PREFIXLEN, &v, sizeof v);
  }
  put_attr(out, FRA_PROTOCOL, &rule.protocol, sizeof rule.protocol);
  const auto len = static_cast<std::uint32_t>(out.size());
  std::memcpy(out.data(), &len, sizeof len);  // nlmsg_len
  return out;
}

std::variant<std::vector<Rule>, std::string> parse_rule_messages(std::span<const std::uint8_t> bytes) {
  auto split = nl::split_messages(bytes);
  if (auto* err = std::get_if<std::string>(&split)) return std::move(*err);
  std::vector<Rule> rules;
  const auto& messages = std::get<std::vector<nl::Message>>(split);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const nl::Message& m = messages[i];
    const std::string at = "rule message " + std::to_string(i) + ": ";
    if (m.type == NLMSG_DONE) break;
    if (m.type == NLMSG_ERROR) {
      const auto status = nl::status_of(m);
      if (!status) return at + "truncated NLMSG_ERROR";
      if (*status != 0) return at + "the kernel answered error " + std::to_string(nl::errno_of(*status));
      continue;
    }
    if (m.type != RTM_NEWRULE) continue;
    auto r = decode_rule(m.payload);
    if (auto* err = std::get_if<std::string>(&r)) return at + *err;
    rules.push_back(std::get<Rule>(r));
  }
  return rules;
}

Plan plan(const std::vector<Rule>& desired, const std::vector<Rule>& observed) {
  Plan p;
  std::vector<Rule> ours;
  for (const Rule& r : observed)
    if (r.protocol == kRuleProtocol && !r.other_selectors) ours.push_back(r);
  const auto contains = [](const std::vector<Rule>& v, const Rule& r) {
    return std::find(v.begin(), v.end(), r) != v.end();
  };
  for (const Rule& r : ours)
    if (!contains(desired, r) && !contains(p.remove, r)) p.remove.push_back(r);
  for (const Rule& r : desired)
    if (!contains(ours, r) && !contains(p.add, r)) p.add.push_back(r);
  // A blackhole never stands without its lookup rule in front of it.
  std::stable_partition(p.remove.begin(), p.remove.end(), [](const Rule& r) { return !is_lookup(r); });
  std::stable_partition(p.add.begin(), p.add.end(), is_lookup);
  return p;
}

}  // namespace wgfo::floor

// RTM_NEWLINK / RTM_DELLINK decoding and the LinkTable bookkeeping (rules in link.hpp).

#include "controller/wireguard/link.hpp"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "controller/wireguard/nl_decode.hpp"

namespace wgfo::link {
namespace {

constexpr std::size_t kIfNameMax = 15;  // IFNAMSIZ - 1

bool same_state(const LinkEvent& a, const LinkEvent& b) {
  return a.ifname == b.ifname && a.up == b.up && a.running == b.running && a.operstate == b.operstate;
}

std::variant<std::optional<LinkEvent>, std::string> parse_link(const nl::Message& m) {
  if (m.payload.size() < sizeof(ifinfomsg)) return std::string("shorter than struct ifinfomsg");
  const auto ifi = nl::load<ifinfomsg>(m.payload, 0);
  if (ifi.ifi_family != AF_UNSPEC) return std::optional<LinkEvent>{};  // bridge port and other AF events
  if (ifi.ifi_index <= 0) return "ifindex " + std::to_string(ifi.ifi_index);
  LinkEvent e;
  e.ifindex = ifi.ifi_index;
  e.flags = ifi.ifi_flags;
  e.up = (ifi.ifi_flags & IFF_UP) != 0;
  e.running = (ifi.ifi_flags & IFF_RUNNING) != 0;
  e.deleted = m.type == RTM_DELLINK;
  e.from_dump = (m.flags & NLM_F_MULTI) != 0;
  auto attrs = nl::split_attrs(m.payload.subspan(nl::align4(sizeof(ifinfomsg))));
  if (auto* err = std::get_if<std::string>(&attrs)) return *err;
  bool have_name = false;
  for (const nl::Attr& a : std::get<std::vector<nl::Attr>>(attrs)) {
    if (a.type == IFLA_IFNAME) {
      auto name = nl::string_of(a.payload, kIfNameMax);
      if (!name) return std::string("IFLA_IFNAME is not a NUL-terminated name of 1..15 bytes");
      e.ifname = std::move(*name);
      have_name = true;
    } else if (a.type == IFLA_OPERSTATE) {
      if (a.payload.size() != 1) return "IFLA_OPERSTATE has " + std::to_string(a.payload.size()) + " bytes";
      e.operstate = a.payload[0];
    }
  }
  if (!have_name) return "ifindex " + std::to_string(e.ifindex) + " without IFLA_IFNAME";
  return std::optional<LinkEvent>{std::move(e)};
}

}  // namespace

std::string_view operstate_name(std::uint8_t operstate) {
  switch (operstate) {
    case kOperNotPresent:
      return "notpresent";
    case kOperDown:
      return "down";
    case kOperLowerLayerDown:
      return "lowerlayerdown";
    case kOperTesting:
      return "testing";
    case kOperDormant:
      return "dormant";
    case kOperUp:
      return "up";
    default:
      return "unknown";
  }
}

bool LinkEvent::usable() const {
  const bool oper_ok = !operstate || *operstate == kOperUp || *operstate == kOperUnknown;
  return !deleted && up && running && oper_ok;
}

std::string to_string(const LinkEvent& e) {
  std::string s = e.ifname + " (index " + std::to_string(e.ifindex) + "):";
  if (e.deleted) return s + " deleted";
  s += e.up ? " up" : " down";
  s += e.running ? " running" : " not-running";
  if (e.operstate) s += " operstate " + std::string(operstate_name(*e.operstate));
  return s;
}

std::variant<LinkBatch, std::string> parse_link_messages(std::span<const std::uint8_t> bytes) {
  auto split = nl::split_messages(bytes);
  if (auto* err = std::get_if<std::string>(&split)) return *err;
  LinkBatch batch;
  std::size_t index = 0;
  for (const nl::Message& m : std::get<std::vector<nl::Message>>(split)) {
    const std::string at = "rtnetlink message " + std::to_string(index++) + ": ";
    batch.dump_interrupted = batch.dump_interrupted || (m.flags & NLM_F_DUMP_INTR) != 0;
    if (m.type == NLMSG_DONE) {
      const auto code = nl::status_of(m);
      if (code && *code < 0) return at + "dump failed: " + std::strerror(nl::errno_of(*code));
      batch.dump_done = true;
      break;
    }
    if (m.type == NLMSG_ERROR) {
      const auto code = nl::status_of(m);
      if (!code) return at + "truncated NLMSG_ERROR";
      if (*code != 0) return at + "kernel error: " + std::strerror(nl::errno_of(*code));
      continue;
    }
    if (m.type != RTM_NEWLINK && m.type != RTM_DELLINK) continue;
    auto e = parse_link(m);
    if (auto* err = std::get_if<std::string>(&e)) return at + *err;
    if (auto& event = std::get<std::optional<LinkEvent>>(e)) batch.events.push_back(std::move(*event));
  }
  return batch;
}

std::vector<LinkEvent> LinkTable::apply(const LinkEvent& e) {
  if (dump_seen_) dump_seen_->insert(e.ifindex);
  const auto it = links_.find(e.ifindex);
  if (e.deleted) {
    if (it == links_.end()) return {};
    LinkEvent gone = e;
    gone.ifname = it->second.ifname;  // report under the name the consumer knows
    links_.erase(it);
    return {gone};
  }
  std::vector<LinkEvent> out;
  if (it != links_.end()) {
    if (it->second.ifname != e.ifname) {
      LinkEvent old = it->second;
      old.deleted = true;
      old.from_dump = e.from_dump;
      out.push_back(std::move(old));
    } else if (same_state(it->second, e)) {
      it->second = e;
      return out;
    }
  }
  links_[e.ifindex] = e;
  out.push_back(e);
  return out;
}

void LinkTable::begin_dump() {
  dump_seen_.emplace();
}

std::vector<LinkEvent> LinkTable::end_dump() {
  std::vector<LinkEvent> out;
  if (!dump_seen_) return out;
  for (auto it = links_.begin(); it != links_.end();) {
    if (dump_seen_->contains(it->first)) {
      ++it;
      continue;
    }
    LinkEvent gone = it->second;
    gone.deleted = true;
    gone.from_dump = true;
    out.push_back(std::move(gone));
    it = links_.erase(it);
  }
  dump_seen_.reset();
  return out;
}

const LinkEvent* LinkTable::find(std::string_view ifname) const {
  for (const auto& [index, e] : links_) {
    if (e.ifname == ifname) return &e;
  }
  return nullptr;
}

}  // namespace wgfo::link

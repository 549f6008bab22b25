#pragma once
// Interface state from rtnetlink, the pure part (link_monitor.hpp is the socket around it). A tunnel is
// down when its interface is gone or down (DESIGN.md, failure semantics), and the kernel says so the
// moment it happens: RTM_NEWLINK / RTM_DELLINK on the RTNLGRP_LINK group, the same messages an
// RTM_GETLINK dump answers with.
//
// parse_link_messages() decodes a buffer of them (bounds-checked like frr-integration/fib, see
// nl_decode.hpp). LinkTable keeps the last known state per ifindex and turns the raw stream into what
// a consumer keyed by interface name needs: only changes of name, IFF_UP, IFF_RUNNING or operstate are
// reported (the kernel also sends RTM_NEWLINK for MTU, statistics and address-family details), a rename
// is reported as the old name's deletion followed by the new name, and a re-dump after lost events
// (socket overrun) reports the links that vanished meanwhile as deleted.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wgfo::link {

// IFLA_OPERSTATE values (RFC 2863 ifOperStatus, linux/if.h IF_OPER_*).
inline constexpr std::uint8_t kOperUnknown = 0;
inline constexpr std::uint8_t kOperNotPresent = 1;
inline constexpr std::uint8_t kOperDown = 2;
inline constexpr std::uint8_t kOperLowerLayerDown = 3;
inline constexpr std::uint8_t kOperTesting = 4;
inline constexpr std::uint8_t kOperDormant = 5;
inline constexpr std::uint8_t kOperUp = 6;

std::string_view operstate_name(std::uint8_t operstate);  // "up", "down", ..., "unknown"

struct LinkEvent {
  int ifindex{0};
  std::string ifname;                     // IFLA_IFNAME
  std::uint32_t flags{0};                 // ifi_flags (IFF_*)
  bool up{false};                         // IFF_UP: administratively up
  bool running{false};                    // IFF_RUNNING: operationally up (carrier, not dormant)
  std::optional<std::uint8_t> operstate;  // IFLA_OPERSTATE, when the kernel sent it
  bool deleted{false};                    // RTM_DELLINK (or gone from a re-dump)
  bool from_dump{false};                  // part of an RTM_GETLINK dump, not a notification

  // Can carry traffic: up, running, and an operstate of up or unknown (tun devices such as
  // wireguard-go's and many virtual ones never leave "unknown"; the kernel treats it as up).
  bool usable() const;
  friend bool operator==(const LinkEvent&, const LinkEvent&) = default;
};

// "wg0 (index 5): up running operstate unknown" / "dummy0 (index 7): deleted"
std::string to_string(const LinkEvent& e);

struct LinkBatch {
  std::vector<LinkEvent> events;  // in message order
  bool dump_done{false};          // NLMSG_DONE seen (later bytes are ignored)
  bool dump_interrupted{false};   // NLM_F_DUMP_INTR on some message: links changed mid-dump
};

// Decodes RTM_NEWLINK / RTM_DELLINK messages. Messages of other families (AF_BRIDGE port events, which
// also use RTM_DELLINK when a port merely leaves its bridge) and other types are skipped. An error
// string for NLMSG_ERROR with a non-zero code, a negative NLMSG_DONE code, a missing or malformed
// IFLA_IFNAME, an IFLA_OPERSTATE that is not one byte, an ifindex <= 0 and any bad length.
std::variant<LinkBatch, std::string> parse_link_messages(std::span<const std::uint8_t> bytes);

class LinkTable {
 public:
  // Records one parsed event and returns what to report: nothing (no visible change, or the deletion
  // of a link never seen), the event, or for a rename the old name's deletion and then the event.
  std::vector<LinkEvent> apply(const LinkEvent& e);

  // A dump replaces the table's view: between begin_dump() and end_dump() every link the dump (or a
  // notification) mentions is marked seen; end_dump() deletes the others and reports them deleted.
  void begin_dump();
  std::vector<LinkEvent> end_dump();
  bool dumping() const { return dump_seen_.has_value(); }

  const std::map<int, LinkEvent>& links() const { return links_; }
  const LinkEvent* find(std::string_view ifname) const;

 private:
  std::map<int, LinkEvent> links_;
  std::optional<std::set<int>> dump_seen_;
};

}  // namespace wgfo::link

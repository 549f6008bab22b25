// Kernel FIB read-back: a bounds-checked RTM_NEWROUTE decoder plus a libmnl dump loop.
//
// The decoder never casts the input to kernel structs: the span may come from anywhere (a test vector,
// a file, a recv buffer at any alignment), so every field is copied out with memcpy after its length has
// been checked against what is left. libmnl is used only for the socket: its walkers take pointers to
// aligned kernel structs and its iteration macros stop silently at a bad attribute, while a read-back
// must report every bad length (a silently shortened route list would look like drift).

#include "frr-integration/fib.hpp"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include "controller/wireguard/nl_decode.hpp"

namespace wgfo::frr {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::size_t align4(std::size_t n) {
  return (n + 3U) & ~std::size_t{3};
}

template <typename T>
T load(Bytes b, std::size_t offset) {
  T value{};
  std::memcpy(&value, b.data() + offset, sizeof(T));
  return value;
}

// Where in the buffer a problem was found, so an error in a 50 kB dump can be located.
std::string at(std::size_t msg_index, std::string_view what) {
  return "rtnetlink message " + std::to_string(msg_index) + ": " + std::string(what);
}

// One attribute: its type (flags stripped) and payload.
struct Attr {
  std::uint16_t type;
  Bytes payload;
};

// Splits a region into attributes. Each rtattr header and its declared length must fit; the padding
// after the last attribute may be missing (some producers omit it), padding in between may not.
std::variant<std::vector<Attr>, std::string> split_attrs(Bytes region) {
  std::vector<Attr> attrs;
  std::size_t off = 0;
  while (off < region.size()) {
    if (region.size() - off < sizeof(rtattr)) return std::string("truncated attribute header");
    const auto len = load<std::uint16_t>(region, off);
    const auto type = load<std::uint16_t>(region, off + 2);
    if (len < sizeof(rtattr))
      return "attribute " + std::to_string(type) + " length " + std::to_string(len) + " < 4";
    if (len > region.size() - off) {
      return "attribute " + std::to_string(type) + " length " + std::to_string(len) + " beyond the message";
    }
    attrs.push_back({static_cast<std::uint16_t>(type & NLA_TYPE_MASK),
                     region.subspan(off + sizeof(rtattr), len - sizeof(rtattr))});
    off += align4(len);
  }
  return attrs;
}

std::optional<std::uint32_t> u32_of(Bytes payload) {
  if (payload.size() != 4) return std::nullopt;
  return load<std::uint32_t>(payload, 0);
}

// RTA_VIA: struct rtvia {sa_family_t family; addr[]}. Only IP families make sense in an IP route.
std::optional<IpAddress> via_of(Bytes payload) {
  if (payload.size() < sizeof(std::uint16_t)) return std::nullopt;
  const auto family = load<std::uint16_t>(payload, 0);
  return IpAddress::from_bytes(payload.subspan(sizeof(std::uint16_t)), family);
}

// Applies a nexthop attribute (RTA_GATEWAY or RTA_VIA) of a route of `family`; false when malformed.
bool apply_gateway(const Attr& a, int family, FibNexthop& nh) {
  auto gw = a.type == RTA_GATEWAY ? IpAddress::from_bytes(a.payload, family) : via_of(a.payload);
  if (!gw) return false;
  nh.gateway = *gw;
  return true;
}

// RTA_MULTIPATH: a list of struct rtnexthop {u16 len; u8 flags; u8 hops; int ifindex}, each followed
// by its own attributes within len.
std::variant<std::vector<FibNexthop>, std::string> parse_multipath(Bytes region, int family) {
  std::vector<FibNexthop> out;
  std::size_t off = 0;
  while (off < region.size()) {
    if (region.size() - off < sizeof(rtnexthop)) return std::string("RTA_MULTIPATH: truncated rtnexthop");
    const auto len = load<std::uint16_t>(region, off);
    if (len < sizeof(rtnexthop)) return "RTA_MULTIPATH: rtnexthop length " + std::to_string(len) + " < 8";
    if (len > region.size() - off) {
      return "RTA_MULTIPATH: rtnexthop length " + std::to_string(len) + " beyond the attribute";
    }
    FibNexthop nh;
    nh.ifindex = load<int>(region, off + 4);
    auto attrs = split_attrs(region.subspan(off + sizeof(rtnexthop), len - sizeof(rtnexthop)));
    if (auto* err = std::get_if<std::string>(&attrs)) return "RTA_MULTIPATH nexthop: " + *err;
    for (const Attr& a : std::get<std::vector<Attr>>(attrs)) {
      if ((a.type == RTA_GATEWAY || a.type == RTA_VIA) && !apply_gateway(a, family, nh)) {
        return "RTA_MULTIPATH nexthop: bad " +
               std::string(a.type == RTA_GATEWAY ? "RTA_GATEWAY" : "RTA_VIA") + " (" +
               std::to_string(a.payload.size()) + " bytes)";
      }
    }
    out.push_back(nh);
    off += align4(len);
  }
  return out;
}

// Decodes the payload of one RTM_NEWROUTE (rtmsg + attributes). nullopt route: a family we skip.
std::variant<std::optional<FibRoute>, std::string> parse_route(Bytes payload) {
  if (payload.size() < sizeof(rtmsg)) return std::string("RTM_NEWROUTE shorter than struct rtmsg");
  rtmsg rtm{};
  std::memcpy(&rtm, payload.data(), sizeof(rtm));
  const int family = rtm.rtm_family;
  if (family != AF_INET && family != AF_INET6) return std::optional<FibRoute>{};
  const unsigned max_len = family == AF_INET ? 32U : 128U;
  if (rtm.rtm_dst_len > max_len) return "destination length " + std::to_string(rtm.rtm_dst_len) + " too long";

  auto attrs = split_attrs(payload.subspan(align4(sizeof(rtmsg))));
  if (auto* err = std::get_if<std::string>(&attrs)) return *err;

  FibRoute route;
  route.table = rtm.rtm_table;
  route.protocol = rtm.rtm_protocol;
  route.type = rtm.rtm_type;
  IpAddress dst = family == AF_INET ? IpAddress::v4({}) : IpAddress::v6({});
  FibNexthop single;
  bool have_single = false;
  std::optional<std::vector<FibNexthop>> multipath;
  for (const Attr& a : std::get<std::vector<Attr>>(attrs)) {
    switch (a.type) {
      case RTA_DST: {
        auto d = IpAddress::from_bytes(a.payload, family);
        if (!d) return "bad RTA_DST (" + std::to_string(a.payload.size()) + " bytes)";
        dst = *d;
        break;
      }
      case RTA_TABLE:
      case RTA_PRIORITY:
      case RTA_OIF: {
        auto v = u32_of(a.payload);
        if (!v) return "attribute " + std::to_string(a.type) + " is not 4 bytes";
        if (a.type == RTA_TABLE) route.table = *v;
        if (a.type == RTA_PRIORITY) route.metric = *v;
        if (a.type == RTA_OIF) single.ifindex = static_cast<int>(*v);
        have_single = have_single || a.type == RTA_OIF;
        break;
      }
      case RTA_GATEWAY:
      case RTA_VIA:
        if (!apply_gateway(a, family, single)) {
          return "bad " + std::string(a.type == RTA_GATEWAY ? "RTA_GATEWAY" : "RTA_VIA") + " (" +
                 std::to_string(a.payload.size()) + " bytes)";
        }
        have_single = true;
        break;
      case RTA_MULTIPATH: {
        auto nhs = parse_multipath(a.payload, family);
        if (auto* err = std::get_if<std::string>(&nhs)) return *err;
        multipath = std::move(std::get<std::vector<FibNexthop>>(nhs));
        break;
      }
      default:
        break;  // RTA_PREF, RTA_CACHEINFO, RTA_PREFSRC, ...: not part of the read-back
    }
  }
  route.prefix = IpPrefix(dst, rtm.rtm_dst_len).masked();
  if (multipath) {
    route.nexthops = std::move(*multipath);
  } else if (have_single) {
    route.nexthops.push_back(single);
  }
  std::sort(route.nexthops.begin(), route.nexthops.end());
  return std::optional<FibRoute>{std::move(route)};
}

// Result of decoding one recv() buffer; `done` tells the dump loop to stop reading.
struct Chunk {
  bool done{false};
  bool interrupted{false};  // NLM_F_DUMP_INTR on some message: the table changed during the dump
};

std::variant<Chunk, std::string> parse_into(Bytes bytes, std::vector<FibRoute>& routes) {
  Chunk chunk;
  std::size_t off = 0;
  for (std::size_t index = 0; off < bytes.size(); ++index) {
    if (bytes.size() - off < sizeof(nlmsghdr)) return at(index, "truncated nlmsghdr");
    nlmsghdr hdr{};
    std::memcpy(&hdr, bytes.data() + off, sizeof(hdr));
    if (hdr.nlmsg_len < sizeof(nlmsghdr))
      return at(index, "nlmsg_len " + std::to_string(hdr.nlmsg_len) + " < 16");
    if (hdr.nlmsg_len > bytes.size() - off) {
      return at(index, "nlmsg_len " + std::to_string(hdr.nlmsg_len) + " beyond the buffer");
    }
    const Bytes payload = bytes.subspan(off + sizeof(nlmsghdr), hdr.nlmsg_len - sizeof(nlmsghdr));
    chunk.interrupted = chunk.interrupted || (hdr.nlmsg_flags & NLM_F_DUMP_INTR) != 0;
    if (hdr.nlmsg_type == NLMSG_DONE) {
      // The kernel puts the dump's final status (0 or -errno) after the header.
      if (payload.size() >= sizeof(int) && load<int>(payload, 0) < 0) {
        return at(index, std::string("dump failed: ") + std::strerror(nl::errno_of(load<int>(payload, 0))));
      }
      chunk.done = true;
      return chunk;
    }
    if (hdr.nlmsg_type == NLMSG_ERROR) {
      if (payload.size() < sizeof(int)) return at(index, "truncated NLMSG_ERROR");
      const int code = load<int>(payload, 0);
      if (code != 0) return at(index, std::string("kernel error: ") + std::strerror(nl::errno_of(code)));
    } else if (hdr.nlmsg_type == RTM_NEWROUTE) {
      auto r = parse_route(payload);
      if (auto* err = std::get_if<std::string>(&r)) return at(index, *err);
      if (auto& route = std::get<std::optional<FibRoute>>(r)) routes.push_back(std::move(*route));
    }
    off += align4(hdr.nlmsg_len);
  }
  return chunk;
}

struct SocketCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};

std::string errno_text(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// One RTM_GETROUTE dump of `family`; appends the routes of `table` to `out`. Sets *interrupted when the
// kernel flagged the dump as inconsistent.
std::optional<std::string> dump_family(mnl_socket* sock, std::uint8_t family, std::uint32_t table,
                                       std::uint32_t seq, std::vector<FibRoute>& out, bool* interrupted) {
  alignas(nlmsghdr) std::array<char, 64> req{};  // nlmsghdr + rtmsg
  nlmsghdr* nlh = mnl_nlmsg_put_header(req.data());
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = seq;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = family;
  if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) return errno_text("rtnetlink send");

  // Dumps are read into a large buffer: a datagram longer than the buffer would be cut (ENOSPC).
  std::vector<std::uint8_t> buf(64 * 1024);
  std::vector<FibRoute> routes;
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(sock, buf.data(), buf.size());
    if (n < 0) return errno_text("rtnetlink recv");
    if (n == 0) return std::string("rtnetlink recv: socket closed before NLMSG_DONE");
    auto chunk = parse_into(Bytes(buf.data(), static_cast<std::size_t>(n)), routes);
    if (auto* err = std::get_if<std::string>(&chunk)) return *err;
    const Chunk& c = std::get<Chunk>(chunk);
    *interrupted = *interrupted || c.interrupted;
    if (c.done) break;
  }
  // Without strict checking the kernel ignores the request's filters and sends every table; with
  // ipv6.disable=1 an AF_INET6 request even falls back to an all-families dump. Filter here.
  for (FibRoute& r : routes) {
    const bool family_ok = (family == AF_INET) == r.prefix.address().is_v4();
    if (family_ok && r.table == table) out.push_back(std::move(r));
  }
  return std::nullopt;
}

}  // namespace

std::variant<std::vector<FibRoute>, std::string> parse_route_messages(std::span<const std::uint8_t> bytes) {
  std::vector<FibRoute> routes;
  auto chunk = parse_into(bytes, routes);
  if (auto* err = std::get_if<std::string>(&chunk)) return std::move(*err);
  return routes;
}

std::variant<std::vector<FibRoute>, std::string> read_fib(std::uint32_t table) {
  std::unique_ptr<mnl_socket, SocketCloser> sock(mnl_socket_open(NETLINK_ROUTE));
  if (!sock) return errno_text("rtnetlink socket");
  if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) return errno_text("rtnetlink bind");
  auto seq = static_cast<std::uint32_t>(::time(nullptr));
  // A route added or removed mid-dump sets NLM_F_DUMP_INTR; a fresh dump is then consistent again
  // unless the table keeps changing, in which case the caller retries on its next read-back.
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::vector<FibRoute> routes;
    bool interrupted = false;
    for (std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
      if (auto err = dump_family(sock.get(), family, table, ++seq, routes, &interrupted)) return *err;
    }
    if (!interrupted) return routes;
  }
  return std::string("rtnetlink dump interrupted ") + std::to_string(kAttempts) +
         " times (routes kept changing)";
}

std::optional<int> interface_index(const std::string& name) {
  const unsigned index = ::if_nametoindex(name.c_str());
  if (index == 0) return std::nullopt;
  return static_cast<int>(index);
}

std::optional<int> interface_index_if_up(std::string_view name) {
  const std::string ifname(name);
  const auto index = interface_index(ifname);
  if (!index || ifname.size() >= IFNAMSIZ) return std::nullopt;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, ifname.data(), ifname.size());
  const int rc = ::ioctl(fd, SIOCGIFFLAGS, &ifr);
  ::close(fd);
  const auto flags = static_cast<unsigned>(ifr.ifr_flags);
  if (rc != 0 || (flags & IFF_UP) == 0 || (flags & IFF_RUNNING) == 0) return std::nullopt;
  return index;
}

std::optional<std::string> interface_name(int ifindex) {
  if (ifindex <= 0) return std::nullopt;
  std::array<char, IF_NAMESIZE> name{};
  if (::if_indextoname(static_cast<unsigned>(ifindex), name.data()) == nullptr) return std::nullopt;
  return std::string(name.data());
}

}  // namespace wgfo::frr

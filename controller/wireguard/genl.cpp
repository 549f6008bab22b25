// Generic netlink requests (built with libmnl) and the bounds-checked reply decoder (hand-written, see
// nl_decode.hpp: libmnl's validators stop silently at a bad attribute, and its getters want aligned
// structs).

#include "controller/wireguard/genl.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>

#include "controller/wireguard/nl_decode.hpp"

namespace wgfo::wg {
namespace {

using nl::Attr;
using nl::Message;

constexpr std::size_t kIfNameMax = 15;  // IFNAMSIZ - 1

Error malformed(std::string message) {
  return Error{Error::Kind::Malformed, "wireguard netlink: " + std::move(message)};
}

// A kernel error code (negative errno in NLMSG_ERROR / NLMSG_DONE) as an Error of the right kind.
Error kernel_error(int code, std::string_view what) {
  const int err = nl::errno_of(code);
  const auto kind =
      (err == ENODEV || err == ENOENT || err == EOPNOTSUPP) ? Error::Kind::NotFound : Error::Kind::Rejected;
  return Error{kind, "wireguard netlink: " + std::string(what) + ": " + std::strerror(err)};
}

// The request buffer: nlmsghdr-aligned, large enough for any request we build (the set request is
// about 130 bytes).
struct RequestBuffer {
  alignas(nlmsghdr) std::array<std::uint8_t, 512> bytes{};
};

nlmsghdr* put_genl_header(RequestBuffer& buf, std::uint16_t type, std::uint16_t flags, std::uint32_t seq,
                          std::uint8_t cmd, std::uint8_t version) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.bytes.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  nlh->nlmsg_seq = seq;
  auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(genlmsghdr)));
  genl->cmd = cmd;
  genl->version = version;
  return nlh;
}

// Nests carry NLA_F_NESTED: a strictly validating kernel requires it, a lenient one ignores it.
nlattr* nest_start(nlmsghdr* nlh, std::uint16_t type) {
  return mnl_attr_nest_start(nlh, static_cast<std::uint16_t>(type | NLA_F_NESTED));
}

std::vector<std::uint8_t> finish(const nlmsghdr* nlh) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(nlh);
  return {p, p + nlh->nlmsg_len};
}

// The genlmsghdr of a message of our family and its attributes.
std::variant<std::vector<Attr>, std::string> genl_attrs(const Message& m, std::uint8_t want_cmd) {
  if (m.payload.size() < sizeof(genlmsghdr)) return std::string("shorter than genlmsghdr");
  const auto cmd = m.payload[0];
  if (cmd != want_cmd) return "command " + std::to_string(cmd) + ", expected " + std::to_string(want_cmd);
  return nl::split_attrs(m.payload.subspan(nl::align4(sizeof(genlmsghdr))));
}

std::optional<HostPort> endpoint_of(Bytes p) {
  if (p.size() < sizeof(sa_family_t)) return std::nullopt;
  const auto family = nl::load<sa_family_t>(p, 0);
  if (family == AF_INET && p.size() == sizeof(sockaddr_in)) {
    const auto sin = nl::load<sockaddr_in>(p, 0);
    std::array<std::uint8_t, 4> a{};
    std::memcpy(a.data(), &sin.sin_addr, a.size());
    return HostPort{IpAddress::v4(a).to_string(), ntohs(sin.sin_port)};
  }
  if (family == AF_INET6 && p.size() == sizeof(sockaddr_in6)) {
    const auto sin6 = nl::load<sockaddr_in6>(p, 0);
    std::array<std::uint8_t, 16> a{};
    std::memcpy(a.data(), &sin6.sin6_addr, a.size());
    return HostPort{IpAddress::v6(a).to_string(), ntohs(sin6.sin6_port)};  // sin6_scope_id dropped
  }
  return std::nullopt;
}

// One peer nest. `present` tells which optional fields it carried, so a continuation nest (public key
// and allowed IPs only) can be merged without wiping the fields of the first part.
struct ParsedPeer {
  PeerStats stats;
  bool has_key{false};
  bool has_stats{false};  // any of endpoint / handshake / counters / keepalive
};

std::variant<ParsedPeer, std::string> parse_peer(Bytes nest) {
  auto split = nl::split_attrs(nest);
  if (auto* err = std::get_if<std::string>(&split)) return "peer: " + *err;
  ParsedPeer out;
  const auto bad = [](std::string_view name, std::size_t size) {
    return "peer: " + std::string(name) + " has " + std::to_string(size) + " bytes";
  };
  for (const Attr& a : std::get<std::vector<Attr>>(split)) {
    switch (a.type) {
      case WGPEER_A_PUBLIC_KEY:
        if (a.payload.size() != kKeyLen) return bad("WGPEER_A_PUBLIC_KEY", a.payload.size());
        std::memcpy(out.stats.public_key.data(), a.payload.data(), kKeyLen);
        out.has_key = true;
        break;
      case WGPEER_A_ENDPOINT: {
        auto ep = endpoint_of(a.payload);
        if (!ep || ep->port == 0)
          return bad("WGPEER_A_ENDPOINT (not a sockaddr_in/in6 with a port)", a.payload.size());
        out.stats.endpoint = std::move(*ep);
        out.has_stats = true;
        break;
      }
      case WGPEER_A_LAST_HANDSHAKE_TIME: {
        if (a.payload.size() != 16) return bad("WGPEER_A_LAST_HANDSHAKE_TIME", a.payload.size());
        const auto sec = nl::load<std::int64_t>(a.payload, 0);
        const auto nsec = nl::load<std::int64_t>(a.payload, 8);
        if (sec < 0 || nsec < 0 || nsec > 999'999'999)
          return std::string("peer: WGPEER_A_LAST_HANDSHAKE_TIME out of range");
        out.stats.last_handshake = {sec, nsec};
        out.has_stats = true;
        break;
      }
      case WGPEER_A_RX_BYTES:
      case WGPEER_A_TX_BYTES:
        if (a.payload.size() != 8) {
          return bad(a.type == WGPEER_A_RX_BYTES ? "WGPEER_A_RX_BYTES" : "WGPEER_A_TX_BYTES",
                     a.payload.size());
        }
        (a.type == WGPEER_A_RX_BYTES ? out.stats.rx_bytes : out.stats.tx_bytes) =
            nl::load<std::uint64_t>(a.payload, 0);
        out.has_stats = true;
        break;
      case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
        if (a.payload.size() != 2) return bad("WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL", a.payload.size());
        out.stats.persistent_keepalive_interval = nl::load<std::uint16_t>(a.payload, 0);
        out.has_stats = true;
        break;
      default:
        break;  // preshared key (a secret: never copied), flags, allowed IPs, protocol version
    }
  }
  if (!out.has_key) return std::string("peer without WGPEER_A_PUBLIC_KEY");
  return out;
}

void merge_into(PeerStats& into, const ParsedPeer& part) {
  if (!part.has_stats) return;  // the usual continuation: only allowed IPs follow
  into = part.stats;
}

}  // namespace

std::vector<std::uint8_t> build_get_family_request(std::uint32_t seq) {
  RequestBuffer buf;
  nlmsghdr* nlh = put_genl_header(buf, GENL_ID_CTRL, NLM_F_REQUEST, seq, CTRL_CMD_GETFAMILY, 1);
  mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
  return finish(nlh);
}

Result<std::uint16_t> parse_get_family_reply(Bytes bytes) {
  auto split = nl::split_messages(bytes);
  if (auto* err = std::get_if<std::string>(&split)) return malformed(*err);
  for (const Message& m : std::get<std::vector<Message>>(split)) {
    if (m.type == NLMSG_ERROR) {
      const auto code = nl::status_of(m);
      if (!code) return malformed("truncated NLMSG_ERROR");
      if (*code != 0) {
        Error e = kernel_error(*code, "family \"" WG_GENL_NAME "\"");
        if (e.kind == Error::Kind::NotFound) e.message += " (is the wireguard kernel module loaded?)";
        return e;
      }
      continue;
    }
    if (m.type != GENL_ID_CTRL) continue;
    auto attrs = genl_attrs(m, CTRL_CMD_NEWFAMILY);
    if (auto* err = std::get_if<std::string>(&attrs)) return malformed("CTRL_CMD_NEWFAMILY: " + *err);
    std::optional<std::uint16_t> id;
    for (const Attr& a : std::get<std::vector<Attr>>(attrs)) {
      if (a.type == CTRL_ATTR_FAMILY_ID) {
        if (a.payload.size() != 2) return malformed("CTRL_ATTR_FAMILY_ID is not 2 bytes");
        id = nl::load<std::uint16_t>(a.payload, 0);
        // Types below GENL_MIN_ID are netlink's own (NLMSG_ERROR, NLMSG_DONE, ...): no family has one.
        if (*id < GENL_MIN_ID) {
          return malformed("CTRL_ATTR_FAMILY_ID " + std::to_string(*id) + " is a reserved message type");
        }
      } else if (a.type == CTRL_ATTR_FAMILY_NAME) {
        const auto name = nl::string_of(a.payload, GENL_NAMSIZ);
        if (name != WG_GENL_NAME) return malformed("CTRL_CMD_NEWFAMILY for another family");
      }
    }
    if (!id) return malformed("CTRL_CMD_NEWFAMILY without CTRL_ATTR_FAMILY_ID");
    return *id;
  }
  return malformed("no CTRL_CMD_NEWFAMILY in the reply");
}

Result<std::vector<std::uint8_t>> build_get_device_request(std::uint16_t family, std::uint32_t seq,
                                                           std::string_view ifname) {
  if (auto bad = check_ifname(ifname); const Error* e = error_of(bad)) return *e;
  RequestBuffer buf;
  nlmsghdr* nlh =
      put_genl_header(buf, family, NLM_F_REQUEST | NLM_F_DUMP, seq, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
  mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, std::string(ifname).c_str());
  return finish(nlh);
}

Result<std::vector<std::uint8_t>> build_set_endpoint_request(std::uint16_t family, std::uint32_t seq,
                                                             std::string_view ifname, const Key& peer,
                                                             const HostPort& endpoint) {
  if (auto bad = check_ifname(ifname); const Error* e = error_of(bad)) return *e;
  const auto address = IpAddress::parse(endpoint.host);
  if (!address) return malformed("endpoint host \"" + endpoint.host + "\" is not an IP address");
  if (endpoint.port == 0) return malformed("endpoint port 0");

  RequestBuffer buf;
  nlmsghdr* nlh =
      put_genl_header(buf, family, NLM_F_REQUEST | NLM_F_ACK, seq, WG_CMD_SET_DEVICE, WG_GENL_VERSION);
  mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, std::string(ifname).c_str());
  nlattr* peers = nest_start(nlh, WGDEVICE_A_PEERS);
  nlattr* one = nest_start(nlh, 0);
  mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, peer.size(), peer.data());
  mnl_attr_put_u32(nlh, WGPEER_A_FLAGS, WGPEER_F_UPDATE_ONLY);
  if (address->is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(endpoint.port);
    std::memcpy(&sin.sin_addr, address->bytes().data(), 4);
    mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(endpoint.port);
    std::memcpy(&sin6.sin6_addr, address->bytes().data(), 16);
    mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(sin6), &sin6);
  }
  mnl_attr_nest_end(nlh, one);
  mnl_attr_nest_end(nlh, peers);
  return finish(nlh);
}

Result<void> parse_ack(Bytes bytes) {
  auto split = nl::split_messages(bytes);
  if (auto* err = std::get_if<std::string>(&split)) return malformed(*err);
  for (const Message& m : std::get<std::vector<Message>>(split)) {
    if (m.type != NLMSG_ERROR) continue;
    const auto code = nl::status_of(m);
    if (!code) return malformed("truncated NLMSG_ERROR");
    if (*code != 0) return kernel_error(*code, "WG_CMD_SET_DEVICE");
    return std::monostate{};
  }
  return malformed("no acknowledgement in the reply");
}

Result<bool> DeviceDumpParser::feed(Bytes bytes) {
  if (done_) return true;
  auto split = nl::split_messages(bytes);
  if (auto* err = std::get_if<std::string>(&split)) return malformed(*err);
  for (const Message& m : std::get<std::vector<Message>>(split)) {
    const std::string at = "dump message " + std::to_string(messages_++) + ": ";
    interrupted_ = interrupted_ || (m.flags & NLM_F_DUMP_INTR) != 0;
    if (m.type == NLMSG_DONE) {
      const auto code = nl::status_of(m);
      if (code && *code < 0) return kernel_error(*code, "WG_CMD_GET_DEVICE");
      done_ = true;
      return true;
    }
    if (m.type == NLMSG_ERROR) {
      const auto code = nl::status_of(m);
      if (!code) return malformed(at + "truncated NLMSG_ERROR");
      if (*code != 0) return kernel_error(*code, "WG_CMD_GET_DEVICE");
      continue;
    }
    if (m.type == NLMSG_NOOP) continue;
    if (m.type != family_) {
      return malformed(at + "type " + std::to_string(m.type) + " is not the wireguard family " +
                       std::to_string(family_));
    }
    auto attrs = genl_attrs(m, WG_CMD_GET_DEVICE);
    if (auto* err = std::get_if<std::string>(&attrs)) return malformed(at + *err);
    for (const Attr& a : std::get<std::vector<Attr>>(attrs)) {
      switch (a.type) {
        case WGDEVICE_A_IFNAME: {
          auto name = nl::string_of(a.payload, kIfNameMax);
          if (!name) return malformed(at + "WGDEVICE_A_IFNAME is not a NUL-terminated name of 1..15 bytes");
          if (have_ifname_ && *name != device_.ifname) return malformed(at + "a second device in one dump");
          device_.ifname = std::move(*name);
          have_ifname_ = true;
          break;
        }
        case WGDEVICE_A_LISTEN_PORT:
          if (a.payload.size() != 2) return malformed(at + "WGDEVICE_A_LISTEN_PORT is not 2 bytes");
          device_.listen_port = nl::load<std::uint16_t>(a.payload, 0);
          break;
        case WGDEVICE_A_PEERS: {
          auto nests = nl::split_attrs(a.payload);
          if (auto* err = std::get_if<std::string>(&nests))
            return malformed(at + "WGDEVICE_A_PEERS: " + *err);
          for (const Attr& nest : std::get<std::vector<Attr>>(nests)) {
            auto peer = parse_peer(nest.payload);
            if (auto* err = std::get_if<std::string>(&peer)) return malformed(at + *err);
            const ParsedPeer& p = std::get<ParsedPeer>(peer);
            if (!device_.peers.empty() && device_.peers.back().public_key == p.stats.public_key) {
              merge_into(device_.peers.back(), p);  // the previous peer continues
            } else if (!seen_.insert(p.stats.public_key).second) {
              return malformed(at + "peer " + key_to_base64(p.stats.public_key) + " listed twice");
            } else {
              device_.peers.push_back(p.stats);
            }
          }
          break;
        }
        default:
          break;  // ifindex, private key (never copied), public key, fwmark, flags
      }
    }
  }
  return false;
}

Result<DeviceStats> parse_device_dump(std::uint16_t family, Bytes bytes) {
  DeviceDumpParser parser(family);
  auto r = parser.feed(bytes);
  if (const Error* e = error_of(r)) return *e;
  if (!std::get<bool>(r)) return malformed("dump ends without NLMSG_DONE");
  return parser.take();
}

}  // namespace wgfo::wg

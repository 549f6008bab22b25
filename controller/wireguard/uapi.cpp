// UAPI text: the pure parser of "get" replies and the builder of the endpoint "set". Every value we keep
// is parsed completely (digits only, range-checked); a reply we cannot fully trust is refused whole
// rather than half-read, since a wrong rx_bytes would look like a stall or a counter reset.

#include "controller/wireguard/uapi.hpp"

#include <cstdint>
#include <cstring>
#include <optional>
#include <set>

namespace wgfo::wg {
namespace {

Error malformed(std::string message) {
  return Error{Error::Kind::Malformed, "UAPI: " + std::move(message)};
}

std::optional<std::uint64_t> parse_u64(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

// errno=N with N a decimal, either sign (wireguard-go writes -EINVAL, the wg(8) docs a positive one).
std::optional<std::int64_t> parse_errno(std::string_view text) {
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  const auto v = parse_u64(text, 0x7fffffff);
  if (!v) return std::nullopt;
  return negative ? -static_cast<std::int64_t>(*v) : static_cast<std::int64_t>(*v);
}

Error rejected(std::int64_t code) {
  const auto positive = static_cast<int>(code < 0 ? -code : code);
  return Error{Error::Kind::Rejected, "UAPI: the interface answered errno=" + std::to_string(code) + " (" +
                                          std::strerror(positive) + ")"};
}

// "[fe80::1%eth0]:51820" -> "[fe80::1]:51820": the zone has no place in HostPort (see wg_types.hpp).
std::string without_zone(std::string_view endpoint) {
  const auto close = endpoint.find(']');
  const auto zone = endpoint.find('%');
  if (!endpoint.starts_with('[') || zone == std::string_view::npos || close == std::string_view::npos ||
      zone > close) {
    return std::string(endpoint);
  }
  return std::string(endpoint.substr(0, zone)) + std::string(endpoint.substr(close));
}

enum class Field { Ignored, ListenPort, PublicKey, Endpoint, HandshakeSec, HandshakeNsec, Rx, Tx, Keepalive };

Field field_of(std::string_view key) {
  if (key == "listen_port") return Field::ListenPort;
  if (key == "public_key") return Field::PublicKey;
  if (key == "endpoint") return Field::Endpoint;
  if (key == "last_handshake_time_sec") return Field::HandshakeSec;
  if (key == "last_handshake_time_nsec") return Field::HandshakeNsec;
  if (key == "rx_bytes") return Field::Rx;
  if (key == "tx_bytes") return Field::Tx;
  if (key == "persistent_keepalive_interval") return Field::Keepalive;
  return Field::Ignored;
}

// Applies one peer value; an error text without the "line N" prefix.
std::optional<std::string> apply_peer_value(Field field, std::string_view value, PeerStats& peer) {
  switch (field) {
    case Field::Endpoint: {
      std::string why;
      auto hp = HostPort::parse(without_zone(value), HostPort::Host::IpOnly, &why);
      if (!hp) return "bad endpoint \"" + std::string(value) + "\": " + why;
      peer.endpoint = std::move(*hp);
      return std::nullopt;
    }
    case Field::HandshakeSec: {
      const auto v = parse_u64(value, static_cast<std::uint64_t>(INT64_MAX));
      if (!v) return "last_handshake_time_sec is not a number of seconds: \"" + std::string(value) + "\"";
      peer.last_handshake.seconds = static_cast<std::int64_t>(*v);
      return std::nullopt;
    }
    case Field::HandshakeNsec: {
      const auto v = parse_u64(value, 999'999'999);
      if (!v) return "last_handshake_time_nsec is not 0..999999999: \"" + std::string(value) + "\"";
      peer.last_handshake.nanoseconds = static_cast<std::int64_t>(*v);
      return std::nullopt;
    }
    case Field::Rx:
    case Field::Tx: {
      const auto v = parse_u64(value, UINT64_MAX);
      if (!v) return "byte counter is not a 64-bit number: \"" + std::string(value) + "\"";
      (field == Field::Rx ? peer.rx_bytes : peer.tx_bytes) = *v;
      return std::nullopt;
    }
    case Field::Keepalive: {
      const auto v = parse_u64(value, 65535);
      if (!v) return "persistent_keepalive_interval is not 0..65535: \"" + std::string(value) + "\"";
      peer.persistent_keepalive_interval = static_cast<std::uint16_t>(*v);
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

bool uapi_reply_complete(std::string_view received) {
  return received.starts_with('\n') || received.find("\n\n") != std::string_view::npos;
}

Result<DeviceStats> parse_uapi_get_reply(std::string_view reply, std::string_view ifname) {
  DeviceStats device;
  device.ifname = std::string(ifname);
  std::set<Key> seen;
  std::optional<std::int64_t> errno_value;
  std::size_t pos = 0;
  for (std::size_t line_no = 1;; ++line_no) {
    const auto nl = reply.find('\n', pos);
    if (nl == std::string_view::npos) {
      return malformed("reply truncated at line " + std::to_string(line_no) + " (no terminating empty line)");
    }
    const std::string_view line = reply.substr(pos, nl - pos);
    pos = nl + 1;
    const std::string at = "line " + std::to_string(line_no) + ": ";
    if (line.empty()) {
      if (pos != reply.size()) return malformed(at + "bytes after the end of the reply");
      break;
    }
    if (errno_value) return malformed(at + "a line after errno (errno must end the reply)");
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return malformed(at + "no '=' in the line");
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = line.substr(eq + 1);
    if (key == "errno") {
      errno_value = parse_errno(value);
      if (!errno_value) return malformed(at + "errno is not a number: \"" + std::string(value) + "\"");
      continue;
    }
    const Field field = field_of(key);
    if (field == Field::Ignored) continue;
    if (field == Field::ListenPort) {
      if (!device.peers.empty()) return malformed(at + "listen_port after the first peer");
      const auto v = parse_u64(value, 65535);
      if (!v) return malformed(at + "listen_port is not 0..65535: \"" + std::string(value) + "\"");
      device.listen_port = static_cast<std::uint16_t>(*v);
      continue;
    }
    if (field == Field::PublicKey) {
      auto k = key_from_hex(value);
      if (const Error* e = error_of(k)) return malformed(at + "bad public_key: " + e->message);
      if (!seen.insert(std::get<Key>(k)).second) {
        return malformed(at + "peer " + key_to_base64(std::get<Key>(k)) + " listed twice");
      }
      device.peers.push_back(PeerStats{.public_key = std::get<Key>(k)});
      continue;
    }
    if (device.peers.empty()) return malformed(at + std::string(key) + " before any public_key");
    if (auto err = apply_peer_value(field, value, device.peers.back())) return malformed(at + *err);
  }
  if (!errno_value) return malformed("reply has no errno line");
  if (*errno_value != 0) return rejected(*errno_value);
  return device;
}

Result<void> parse_uapi_set_reply(std::string_view reply) {
  constexpr std::string_view kPrefix = "errno=";
  if (!reply.starts_with(kPrefix) || !reply.ends_with("\n\n")) {
    return malformed("set reply is not \"errno=N\\n\\n\" (" + std::to_string(reply.size()) + " bytes)");
  }
  const std::string_view number = reply.substr(kPrefix.size(), reply.size() - kPrefix.size() - 2);
  const auto code = parse_errno(number);
  if (!code) return malformed("set reply errno is not a number");
  if (*code != 0) return rejected(*code);
  return std::monostate{};
}

Result<std::string> build_uapi_set_endpoint(const Key& peer, const HostPort& endpoint) {
  const auto address = IpAddress::parse(endpoint.host);
  if (!address) {
    return Error{Error::Kind::Malformed,
                 "endpoint host \"" + endpoint.host + "\" is not an IP address (the UAPI takes no names)"};
  }
  if (endpoint.port == 0) return Error{Error::Kind::Malformed, "endpoint port 0"};
  const HostPort canonical{address->to_string(), endpoint.port};
  return "set=1\npublic_key=" + key_to_hex(peer) + "\nupdate_only=true\nendpoint=" + canonical.to_string() +
         "\n\n";
}

}  // namespace wgfo::wg

// Address value types: parsing goes through inet_pton/inet_ntop so the accepted text is exactly the
// system's (no hand-rolled IPv6 grammar); everything around it (prefix length, port, hostname labels)
// is checked here, with a reason for the caller to show.

#include "controller/ip.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace wgfo {
namespace {

void set_why(std::string* why, std::string text) {
  if (why != nullptr) *why = std::move(text);
}

// Decimal digits only (no sign, no spaces), at most max_digits of them.
std::optional<unsigned> parse_small_uint(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

bool is_ldh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// RFC 1123 host name: dot-separated labels of letters, digits and '-', 1..63 characters, not starting
// or ending with '-', 253 characters in all. An all-numeric last label is refused (RFC 3696 §2) so a
// mistyped IPv4 address such as 192.0.2.300 is reported as a bad address, not resolved as a name.
bool is_hostname(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::string_view last;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const std::string_view label = name.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), is_ldh)) return false;
    last = label;
    start = dot + 1;
  }
  return !std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

IpAddress IpAddress::v4(const std::array<std::uint8_t, 4>& bytes) {
  IpAddress a;
  a.family_ = IpFamily::V4;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress a;
  a.family_ = IpFamily::V6;
  a.bytes_ = bytes;
  return a;
}

std::optional<IpAddress> IpAddress::from_bytes(std::span<const std::uint8_t> bytes, int af) {
  if (af == AF_INET && bytes.size() == 4) {
    std::array<std::uint8_t, 4> a{};
    std::copy(bytes.begin(), bytes.end(), a.begin());
    return v4(a);
  }
  if (af == AF_INET6 && bytes.size() == 16) {
    std::array<std::uint8_t, 16> a{};
    std::copy(bytes.begin(), bytes.end(), a.begin());
    return v6(a);
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; an embedded NUL would silently cut the text short.
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string copy(text);
  std::array<std::uint8_t, 16> buf{};
  if (copy.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, copy.c_str(), buf.data()) != 1) return std::nullopt;
    return v4({buf[0], buf[1], buf[2], buf[3]});
  }
  if (inet_pton(AF_INET6, copy.c_str(), buf.data()) != 1) return std::nullopt;
  return v6(buf);
}

bool IpAddress::is_unspecified() const {
  return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0; });
}

bool IpAddress::is_multicast() const {
  return is_v4() ? (bytes_[0] & 0xF0U) == 0xE0U : bytes_[0] == 0xFFU;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

IpPrefix::IpPrefix(const IpAddress& address, unsigned length)
    : address_(address), length_(static_cast<std::uint8_t>(std::min(length, address.max_prefix_length()))) {}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text, std::string* why) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    set_why(why, "missing the prefix length (e.g. 10.20.0.0/16; use /32 or /128 for a single host)");
    return std::nullopt;
  }
  const auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) {
    set_why(why, "\"" + std::string(text.substr(0, slash)) + "\" is not an IPv4 or IPv6 address");
    return std::nullopt;
  }
  const unsigned max = address->max_prefix_length();
  const auto length = parse_small_uint(text.substr(slash + 1), 3);
  if (!length || *length > max) {
    set_why(why, "the prefix length must be a number 0.." + std::to_string(max) + " for " +
                     (address->is_v4() ? "IPv4" : "IPv6"));
    return std::nullopt;
  }
  return IpPrefix(*address, *length);
}

IpPrefix IpPrefix::masked() const {
  std::array<std::uint8_t, 16> bytes{};
  const auto in = address_.bytes();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const unsigned bits_before = static_cast<unsigned>(i) * 8U;
    if (length_ >= bits_before + 8U) {
      bytes[i] = in[i];
    } else if (length_ > bits_before) {
      const unsigned keep = length_ - bits_before;  // 1..7 leading bits of this byte
      bytes[i] = static_cast<std::uint8_t>(in[i] & (0xFFU << (8U - keep)));
    }
  }
  const IpAddress address =
      address_.is_v4() ? IpAddress::v4({bytes[0], bytes[1], bytes[2], bytes[3]}) : IpAddress::v6(bytes);
  return IpPrefix(address, length_);
}

bool IpPrefix::contains(const IpAddress& address) const {
  return address.family() == family() && IpPrefix(address, length_).masked() == masked();
}

std::string IpPrefix::to_string() const {
  return address_.to_string() + "/" + std::to_string(length_);
}

std::optional<HostPort> HostPort::parse(std::string_view text, Host allowed, std::string* why) {
  const std::string_view example = allowed == Host::IpOnly ? "127.0.0.1:9470 or [::1]:9470"
                                                           : "192.0.2.2:51820, [2001:db8::2]:51820 or "
                                                             "vpn.example.net:51820";
  std::string_view host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      set_why(why, "expected [IPV6]:PORT, e.g. [2001:db8::1]:51820");
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    const auto address = IpAddress::parse(host);
    if (!address || !address->is_v6()) {
      set_why(why, "\"" + std::string(host) + "\" inside brackets is not an IPv6 address");
      return std::nullopt;
    }
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      set_why(why, "missing the port; expected HOST:PORT, e.g. " + std::string(example));
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      set_why(why, "an IPv6 address needs brackets, e.g. [2001:db8::1]:51820");
      return std::nullopt;
    }
    if (host.empty()) {
      set_why(why, "missing the host; expected HOST:PORT, e.g. " + std::string(example));
      return std::nullopt;
    }
    if (!IpAddress::parse(host)) {
      const bool name_ok = allowed == Host::IpOrName && is_hostname(host);
      if (!name_ok) {
        set_why(why, "\"" + std::string(host) + "\" is not " +
                         (allowed == Host::IpOnly ? "an IP address" : "an IP address or host name"));
        return std::nullopt;
      }
    }
  }
  const auto port = parse_small_uint(port_text, 5);
  if (!port || *port == 0 || *port > 65535) {
    set_why(why, "the port must be a number 1..65535");
    return std::nullopt;
  }
  HostPort result{std::string(host), static_cast<std::uint16_t>(*port)};
  if (const auto address = IpAddress::parse(host)) {
    result.host = address->to_string();
  } else {
    std::transform(result.host.begin(), result.host.end(), result.host.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  }
  return result;
}

std::string HostPort::to_string() const {
  const bool bracket = host.find(':') != std::string::npos;
  return (bracket ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace wgfo

namespace {
// FNV-1a: addresses are short and this only feeds unordered containers.
std::size_t fnv1a(std::span<const std::uint8_t> bytes, std::size_t seed) {
  std::size_t h = seed ^ 14695981039346656037ULL;
  for (const std::uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ULL;
  }
  return h;
}
}  // namespace

std::size_t std::hash<wgfo::IpAddress>::operator()(const wgfo::IpAddress& a) const noexcept {
  return fnv1a(a.bytes(), static_cast<std::size_t>(a.family()));
}

std::size_t std::hash<wgfo::IpPrefix>::operator()(const wgfo::IpPrefix& p) const noexcept {
  return fnv1a(p.address().bytes(), (static_cast<std::size_t>(p.family()) << 8U) | p.length());
}

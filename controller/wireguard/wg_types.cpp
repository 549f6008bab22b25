// Key text forms and interface-name checks. Base64 is hand-written (16 lines) rather than pulled from a
// library because the key form is fixed (32 bytes, 44 characters) and must be decoded strictly.

#include "controller/wireguard/wg_types.hpp"

#include <algorithm>

namespace wgfo::wg {
namespace {

constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t kBase64Len = 44;  // ceil(32 / 3) * 4
constexpr std::string_view kHex = "0123456789abcdef";

int base64_value(char c) {
  const auto pos = kBase64.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error malformed(std::string message) {
  return Error{Error::Kind::Malformed, std::move(message)};
}

}  // namespace

const PeerStats* DeviceStats::find(const Key& public_key) const {
  const auto it = std::find_if(peers.begin(), peers.end(),
                               [&](const PeerStats& p) { return p.public_key == public_key; });
  return it == peers.end() ? nullptr : &*it;
}

std::string key_to_base64(const Key& key) {
  std::string out;
  out.reserve(kBase64Len);
  std::size_t i = 0;
  for (; i + 3 <= key.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{key[i]} << 16) | (std::uint32_t{key[i + 1]} << 8) | key[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64[(v >> shift) & 0x3fU]);
  }
  // 32 = 10 * 3 + 2: two bytes left, three characters and one '='.
  const std::uint32_t v = (std::uint32_t{key[i]} << 16) | (std::uint32_t{key[i + 1]} << 8);
  out.push_back(kBase64[(v >> 18) & 0x3fU]);
  out.push_back(kBase64[(v >> 12) & 0x3fU]);
  out.push_back(kBase64[(v >> 6) & 0x3fU]);
  out.push_back('=');
  return out;
}

Result<Key> key_from_base64(std::string_view text) {
  if (text.size() != kBase64Len || text.back() != '=') {
    return malformed(
        "a WireGuard key is 44 base64 characters ending in '=' (as `wg pubkey` prints it), got " +
        std::to_string(text.size()) + " characters");
  }
  Key key{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < kBase64Len; i += 4) {
    std::uint32_t v = 0;
    const std::size_t chars = i + 4 == kBase64Len ? 3 : 4;  // the last group carries one '='
    for (std::size_t j = 0; j < 4; ++j) {
      int d = 0;
      if (j < chars) {
        d = base64_value(text[i + j]);
        if (d < 0) return malformed("invalid base64 character at position " + std::to_string(i + j + 1));
      }
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    if (chars == 3) {
      if ((v & 0xffU) != 0) return malformed("not a canonical base64 key (stray bits before the '=')");
      key[out++] = static_cast<std::uint8_t>(v >> 16);
      key[out++] = static_cast<std::uint8_t>(v >> 8);
    } else {
      key[out++] = static_cast<std::uint8_t>(v >> 16);
      key[out++] = static_cast<std::uint8_t>(v >> 8);
      key[out++] = static_cast<std::uint8_t>(v);
    }
  }
  return key;
}

std::string key_to_hex(const Key& key) {
  std::string out;
  out.reserve(2 * kKeyLen);
  for (const std::uint8_t b : key) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xfU]);
  }
  return out;
}

Result<Key> key_from_hex(std::string_view text) {
  if (text.size() != 2 * kKeyLen) {
    return malformed("a hex WireGuard key is 64 hex digits, got " + std::to_string(text.size()) +
                     " characters");
  }
  Key key{};
  for (std::size_t i = 0; i < kKeyLen; ++i) {
    const int hi = hex_value(text[2 * i]);
    const int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return malformed("invalid hex digit at position " + std::to_string(2 * i + (hi < 0 ? 1 : 2)));
    }
    key[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return key;
}

Result<void> check_ifname(std::string_view ifname) {
  // IFNAMSIZ is 16 with the terminating NUL; dev_valid_name() also refuses '/', ':' and whitespace.
  if (ifname.empty() || ifname.size() > 15) {
    return malformed("interface name \"" + std::string(ifname) + "\" must be 1..15 characters");
  }
  if (ifname == "." || ifname == "..")
    return malformed("interface name \"" + std::string(ifname) + "\" is reserved");
  for (const char c : ifname) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == ':' || u <= 0x20 || u == 0x7f) {
      return malformed("interface name \"" + std::string(ifname) +
                       "\" contains '/', ':', whitespace or a control "
                       "character");
    }
  }
  return std::monostate{};
}

}  // namespace wgfo::wg

#pragma once
// Bounds-checked netlink decoding shared by the generic netlink (genl.cpp) and rtnetlink link (link.cpp)
// parsers; internal to this directory. The same rules as frr-integration/fib.cpp: the input is a span
// from anywhere (a recv buffer, a test vector) at any alignment, so nothing is cast to a kernel struct;
// each header and each declared length is checked against what is left before it is read, and values
// are copied out with memcpy.

#include <linux/netlink.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace wgfo::nl {

using Bytes = std::span<const std::uint8_t>;

constexpr std::size_t align4(std::size_t n) {
  return (n + 3U) & ~std::size_t{3};
}

// Callers check b.size() >= offset + sizeof(T) first.
template <typename T>
T load(Bytes b, std::size_t offset) {
  T value{};
  std::memcpy(&value, b.data() + offset, sizeof(T));
  return value;
}

struct Message {
  std::uint16_t type{0};
  std::uint16_t flags{0};
  std::uint32_t seq{0};
  Bytes payload;  // after the 16-byte header, nlmsg_len - 16 bytes
};

// Splits a buffer into messages, up to and including NLMSG_DONE (bytes after it are not looked at). Each
// nlmsghdr and its nlmsg_len must fit; the padding after the last message may be missing. The error
// names the message index.
inline std::variant<std::vector<Message>, std::string> split_messages(Bytes bytes) {
  std::vector<Message> out;
  std::size_t off = 0;
  for (std::size_t index = 0; off < bytes.size(); ++index) {
    const std::string at = "netlink message " + std::to_string(index) + ": ";
    if (bytes.size() - off < sizeof(nlmsghdr)) return at + "truncated nlmsghdr";
    nlmsghdr hdr{};
    std::memcpy(&hdr, bytes.data() + off, sizeof(hdr));
    if (hdr.nlmsg_len < sizeof(nlmsghdr)) return at + "nlmsg_len " + std::to_string(hdr.nlmsg_len) + " < 16";
    if (hdr.nlmsg_len > bytes.size() - off) {
      return at + "nlmsg_len " + std::to_string(hdr.nlmsg_len) + " beyond the buffer";
    }
    out.push_back({hdr.nlmsg_type, hdr.nlmsg_flags, hdr.nlmsg_seq,
                   bytes.subspan(off + sizeof(nlmsghdr), hdr.nlmsg_len - sizeof(nlmsghdr))});
    if (hdr.nlmsg_type == NLMSG_DONE) break;
    off += align4(hdr.nlmsg_len);
  }
  return out;
}

// NLMSG_ERROR / NLMSG_DONE carry an int status first (0, or -errno). nullopt: payload too short.
inline std::optional<int> status_of(const Message& m) {
  if (m.payload.size() < sizeof(int)) return std::nullopt;
  return load<int>(m.payload, 0);
}

// The errno of a status (-errno as the kernel sends it; a positive one is read as is), for strerror().
// INT_MIN has no positive counterpart (negating it is undefined behaviour): it is no errno, and INT_MAX,
// which strerror() calls unknown just the same, stands in for it.
inline int errno_of(int status) {
  if (status == INT_MIN) return INT_MAX;
  return status < 0 ? -status : status;
}

struct Attr {
  std::uint16_t type;  // NLA_F_NESTED / NLA_F_NET_BYTEORDER stripped
  Bytes payload;
};

// Splits a region into attributes. Each nlattr header and its declared length must fit; the padding
// after the last attribute may be missing, padding in between may not.
inline std::variant<std::vector<Attr>, std::string> split_attrs(Bytes region) {
  std::vector<Attr> attrs;
  std::size_t off = 0;
  while (off < region.size()) {
    if (region.size() - off < sizeof(nlattr)) return std::string("truncated attribute header");
    const auto len = load<std::uint16_t>(region, off);
    const auto type = static_cast<std::uint16_t>(load<std::uint16_t>(region, off + 2) & NLA_TYPE_MASK);
    if (len < sizeof(nlattr)) {
      return "attribute " + std::to_string(type) + " length " + std::to_string(len) + " < 4";
    }
    if (len > region.size() - off) {
      return "attribute " + std::to_string(type) + " length " + std::to_string(len) + " beyond its container";
    }
    attrs.push_back({type, region.subspan(off + sizeof(nlattr), len - sizeof(nlattr))});
    off += align4(len);
  }
  return attrs;
}

// A NUL-terminated string attribute of at most max_len bytes before the NUL (bytes after the first
// NUL, e.g. padding, are allowed). nullopt when there is no NUL or it is too long or empty.
inline std::optional<std::string> string_of(Bytes payload, std::size_t max_len) {
  if (payload.empty()) return std::nullopt;
  const auto* begin = payload.data();
  const auto* nul = static_cast<const std::uint8_t*>(std::memchr(begin, 0, payload.size()));
  if (nul == nullptr) return std::nullopt;
  const auto len = static_cast<std::size_t>(nul - begin);
  if (len == 0 || len > max_len) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(begin), len);
}

}  // namespace wgfo::nl

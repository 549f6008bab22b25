#pragma once
// A minimal netlink writer for the fuzz targets' round trips: what a parser accepted is written back the
// way the kernel would send it (host byte order, 4-byte padding, attribute lengths without the padding)
// and must parse to the same value.
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace wgfo::fuzz {

using Buf = std::vector<std::uint8_t>;

inline void put(Buf& b, const void* p, std::size_t n) {
  const auto* bytes = static_cast<const std::uint8_t*>(p);
  b.insert(b.end(), bytes, bytes + n);
  b.resize((b.size() + 3U) & ~std::size_t{3});
}
// struct nlattr and struct rtattr have the same layout: {u16 length, u16 type}.
inline void attr(Buf& b, std::uint16_t type, const void* p, std::size_t n) {
  const std::uint16_t header[2] = {static_cast<std::uint16_t>(4 + n), type};
  put(b, header, sizeof(header));
  put(b, p, n);
}
inline void u32_attr(Buf& b, std::uint16_t type, std::uint32_t v) {
  attr(b, type, &v, sizeof(v));
}
// A nest header now; end_nest() sets its length once the nested attributes follow.
inline std::size_t begin_nest(Buf& b, std::uint16_t type) {
  const std::size_t at = b.size();
  const std::uint16_t header[2] = {0, type};
  put(b, header, sizeof(header));
  return at;
}
inline void end_nest(Buf& b, std::size_t at) {
  const auto len = static_cast<std::uint16_t>(b.size() - at);
  std::memcpy(b.data() + at, &len, sizeof(len));
}
inline void message(Buf& out, std::uint16_t type, std::uint16_t flags, const Buf& payload) {
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(sizeof(h) + payload.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  put(out, &h, sizeof(h));
  out.insert(out.end(), payload.begin(), payload.end());
}

}  // namespace wgfo::fuzz

// Probe wire format codec; the byte table and the field semantics are in probe_packet.hpp.
#include "controller/probe/probe_packet.hpp"

#include <cstdio>

namespace wgfo::probe {
namespace {

template <typename T>
void put(ProbeBytes& out, std::size_t at, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out[at + i] = static_cast<std::uint8_t>(value >> (8 * (sizeof(T) - 1 - i)));
  }
}

template <typename T>
T get(std::span<const std::uint8_t> in, std::size_t at) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | in[at + i]);
  return v;
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

std::string_view to_string(MessageType t) {
  switch (t) {
    case MessageType::Request:
      return "request";
    case MessageType::Reply:
      return "reply";
  }
  return "unknown";
}

ProbeBytes encode(const ProbeMessage& m) {
  ProbeBytes out{};
  put<std::uint32_t>(out, 0, kMagic);
  out[4] = kVersion;
  out[5] = static_cast<std::uint8_t>(m.type);
  // 6..7 Reserved, zero.
  put<std::uint32_t>(out, 8, m.session_id);
  put<std::uint32_t>(out, 12, m.sequence);
  put<std::uint64_t>(out, 16, m.tx_timestamp);
  put<std::uint64_t>(out, 24, m.hold_ns);
  return out;
}

DecodeResult decode(std::span<const std::uint8_t> data) {
  DecodeResult r;
  // Magic and version first, so a packet of another version gets "unsupported version" rather than a
  // length complaint (a later version may be longer).
  if (data.size() < kHeaderSize) {
    r.error = "packet too short: " + std::to_string(data.size()) + " octets, expected " +
              std::to_string(kPacketSize);
    return r;
  }
  if (const auto magic = get<std::uint32_t>(data, 0); magic != kMagic) {
    r.error = "bad magic " + hex32(magic);
    return r;
  }
  if (data[4] != kVersion) {
    r.error = "unsupported version " + std::to_string(data[4]);
    return r;
  }
  if (data.size() != kPacketSize) {
    r.error =
        "bad length: " + std::to_string(data.size()) + " octets, expected " + std::to_string(kPacketSize);
    return r;
  }
  const std::uint8_t type = data[5];
  if (type != static_cast<std::uint8_t>(MessageType::Request) &&
      type != static_cast<std::uint8_t>(MessageType::Reply)) {
    r.error = "unknown message type " + std::to_string(type);
    return r;
  }
  r.message.type = static_cast<MessageType>(type);
  r.message.session_id = get<std::uint32_t>(data, 8);
  r.message.sequence = get<std::uint32_t>(data, 12);
  r.message.tx_timestamp = get<std::uint64_t>(data, 16);
  r.message.hold_ns = get<std::uint64_t>(data, 24);
  return r;
}

ProbeMessage make_reply(const ProbeMessage& request, std::uint64_t hold_ns) {
  ProbeMessage reply = request;
  reply.type = MessageType::Reply;
  reply.hold_ns = hold_ns;
  return reply;
}

}  // namespace wgfo::probe

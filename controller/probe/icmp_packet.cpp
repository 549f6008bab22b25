// ICMP Echo codec and checksums; formats in icmp_packet.hpp.
#include "controller/probe/icmp_packet.hpp"

namespace wgfo::probe {
namespace {

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoIcmpv6 = 58;

std::uint16_t get16(std::span<const std::uint8_t> in, std::size_t at) {
  return static_cast<std::uint16_t>((in[at] << 8) | in[at + 1]);
}
std::uint32_t get32(std::span<const std::uint8_t> in, std::size_t at) {
  return (std::uint32_t{get16(in, at)} << 16) | get16(in, at + 2);
}
std::uint64_t get64(std::span<const std::uint8_t> in, std::size_t at) {
  return (std::uint64_t{get32(in, at)} << 32) | get32(in, at + 4);
}

template <typename T, std::size_t N>
void put(std::array<std::uint8_t, N>& out, std::size_t at, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out[at + i] = static_cast<std::uint8_t>(value >> (8 * (sizeof(T) - 1 - i)));
  }
}

std::uint32_t partial_sum(std::span<const std::uint8_t> data, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += get16(data, i);
  if (i < data.size()) sum += static_cast<std::uint32_t>(data[i]) << 8;
  return sum;
}

std::uint16_t fold(std::uint64_t sum) {
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::uint8_t request_type(IpFamily f) {
  return f == IpFamily::V4 ? kIcmp4EchoRequest : kIcmp6EchoRequest;
}
std::uint8_t reply_type(IpFamily f) {
  return f == IpFamily::V4 ? kIcmp4EchoReply : kIcmp6EchoReply;
}

void fill_v4_checksum(EchoBytes& b) {
  b[2] = b[3] = 0;
  put<std::uint16_t>(b, 2, internet_checksum(b));
}

}  // namespace

std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial) {
  // Summing in 64 bits and folding at the end is exact for any input shorter than 2^48 octets.
  std::uint64_t sum = initial;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += get16(data, i);
  if (i < data.size()) sum += static_cast<std::uint64_t>(data[i]) << 8;
  return fold(sum);
}

std::uint16_t icmpv6_checksum(const IpAddress& source, const IpAddress& destination,
                              std::span<const std::uint8_t> message) {
  // RFC 8200 §8.1: source, destination, upper-layer length (32 bits), 3 zero octets, next header.
  std::uint32_t sum = partial_sum(source.bytes(), 0);
  sum = partial_sum(destination.bytes(), sum);
  const auto len = static_cast<std::uint32_t>(message.size());
  sum += (len >> 16) + (len & 0xffff);
  sum += kProtoIcmpv6;
  return internet_checksum(message, sum);
}

EchoBytes encode_echo_request(IpFamily family, std::uint16_t identifier, const EchoPayload& payload) {
  EchoBytes b{};
  b[0] = request_type(family);
  b[1] = 0;
  put<std::uint16_t>(b, 4, identifier);
  put<std::uint16_t>(b, 6, static_cast<std::uint16_t>(payload.sequence & 0xffff));
  put<std::uint32_t>(b, 8, kIcmpMagic);
  put<std::uint32_t>(b, 12, payload.session_id);
  put<std::uint32_t>(b, 16, payload.sequence);
  // 20..23 reserved, zero
  put<std::uint64_t>(b, 24, payload.tx_timestamp);
  if (family == IpFamily::V4) fill_v4_checksum(b);
  return b;
}

EchoBytes make_echo_reply(IpFamily family, const EchoBytes& request) {
  EchoBytes b = request;
  b[0] = reply_type(family);
  if (family == IpFamily::V4) fill_v4_checksum(b);
  return b;
}

EchoDecodeResult decode_echo(IpFamily family, std::span<const std::uint8_t> icmp) {
  EchoDecodeResult r;
  if (icmp.size() < kIcmpHeaderSize) {
    r.error = "ICMP message too short: " + std::to_string(icmp.size()) + " octets";
    return r;
  }
  const std::uint8_t type = icmp[0];
  if (type != request_type(family) && type != reply_type(family)) {
    r.error = "not an echo message: ICMP" + std::string(family == IpFamily::V6 ? "v6" : "") + " type " +
              std::to_string(type);
    return r;
  }
  if (icmp[1] != 0) {
    r.error = "bad echo code " + std::to_string(icmp[1]);
    return r;
  }
  if (family == IpFamily::V4 && internet_checksum(icmp) != 0) {
    r.error = "bad ICMP checksum";
    return r;
  }
  r.header = EchoHeader{type, icmp[1], get16(icmp, 2), get16(icmp, 4), get16(icmp, 6)};
  r.data = icmp.subspan(kIcmpHeaderSize);
  return r;
}

PayloadDecodeResult decode_payload(std::span<const std::uint8_t> data) {
  PayloadDecodeResult r;
  if (data.size() < kIcmpPayloadSize) {
    r.error = "echo payload too short: " + std::to_string(data.size()) + " octets";
    return r;
  }
  if (get32(data, 0) != kIcmpMagic) {
    r.error = "echo payload is not a wg-failover probe";
    return r;
  }
  r.payload.session_id = get32(data, 4);
  r.payload.sequence = get32(data, 8);
  r.payload.tx_timestamp = get64(data, 16);
  return r;
}

Ipv4StripResult strip_ipv4_header(std::span<const std::uint8_t> packet) {
  Ipv4StripResult r;
  if (packet.size() < 20) {
    r.error = "IPv4 packet too short: " + std::to_string(packet.size()) + " octets";
    return r;
  }
  if ((packet[0] >> 4) != 4) {
    r.error = "not IPv4: version " + std::to_string(packet[0] >> 4);
    return r;
  }
  const std::size_t ihl = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
  const std::size_t total = get16(packet, 2);
  if (ihl < 20 || ihl > packet.size()) {
    r.error = "bad IPv4 header length " + std::to_string(ihl);
    return r;
  }
  if (total < ihl || total > packet.size()) {
    r.error = "bad IPv4 total length " + std::to_string(total) + " (" + std::to_string(packet.size()) +
              " octets received)";
    return r;
  }
  if ((get16(packet, 6) & 0x3fff) != 0) {  // MF or a fragment offset
    r.error = "IPv4 fragment";
    return r;
  }
  if (packet[9] != kProtoIcmp) {
    r.error = "not ICMP: protocol " + std::to_string(packet[9]);
    return r;
  }
  r.payload = packet.subspan(ihl, total - ihl);
  return r;
}

}  // namespace wgfo::probe

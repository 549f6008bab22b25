// Pure probe clients (UDP protocol and ICMP Echo); see probe_client.hpp.
#include "controller/probe/probe_client.hpp"

#include <cstring>

#include "controller/probe/icmp_packet.hpp"
#include "controller/probe/probe_packet.hpp"

namespace wgfo::probe {
namespace {

Verdict from_outcome(ReplyOutcome o) {
  switch (o) {
    case ReplyOutcome::Accepted:
      return Verdict::Accepted;
    case ReplyOutcome::Late:
      return Verdict::Late;
    case ReplyOutcome::Duplicate:
      return Verdict::Duplicate;
    case ReplyOutcome::Unknown:
      return Verdict::Unknown;
    case ReplyOutcome::Mismatched:
      return Verdict::Mismatched;
  }
  return Verdict::Malformed;
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Accepted:
      return "accepted";
    case Verdict::Late:
      return "late";
    case Verdict::Duplicate:
      return "duplicate";
    case Verdict::Unknown:
      return "unknown";
    case Verdict::Mismatched:
      return "mismatched";
    case Verdict::Foreign:
      return "foreign";
    case Verdict::NotReply:
      return "not-reply";
    case Verdict::Malformed:
      return "malformed";
  }
  return "invalid";
}

std::uint64_t to_wire_timestamp(TimePoint t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

TimePoint from_wire_timestamp(std::uint64_t ns) {
  // Modular conversion (C++20): only values we produced are meaningful, anything else simply does not
  // match a sent time.
  return TimePoint{
      std::chrono::duration_cast<Duration>(std::chrono::nanoseconds{static_cast<std::int64_t>(ns)})};
}

TimePoint estimate_receive_time(TimePoint steady_now, std::chrono::nanoseconds wall_now,
                                std::chrono::nanoseconds wall_received) {
  const auto age = wall_now - wall_received;
  if (age < std::chrono::nanoseconds::zero() || age > std::chrono::seconds{1}) return steady_now;
  return steady_now - std::chrono::duration_cast<Duration>(age);
}

// ---- ProbeClient ------------------------------------------------------------------------------------

ProbeClient::ProbeClient(WindowConfig window, std::uint32_t session_id, std::uint32_t first_sequence)
    : window_(window), session_id_(session_id), next_seq_(first_sequence) {}

std::size_t ProbeClient::make_request(TimePoint now, std::span<std::uint8_t> out) {
  const std::size_t n = request_size();
  if (out.size() < n) return 0;
  const std::uint32_t seq = next_seq_++;  // wraps at 2^32
  encode_request(seq, to_wire_timestamp(now), out.first(n));
  window_.on_sent(seq, now);
  return n;
}

DatagramResult ProbeClient::on_datagram(std::span<const std::uint8_t> data, TimePoint received) {
  DatagramResult r;
  Match m;
  r.verdict = match(data, m, r.error);
  switch (r.verdict) {
    case Verdict::Foreign:
      ++foreign_;
      return r;
    case Verdict::NotReply:
      ++not_reply_;
      return r;
    case Verdict::Malformed:
      ++malformed_;
      return r;
    default:
      break;
  }
  r.sequence = m.sequence;
  const ReplyResult rr = window_.on_reply(m.sequence, from_wire_timestamp(m.tx_timestamp), received, m.hold);
  r.verdict = from_outcome(rr.outcome);
  r.rtt = rr.rtt;
  return r;
}

std::vector<ProbeEvent> ProbeClient::expire(TimePoint now) {
  std::vector<ProbeEvent> events;
  for (const std::uint32_t seq : window_.expire(now)) {
    events.push_back(ProbeEvent{ProbeEvent::Kind::Timeout, seq, Duration{}});
  }
  return events;
}

ProbeCounters ProbeClient::counters() const {
  const QualityWindow::Counters& w = window_.counters();
  ProbeCounters c;
  c.sent = w.sent;
  c.answered = w.answered;
  c.lost = w.lost;
  c.late = w.late;
  c.duplicate = w.duplicate;
  c.unknown = w.unknown;
  c.mismatched = w.mismatched;
  c.foreign = foreign_;
  c.not_reply = not_reply_;
  c.malformed = malformed_;
  return c;
}

// ---- UDP --------------------------------------------------------------------------------------------

std::size_t UdpProbeClient::request_size() const {
  return kPacketSize;
}

void UdpProbeClient::encode_request(std::uint32_t sequence, std::uint64_t tx_timestamp,
                                    std::span<std::uint8_t> out) const {
  const ProbeBytes b = encode(ProbeMessage{MessageType::Request, session_id(), sequence, tx_timestamp, 0});
  std::memcpy(out.data(), b.data(), b.size());
}

Verdict UdpProbeClient::match(std::span<const std::uint8_t> data, Match& m, std::string& error) const {
  const DecodeResult d = decode(data);
  if (!d) {
    error = d.error;
    return Verdict::Malformed;
  }
  if (d.message.type != MessageType::Reply) return Verdict::NotReply;
  if (d.message.session_id != session_id()) return Verdict::Foreign;
  m.sequence = d.message.sequence;
  m.tx_timestamp = d.message.tx_timestamp;
  // A hold beyond the representable range is as bogus as one above the RTT; the window then ignores it.
  const std::uint64_t max_hold = static_cast<std::uint64_t>(std::chrono::nanoseconds::max().count());
  m.hold = d.message.hold_ns > max_hold ? Duration{-1}
                                        : std::chrono::duration_cast<Duration>(std::chrono::nanoseconds{
                                              static_cast<std::int64_t>(d.message.hold_ns)});
  return Verdict::Accepted;
}

// ---- ICMP -------------------------------------------------------------------------------------------

std::size_t IcmpProbeClient::request_size() const {
  return kIcmpEchoSize;
}

void IcmpProbeClient::encode_request(std::uint32_t sequence, std::uint64_t tx_timestamp,
                                     std::span<std::uint8_t> out) const {
  const EchoBytes b = encode_echo_request(options_.family, options_.identifier,
                                          EchoPayload{session_id(), sequence, tx_timestamp});
  std::memcpy(out.data(), b.data(), b.size());
}

Verdict IcmpProbeClient::match(std::span<const std::uint8_t> data, Match& m, std::string& error) const {
  std::span<const std::uint8_t> icmp = data;
  if (options_.ipv4_header) {
    const Ipv4StripResult s = strip_ipv4_header(data);
    if (!s) {
      error = s.error;
      return Verdict::Malformed;
    }
    icmp = s.payload;
  }
  const EchoDecodeResult e = decode_echo(options_.family, icmp);
  if (!e) {
    error = e.error;
    return Verdict::Malformed;
  }
  const std::uint8_t reply = options_.family == IpFamily::V4 ? kIcmp4EchoReply : kIcmp6EchoReply;
  if (e.header.type != reply) return Verdict::NotReply;
  if (e.header.identifier != options_.identifier) return Verdict::Foreign;  // someone else's ping
  const PayloadDecodeResult p = decode_payload(e.data);
  if (!p || p.payload.session_id != session_id()) return Verdict::Foreign;  // not our payload
  if ((p.payload.sequence & 0xffff) != e.header.sequence) {
    error = "echo sequence " + std::to_string(e.header.sequence) + " does not match the payload's " +
            std::to_string(p.payload.sequence);
    return Verdict::Malformed;
  }
  m.sequence = p.payload.sequence;
  m.tx_timestamp = p.payload.tx_timestamp;
  m.hold = Duration::zero();
  return Verdict::Accepted;
}

}  // namespace wgfo::probe

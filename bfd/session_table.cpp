// The session set and RFC 5880 §6.8.6 demultiplexing.
//
// Two indexes over the same sessions: by local discriminator (what a peer puts in Your Discriminator
// once it knows us, §6.3) and by SessionKey (peer address, local address, interface: how the first
// packets, with Your Discriminator zero, find their session, RFC 5881 §3 single hop). A packet that
// names a session is also checked against the session's key, so one tunnel's peer cannot drive
// another tunnel's session by guessing its discriminator.
//
// Discriminators are drawn from the injected RandomSource (§6.8.1: unique, nonzero, and SHOULD be
// random so a restarted system is unlikely to reuse one the peer still remembers). Zero and values in
// use are redrawn; after a bounded number of draws (only a broken RandomSource gets there) we probe
// linearly, as BIRD does, so allocation always ends.

#include "bfd/session_table.hpp"

namespace wgfo::bfd {

std::size_t SessionKeyHash::operator()(const SessionKey& k) const noexcept {
  // FNV-1a (64-bit) over family, addresses and interface index: cheap, and spreads the low-entropy
  // keys of one subnet well enough for an unordered_map.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::uint8_t byte) {
    h ^= byte;
    h *= 0x100000001b3ULL;
  };
  mix(k.family);
  for (const std::uint8_t b : k.peer) mix(b);
  for (const std::uint8_t b : k.local) mix(b);
  for (int shift = 0; shift < 32; shift += 8) mix(static_cast<std::uint8_t>(k.ifindex >> shift));
  return static_cast<std::size_t>(h);
}

std::string_view to_string(DemuxError e) {
  switch (e) {
    case DemuxError::None:
      return "ok";
    case DemuxError::UnknownYourDiscriminator:
      return "no session for your discriminator";
    case DemuxError::UnknownPeer:
      return "no session for these addresses and interface";
    case DemuxError::WrongSource:
      return "session belongs to other addresses or another interface";
  }
  return "unknown demux error";
}

Session* SessionTable::add(const SessionKey& key, const SessionConfig& config, TimePoint now) {
  if (by_key_.contains(key)) return nullptr;
  const Discriminator discr = allocate_discr();
  auto session = std::make_unique<Session>(discr, config, now, random_);
  Session* raw = session.get();
  by_discr_.emplace(discr, Entry{key, std::move(session)});
  by_key_.emplace(key, discr);
  return raw;
}

void SessionTable::remove(Discriminator local_discr) {
  const auto it = by_discr_.find(local_discr);
  if (it == by_discr_.end()) return;
  by_key_.erase(it->second.key);
  by_discr_.erase(it);
}

Session* SessionTable::find(Discriminator local_discr) const {
  const auto it = by_discr_.find(local_discr);
  return it == by_discr_.end() ? nullptr : it->second.session.get();
}

Session* SessionTable::find(const SessionKey& key) const {
  const auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : find(it->second);
}

const SessionKey* SessionTable::key_of(Discriminator local_discr) const {
  const auto it = by_discr_.find(local_discr);
  return it == by_discr_.end() ? nullptr : &it->second.key;
}

DemuxResult SessionTable::demux(const ControlPacket& rx, const SessionKey& received) const {
  DemuxResult r;
  if (rx.your_discr != 0) {
    // §6.8.6: "If the Your Discriminator field is nonzero, it MUST be used to select the session with
    // which this BFD packet is associated. If no session is found, the packet MUST be discarded."
    const auto it = by_discr_.find(rx.your_discr);
    if (it == by_discr_.end()) {
      r.error = DemuxError::UnknownYourDiscriminator;
    } else if (it->second.key != received) {
      r.error = DemuxError::WrongSource;
    } else {
      r.session = it->second.session.get();
    }
    return r;
  }
  // §6.8.6: with Your Discriminator zero the session is selected by other fields; RFC 5881 §3 (single
  // hop) by addressing and interface. parse() already dropped Init/Up packets without it.
  r.session = find(received);
  if (r.session == nullptr) r.error = DemuxError::UnknownPeer;
  return r;
}

void SessionTable::for_each(const std::function<void(const SessionKey&, Session&)>& fn) const {
  for (const auto& [discr, entry] : by_discr_) fn(entry.key, *entry.session);
}

Discriminator SessionTable::allocate_discr() {
  constexpr int kRandomAttempts = 64;
  Discriminator d = 0;
  for (int i = 0; i < kRandomAttempts; ++i) {
    d = random_.next();
    if (d != 0 && !by_discr_.contains(d)) return d;
  }
  // Linear probe from the last draw; the table can never hold all 2^32 - 1 values.
  do {
    ++d;
  } while (d == 0 || by_discr_.contains(d));
  return d;
}

}  // namespace wgfo::bfd

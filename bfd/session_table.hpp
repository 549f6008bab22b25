#pragma once
// The set of sessions and RFC 5880 §6.8.6 demultiplexing: by Your Discriminator when it is non-zero,
// otherwise by source address and interface as RFC 5881 §3 describes for single hop, plus the
// destination address. RFC 5881 expects one session per peer and interface, where the destination
// changes nothing; with it, several sessions may reach one peer over one interface from different
// local addresses, which FRR also allows and the scale benchmark uses. A packet that names a session
// but arrives from another address, for another local address or on another interface is dropped:
// the session is bound to its configured peer on its configured tunnel. Discriminators are random,
// non-zero and unique (§6.8.1).
// Pure: no sockets; sessions are owned here and referenced by local discriminator.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "bfd/session.hpp"

namespace wgfo::bfd {

// Where a session lives: peer address, local address, interface. IPv4 addresses use the first 4
// bytes of each array and leave the rest zero (keys compare all 16).
struct SessionKey {
  std::uint8_t family{4};  // 4 or 6
  std::array<std::uint8_t, 16> peer{};
  std::array<std::uint8_t, 16> local{};
  std::uint32_t ifindex{};

  bool operator==(const SessionKey&) const = default;
};

struct SessionKeyHash {
  std::size_t operator()(const SessionKey& k) const noexcept;
};

enum class DemuxError : std::uint8_t {
  None = 0,
  UnknownYourDiscriminator,  // Your Discr != 0 and no such session
  UnknownPeer,               // Your Discr == 0 and no session for (source, destination, interface)
  WrongSource,               // the named session belongs to other addresses or another interface
};

std::string_view to_string(DemuxError e);

struct DemuxResult {
  Session* session{nullptr};
  DemuxError error{DemuxError::None};
};

class SessionTable {
 public:
  explicit SessionTable(RandomSource& random) : random_(random) {}

  // Creates a session for `key` with a fresh discriminator; nullptr if `key` already has one.
  Session* add(const SessionKey& key, const SessionConfig& config, TimePoint now);
  void remove(Discriminator local_discr);

  Session* find(Discriminator local_discr) const;
  Session* find(const SessionKey& key) const;
  const SessionKey* key_of(Discriminator local_discr) const;

  // `received`: peer = the source address, local = the destination address, and the interface.
  DemuxResult demux(const ControlPacket& rx, const SessionKey& received) const;

  std::size_t size() const { return by_discr_.size(); }
  // Visits every session in unspecified order; `fn` must not add or remove sessions.
  void for_each(const std::function<void(const SessionKey&, Session&)>& fn) const;

 private:
  struct Entry {
    SessionKey key;
    std::unique_ptr<Session> session;
  };
  Discriminator allocate_discr();

  RandomSource& random_;
  std::unordered_map<Discriminator, Entry> by_discr_;
  std::unordered_map<SessionKey, Discriminator, SessionKeyHash> by_key_;
};

}  // namespace wgfo::bfd

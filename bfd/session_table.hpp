#pragma once
// The set of sessions and RFC 5880 §6.8.6 demultiplexing: by Your Discriminator when it is non-zero,
// otherwise by (source address, interface) as RFC 5881 §3 says for single hop. A packet that names a
// session but arrives from another address or interface is dropped: the session is bound to its
// configured peer on its configured tunnel. Discriminators are random, non-zero and unique (§6.8.1).
// Pure: no sockets; sessions are owned here and referenced by local discriminator.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "bfd/session.hpp"

namespace wgfo::bfd {

// A peer address on an interface. IPv4 addresses use the first 4 bytes of `addr`.
struct PeerKey {
  std::uint8_t family{4};  // 4 or 6
  std::array<std::uint8_t, 16> addr{};
  std::uint32_t ifindex{};

  bool operator==(const PeerKey&) const = default;
};

struct PeerKeyHash {
  std::size_t operator()(const PeerKey& k) const noexcept;
};

enum class DemuxError : std::uint8_t {
  None = 0,
  UnknownYourDiscriminator,  // Your Discr != 0 and no such session
  UnknownPeer,               // Your Discr == 0 and no session for (source, interface)
  WrongSource,               // the named session belongs to another address or interface
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
  Session* add(const PeerKey& key, const SessionConfig& config, TimePoint now);
  void remove(Discriminator local_discr);

  Session* find(Discriminator local_discr) const;
  Session* find(const PeerKey& key) const;
  const PeerKey* key_of(Discriminator local_discr) const;

  DemuxResult demux(const ControlPacket& rx, const PeerKey& source) const;

  std::size_t size() const { return by_discr_.size(); }
  // Visits every session in unspecified order; `fn` must not add or remove sessions.
  void for_each(const std::function<void(const PeerKey&, Session&)>& fn) const;

 private:
  struct Entry {
    PeerKey key;
    std::unique_ptr<Session> session;
  };
  Discriminator allocate_discr();

  RandomSource& random_;
  std::unordered_map<Discriminator, Entry> by_discr_;
  std::unordered_map<PeerKey, Discriminator, PeerKeyHash> by_key_;
};

}  // namespace wgfo::bfd

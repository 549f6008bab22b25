// The generic netlink layer against dumps built here per linux/wireguard.h with libmnl's attribute
// writers (mnl_attr_put / mnl_attr_nest_start), independently of the hand-written decoder under test:
// device attributes in the first message only, peers spread over several messages (a peer's allowed
// IPs continuing in the next one), IPv4 and IPv6 endpoints, kernel errors, interrupted dumps, and
// malformed input cut or corrupted at every level. Malformed inputs live in exact-size heap buffers
// so AddressSanitizer flags any read past the end. The set request is checked byte for byte.

#include "controller/wireguard/genl.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <functional>

namespace wgfo::wg {
namespace {

using ::testing::HasSubstr;
using Buf = std::vector<std::uint8_t>;

constexpr std::uint16_t kFamily = 0x1b;

Key key_of(std::uint8_t seed) {
  Key k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed + i);
  return k;
}

// ------------------------------------------------------------------------------------- builder --

// One netlink message under construction, in an aligned buffer as libmnl wants it.
class Msg {
 public:
  Msg(std::uint16_t type, std::uint16_t flags, std::uint8_t cmd = WG_CMD_GET_DEVICE) {
    nlh_ = mnl_nlmsg_put_header(buf_.data());
    nlh_->nlmsg_type = type;
    nlh_->nlmsg_flags = flags;
    nlh_->nlmsg_seq = 1;
    auto* g = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(nlh_, sizeof(genlmsghdr)));
    g->cmd = cmd;
    g->version = WG_GENL_VERSION;
  }
  nlmsghdr* nlh() { return nlh_; }
  Buf bytes() const { return Buf(buf_.data(), buf_.data() + nlh_->nlmsg_len); }

 private:
  alignas(nlmsghdr) std::array<std::uint8_t, 16384> buf_{};
  nlmsghdr* nlh_;
};

Msg dump_part() {
  return Msg(kFamily, NLM_F_MULTI);
}

void put_device(nlmsghdr* nlh, const char* ifname, std::uint16_t port) {
  const Key secret = key_of(200);
  mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 5);
  mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
  mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, secret.size(), secret.data());
  mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, secret.size(), secret.data());
  mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, port);
  mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0);
}

sockaddr_in v4(const char* addr, std::uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  inet_pton(AF_INET, addr, &s.sin_addr);
  return s;
}
sockaddr_in6 v6(const char* addr, std::uint16_t port) {
  sockaddr_in6 s{};
  s.sin6_family = AF_INET6;
  s.sin6_port = htons(port);
  s.sin6_scope_id = 3;
  inet_pton(AF_INET6, addr, &s.sin6_addr);
  return s;
}

void put_allowed_ips(nlmsghdr* nlh, int count) {
  nlattr* ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
  for (int i = 0; i < count; ++i) {
    nlattr* one = mnl_attr_nest_start(nlh, 0);
    const std::array<std::uint8_t, 4> addr{10, 0, static_cast<std::uint8_t>(i), 0};
    mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
    mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, addr.size(), addr.data());
    mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 24);
    mnl_attr_nest_end(nlh, one);
  }
  mnl_attr_nest_end(nlh, ips);
}

// A peer as the kernel's get_peer() writes it the first time: every field, then allowed IPs. `extra`
// may add or corrupt attributes inside the peer nest.
void put_peer(nlmsghdr* nlh, const Key& k, const void* endpoint, std::size_t endpoint_len,
              std::int64_t hs_sec, std::uint64_t rx, std::uint64_t tx, int allowed_ips,
              const std::function<void(nlmsghdr*)>& extra = nullptr) {
  nlattr* peer = mnl_attr_nest_start(nlh, 0);
  mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, k.size(), k.data());
  const Key psk = key_of(100);
  mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, psk.size(), psk.data());
  const std::array<std::int64_t, 2> ts{hs_sec, 250};  // struct __kernel_timespec
  mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), ts.data());
  mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
  mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, tx);
  mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, rx);
  mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
  if (endpoint != nullptr) mnl_attr_put(nlh, WGPEER_A_ENDPOINT, endpoint_len, endpoint);
  if (extra) extra(nlh);
  put_allowed_ips(nlh, allowed_ips);
  mnl_attr_nest_end(nlh, peer);
}

// The continuation of a peer in the next message: its key and more allowed IPs, nothing else.
void put_continuation(nlmsghdr* nlh, const Key& k, int allowed_ips) {
  nlattr* peer = mnl_attr_nest_start(nlh, 0);
  mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, k.size(), k.data());
  put_allowed_ips(nlh, allowed_ips);
  mnl_attr_nest_end(nlh, peer);
}

Buf control(std::uint16_t type, std::uint16_t flags, int status) {
  alignas(nlmsghdr) std::array<std::uint8_t, 64> buf{};
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  auto* code = static_cast<int*>(mnl_nlmsg_put_extra_header(nlh, sizeof(int)));
  *code = status;
  if (type == NLMSG_ERROR) mnl_nlmsg_put_extra_header(nlh, sizeof(nlmsghdr));  // the request's header
  return Buf(buf.data(), buf.data() + nlh->nlmsg_len);
}
Buf done() {
  return control(NLMSG_DONE, NLM_F_MULTI, 0);
}

Buf cat(std::initializer_list<Buf> parts) {
  Buf b;
  for (const Buf& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}

// A one-message device with a single peer whose nest `extra` modifies.
Buf device_with(const std::function<void(nlmsghdr*)>& extra) {
  Msg m = dump_part();
  put_device(m.nlh(), "wg0", 51820);
  nlattr* peers = mnl_attr_nest_start(m.nlh(), WGDEVICE_A_PEERS);
  const auto ep = v4("192.0.2.2", 51820);
  put_peer(m.nlh(), key_of(1), &ep, sizeof(ep), 1700000000, 1, 2, 1, extra);
  mnl_attr_nest_end(m.nlh(), peers);
  return cat({m.bytes(), done()});
}

Result<DeviceStats> parse_exact(const Buf& b) {
  const auto heap = std::make_unique<std::uint8_t[]>(b.size());  // exact size, so ASan sees overreads
  std::copy(b.begin(), b.end(), heap.get());
  return parse_device_dump(kFamily, Bytes(heap.get(), b.size()));
}

// -------------------------------------------------------------------------------------- dumps --

TEST(WgGenlDump, OneMessageWithIpv4AndIpv6Peers) {
  Msg m = dump_part();
  put_device(m.nlh(), "wg0", 51820);
  nlattr* peers = mnl_attr_nest_start(m.nlh(), WGDEVICE_A_PEERS);
  const auto a = v4("192.0.2.2", 51820);
  const auto b = v6("2001:db8::2", 51821);
  put_peer(m.nlh(), key_of(1), &a, sizeof(a), 1700000000, 1000, 2000, 2);
  put_peer(m.nlh(), key_of(2), &b, sizeof(b), 0, 0, 148, 1);
  put_peer(m.nlh(), key_of(3), nullptr, 0, 0, 0, 0, 0);  // no endpoint yet
  mnl_attr_nest_end(m.nlh(), peers);
  const auto r = parse_exact(cat({m.bytes(), done()}));
  ASSERT_EQ(error_of(r), nullptr) << error_of(r)->message;
  const auto& d = std::get<DeviceStats>(r);
  EXPECT_EQ(d.ifname, "wg0");
  EXPECT_EQ(d.listen_port, 51820);
  ASSERT_EQ(d.peers.size(), 3U);
  EXPECT_EQ(d.peers[0].public_key, key_of(1));
  EXPECT_EQ(d.peers[0].endpoint, (HostPort{"192.0.2.2", 51820}));
  EXPECT_EQ(d.peers[0].last_handshake, (Timestamp{1700000000, 250}));
  EXPECT_EQ(d.peers[0].rx_bytes, 1000U);
  EXPECT_EQ(d.peers[0].tx_bytes, 2000U);
  EXPECT_EQ(d.peers[0].persistent_keepalive_interval, 25);
  EXPECT_EQ(d.peers[1].endpoint, (HostPort{"2001:db8::2", 51821}));
  EXPECT_EQ(d.peers[1].tx_bytes, 148U);
  EXPECT_FALSE(d.peers[2].endpoint.has_value());
}

// What a device with many peers looks like: part 1 holds the device and peers 1 and 2 (2's allowed IPs
// cut short), part 2 continues peer 2 and holds peer 3 (its nests flagged NLA_F_NESTED, as recent
// kernels do), part 3 is only a continuation of peer 3, then NLMSG_DONE.
std::vector<Buf> split_dump() {
  const auto a = v4("192.0.2.2", 51820);
  const auto b = v6("2001:db8::2", 51821);
  const auto c = v4("198.51.100.7", 1);
  Msg p1 = dump_part();
  put_device(p1.nlh(), "wg7", 1234);
  nlattr* n1 = mnl_attr_nest_start(p1.nlh(), WGDEVICE_A_PEERS);
  put_peer(p1.nlh(), key_of(1), &a, sizeof(a), 1, 10, 20, 3);
  put_peer(p1.nlh(), key_of(2), &b, sizeof(b), 2, 30, 40, 50);
  mnl_attr_nest_end(p1.nlh(), n1);
  Msg p2 = dump_part();
  nlattr* n2 = mnl_attr_nest_start(p2.nlh(), WGDEVICE_A_PEERS | NLA_F_NESTED);
  put_continuation(p2.nlh(), key_of(2), 50);
  put_peer(p2.nlh(), key_of(3), &c, sizeof(c), 3, 50, 60, 10);
  mnl_attr_nest_end(p2.nlh(), n2);
  Msg p3 = dump_part();
  nlattr* n3 = mnl_attr_nest_start(p3.nlh(), WGDEVICE_A_PEERS);
  put_continuation(p3.nlh(), key_of(3), 7);
  mnl_attr_nest_end(p3.nlh(), n3);
  return {p1.bytes(), p2.bytes(), p3.bytes(), done()};
}

void expect_split_result(const DeviceStats& d) {
  EXPECT_EQ(d.ifname, "wg7");
  EXPECT_EQ(d.listen_port, 1234);
  ASSERT_EQ(d.peers.size(), 3U);
  EXPECT_EQ(d.peers[1].public_key, key_of(2));
  EXPECT_EQ(d.peers[1].rx_bytes, 30U);  // not wiped by its continuation
  EXPECT_EQ(d.peers[1].endpoint, (HostPort{"2001:db8::2", 51821}));
  EXPECT_EQ(d.peers[2].public_key, key_of(3));
  EXPECT_EQ(d.peers[2].tx_bytes, 60U);
  EXPECT_EQ(d.peers[2].last_handshake.seconds, 3);
}

TEST(WgGenlDump, PeersSpreadOverMessagesFedOneRecvAtATime) {
  DeviceDumpParser parser(kFamily);
  const auto parts = split_dump();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto r = parser.feed(parts[i]);
    ASSERT_EQ(error_of(r), nullptr) << error_of(r)->message;
    EXPECT_EQ(std::get<bool>(r), i + 1 == parts.size());
  }
  EXPECT_FALSE(parser.interrupted());
  expect_split_result(parser.take());
}

TEST(WgGenlDump, PeersSpreadOverMessagesInOneBuffer) {
  const auto parts = split_dump();
  const auto r = parse_exact(cat({parts[0], parts[1], parts[2], parts[3]}));
  ASSERT_EQ(error_of(r), nullptr) << error_of(r)->message;
  expect_split_result(std::get<DeviceStats>(r));
}

TEST(WgGenlDump, EveryTruncationIsAnError) {
  const auto parts = split_dump();
  const Buf whole = cat({parts[0], parts[1], parts[2], parts[3]});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const auto r = parse_exact(Buf(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)));
    ASSERT_NE(error_of(r), nullptr) << "prefix of " << n << " bytes parsed";
    EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed);
  }
}

TEST(WgGenlDump, InterruptedDumpIsFlagged) {
  auto parts = split_dump();
  Msg flagged(kFamily, NLM_F_MULTI | NLM_F_DUMP_INTR);
  DeviceDumpParser parser(kFamily);
  ASSERT_EQ(error_of(parser.feed(parts[0])), nullptr);
  ASSERT_EQ(error_of(parser.feed(flagged.bytes())), nullptr);
  ASSERT_EQ(error_of(parser.feed(done())), nullptr);
  EXPECT_TRUE(parser.interrupted());
  EXPECT_TRUE(parser.done());
}

TEST(WgGenlDump, KernelErrorsKeepTheirMeaning) {
  const auto nodev = parse_exact(control(NLMSG_ERROR, 0, -ENODEV));
  ASSERT_NE(error_of(nodev), nullptr);
  EXPECT_EQ(error_of(nodev)->kind, Error::Kind::NotFound);
  EXPECT_THAT(error_of(nodev)->message, HasSubstr("No such device"));
  const auto notwg = parse_exact(control(NLMSG_ERROR, 0, -EOPNOTSUPP));
  ASSERT_NE(error_of(notwg), nullptr);
  EXPECT_EQ(error_of(notwg)->kind, Error::Kind::NotFound);
  const auto perm = parse_exact(control(NLMSG_ERROR, 0, -EPERM));
  ASSERT_NE(error_of(perm), nullptr);
  EXPECT_EQ(error_of(perm)->kind, Error::Kind::Rejected);
  EXPECT_THAT(error_of(perm)->message, HasSubstr("Operation not permitted"));
  const auto failed_done = parse_exact(control(NLMSG_DONE, NLM_F_MULTI, -EINTR));
  ASSERT_NE(error_of(failed_done), nullptr);
  EXPECT_EQ(error_of(failed_done)->kind, Error::Kind::Rejected);
}

TEST(WgGenlDump, SkipsNoopAndAcksAndStopsAtDone) {
  const Buf b = cat({control(NLMSG_NOOP, 0, 0), control(NLMSG_ERROR, 0, 0), device_with(nullptr),
                     Buf{1, 2, 3}});  // bytes after NLMSG_DONE are not looked at
  const auto r = parse_exact(b);
  ASSERT_EQ(error_of(r), nullptr) << error_of(r)->message;
  EXPECT_EQ(std::get<DeviceStats>(r).peers.size(), 1U);
}

TEST(WgGenlDump, NeedsDone) {
  Msg m = dump_part();
  put_device(m.nlh(), "wg0", 1);
  const auto r = parse_exact(m.bytes());
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_THAT(error_of(r)->message, HasSubstr("without NLMSG_DONE"));
}

struct Corruption {
  std::string_view name;
  std::function<void(nlmsghdr*)> extra;
  std::string_view why;
};

TEST(WgGenlDump, RefusesWrongAttributeLengths) {
  const std::array<std::uint8_t, 31> short_key{};
  const std::array<std::uint8_t, 16> bytes16{};
  const auto v6_short = v6("2001:db8::1", 1);
  const auto v4_port0 = v4("192.0.2.1", 0);
  sockaddr_in unix_family = v4("192.0.2.1", 1);
  unix_family.sin_family = AF_UNIX;
  const std::array<std::int64_t, 2> bad_nsec{1, 1'000'000'000};
  const std::array<std::int64_t, 2> negative{-1, 0};
  const Corruption cases[] = {
      {"short key",
       [&](nlmsghdr* n) { mnl_attr_put(n, WGPEER_A_PUBLIC_KEY, short_key.size(), short_key.data()); },
       "WGPEER_A_PUBLIC_KEY has 31 bytes"},
      {"rx u32", [](nlmsghdr* n) { mnl_attr_put_u32(n, WGPEER_A_RX_BYTES, 1); },
       "WGPEER_A_RX_BYTES has 4 bytes"},
      {"tx u16", [](nlmsghdr* n) { mnl_attr_put_u16(n, WGPEER_A_TX_BYTES, 1); },
       "WGPEER_A_TX_BYTES has 2 bytes"},
      {"handshake u64", [](nlmsghdr* n) { mnl_attr_put_u64(n, WGPEER_A_LAST_HANDSHAKE_TIME, 1); },
       "WGPEER_A_LAST_HANDSHAKE_TIME has 8 bytes"},
      {"handshake nsec",
       [&](nlmsghdr* n) { mnl_attr_put(n, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(bad_nsec), bad_nsec.data()); },
       "out of range"},
      {"handshake negative",
       [&](nlmsghdr* n) { mnl_attr_put(n, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(negative), negative.data()); },
       "out of range"},
      {"keepalive u32", [](nlmsghdr* n) { mnl_attr_put_u32(n, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 1); },
       "WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL has 4 bytes"},
      {"v6 family, v4 size",
       [&](nlmsghdr* n) { mnl_attr_put(n, WGPEER_A_ENDPOINT, sizeof(sockaddr_in), &v6_short); },
       "WGPEER_A_ENDPOINT"},
      {"unknown family",
       [&](nlmsghdr* n) { mnl_attr_put(n, WGPEER_A_ENDPOINT, sizeof(unix_family), &unix_family); },
       "WGPEER_A_ENDPOINT"},
      {"port 0", [&](nlmsghdr* n) { mnl_attr_put(n, WGPEER_A_ENDPOINT, sizeof(v4_port0), &v4_port0); },
       "WGPEER_A_ENDPOINT"},
      {"one byte endpoint", [](nlmsghdr* n) { mnl_attr_put_u8(n, WGPEER_A_ENDPOINT, 2); },
       "WGPEER_A_ENDPOINT"},
      {"v4 with v6 size",
       [&](nlmsghdr* n) { mnl_attr_put(n, WGPEER_A_ENDPOINT, bytes16.size(), bytes16.data()); },
       "WGPEER_A_ENDPOINT"},
  };
  for (const Corruption& c : cases) {
    const auto r = parse_exact(device_with(c.extra));
    ASSERT_NE(error_of(r), nullptr) << c.name;
    EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed) << c.name;
    EXPECT_THAT(error_of(r)->message, HasSubstr(c.why)) << c.name;
  }
}

// Hand-patched bytes for what libmnl cannot write: bad lengths in headers.
TEST(WgGenlDump, RefusesBrokenStructure) {
  Buf good = device_with(nullptr);
  // Attribute lengths live at fixed offsets: message header 16 + genlmsghdr 4 -> first attribute
  // (WGDEVICE_A_IFINDEX, 8 bytes) at 20.
  Buf short_attr = good;
  short_attr[20] = 3;  // nla_len 3 < 4
  Buf long_attr = good;
  long_attr[20] = 0xff;
  long_attr[21] = 0x0f;  // beyond the message
  Buf long_msg = good;   // nlmsg_len 4 bytes longer than the message, and only 2 bytes follow it
  std::uint32_t len = 0;
  std::memcpy(&len, long_msg.data(), sizeof(len));
  len += 4;
  std::memcpy(long_msg.data(), &len, sizeof(len));
  long_msg.resize(len - 2);
  Buf tiny_msg = good;
  tiny_msg[0] = 8;
  tiny_msg[1] = 0;
  const std::pair<const Buf*, std::string_view> cases[] = {
      {&short_attr, "< 4"}, {&long_attr, "beyond"}, {&long_msg, "beyond the buffer"}, {&tiny_msg, "< 16"}};
  for (const auto& [buf, why] : cases) {
    const auto r = parse_exact(*buf);
    ASSERT_NE(error_of(r), nullptr) << why;
    EXPECT_THAT(error_of(r)->message, HasSubstr(why));
  }
}

TEST(WgGenlDump, RefusesWrongMessages) {
  Msg other(kFamily + 1, NLM_F_MULTI);
  Msg wrong_cmd(kFamily, NLM_F_MULTI, WG_CMD_SET_DEVICE);
  Msg no_key = dump_part();
  nlattr* peers = mnl_attr_nest_start(no_key.nlh(), WGDEVICE_A_PEERS);
  nlattr* peer = mnl_attr_nest_start(no_key.nlh(), 0);
  mnl_attr_put_u64(no_key.nlh(), WGPEER_A_RX_BYTES, 1);
  mnl_attr_nest_end(no_key.nlh(), peer);
  mnl_attr_nest_end(no_key.nlh(), peers);
  Msg twice = dump_part();
  peers = mnl_attr_nest_start(twice.nlh(), WGDEVICE_A_PEERS);
  put_peer(twice.nlh(), key_of(1), nullptr, 0, 0, 0, 0, 0);
  put_peer(twice.nlh(), key_of(2), nullptr, 0, 0, 0, 0, 0);
  put_peer(twice.nlh(), key_of(1), nullptr, 0, 0, 0, 0, 0);
  mnl_attr_nest_end(twice.nlh(), peers);
  Msg bad_port = dump_part();
  mnl_attr_put_u32(bad_port.nlh(), WGDEVICE_A_LISTEN_PORT, 1);
  Msg long_name = dump_part();
  mnl_attr_put_strz(long_name.nlh(), WGDEVICE_A_IFNAME, "0123456789abcdef");
  Msg no_nul = dump_part();
  mnl_attr_put(no_nul.nlh(), WGDEVICE_A_IFNAME, 3, "wg0");
  Msg first = dump_part();
  put_device(first.nlh(), "wg0", 1);
  Msg second = dump_part();
  put_device(second.nlh(), "wg1", 1);
  const Buf headless{20, 0, 0, 0, kFamily, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // 4 bytes, no genl

  const std::pair<Buf, std::string_view> cases[] = {
      {other.bytes(), "not the wireguard family"},
      {wrong_cmd.bytes(), "command 1"},
      {no_key.bytes(), "without WGPEER_A_PUBLIC_KEY"},
      {twice.bytes(), "listed twice"},
      {bad_port.bytes(), "WGDEVICE_A_LISTEN_PORT"},
      {long_name.bytes(), "WGDEVICE_A_IFNAME"},
      {no_nul.bytes(), "WGDEVICE_A_IFNAME"},
      {cat({first.bytes(), second.bytes()}), "second device"},
      {Buf(headless.begin(), headless.begin() + 18), "beyond the buffer"},
      {Buf{18, 0, 0, 0, kFamily, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, "shorter than genlmsghdr"},
  };
  for (const auto& [buf, why] : cases) {
    const auto r = parse_exact(cat({buf, done()}));
    ASSERT_NE(error_of(r), nullptr) << why;
    EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed) << why;
    EXPECT_THAT(error_of(r)->message, HasSubstr(why));
  }
}

// ------------------------------------------------------------------------------------ family --

TEST(WgGenlFamily, RequestAsksForWireguard) {
  const Buf req = build_get_family_request(9);
  ASSERT_GE(req.size(), 20U);
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(req.data());
  EXPECT_EQ(nlh->nlmsg_len, req.size());
  EXPECT_EQ(nlh->nlmsg_type, GENL_ID_CTRL);
  EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
  EXPECT_EQ(nlh->nlmsg_seq, 9U);
  EXPECT_EQ(req[16], CTRL_CMD_GETFAMILY);
  // CTRL_ATTR_FAMILY_NAME "wireguard\0": nla_len 14, type 2.
  const Buf attr{14, 0, CTRL_ATTR_FAMILY_NAME, 0, 'w', 'i', 'r', 'e', 'g', 'u', 'a', 'r', 'd', 0};
  EXPECT_EQ(Buf(req.begin() + 20, req.begin() + 34), attr);
}

TEST(WgGenlFamily, ParsesTheReply) {
  Msg m(GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY);
  mnl_attr_put_strz(m.nlh(), CTRL_ATTR_FAMILY_NAME, "wireguard");
  mnl_attr_put_u16(m.nlh(), CTRL_ATTR_FAMILY_ID, 0x23);
  mnl_attr_put_u32(m.nlh(), CTRL_ATTR_VERSION, 1);
  const auto r = parse_get_family_reply(m.bytes());
  ASSERT_EQ(error_of(r), nullptr) << error_of(r)->message;
  EXPECT_EQ(std::get<std::uint16_t>(r), 0x23);
}

TEST(WgGenlFamily, MissingModuleIsNotFound) {
  const auto r = parse_get_family_reply(control(NLMSG_ERROR, 0, -ENOENT));
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_EQ(error_of(r)->kind, Error::Kind::NotFound);
  EXPECT_THAT(error_of(r)->message, HasSubstr("module"));
}

TEST(WgGenlFamily, RefusesBadReplies) {
  Msg no_id(GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY);
  mnl_attr_put_strz(no_id.nlh(), CTRL_ATTR_FAMILY_NAME, "wireguard");
  Msg wide_id(GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY);
  mnl_attr_put_u32(wide_id.nlh(), CTRL_ATTR_FAMILY_ID, 0x23);
  Msg other(GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY);
  mnl_attr_put_strz(other.nlh(), CTRL_ATTR_FAMILY_NAME, "nl80211");
  mnl_attr_put_u16(other.nlh(), CTRL_ATTR_FAMILY_ID, 0x23);
  for (const Buf& b : {no_id.bytes(), wide_id.bytes(), other.bytes(), Buf{}, Buf{1, 2, 3}}) {
    const auto r = parse_get_family_reply(b);
    ASSERT_NE(error_of(r), nullptr);
    EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed) << error_of(r)->message;
  }
}

// ------------------------------------------------------------------------------------ requests --

TEST(WgGenlRequest, GetDeviceIsADumpByName) {
  const auto r = build_get_device_request(kFamily, 3, "wg0");
  ASSERT_EQ(error_of(r), nullptr);
  const Buf& req = std::get<Buf>(r);
  // clang-format off
  const Buf expected{
      28, 0, 0, 0, kFamily, 0, NLM_F_REQUEST | (NLM_F_DUMP & 0xff), NLM_F_DUMP >> 8, 3, 0, 0, 0, 0, 0, 0, 0,
      WG_CMD_GET_DEVICE, WG_GENL_VERSION, 0, 0,
      8, 0, WGDEVICE_A_IFNAME, 0, 'w', 'g', '0', 0};
  // clang-format on
  EXPECT_EQ(req, expected);
  EXPECT_NE(error_of(build_get_device_request(kFamily, 3, "")), nullptr);
  EXPECT_NE(error_of(build_get_device_request(kFamily, 3, "0123456789abcdef")), nullptr);
}

TEST(WgGenlRequest, SetEndpointIpv4ByteForByte) {
  Key k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i);
  const auto r = build_set_endpoint_request(kFamily, 7, "wg0", k, HostPort{"192.0.2.2", 51820});
  ASSERT_EQ(error_of(r), nullptr);
  // clang-format off
  Buf expected{
      100, 0, 0, 0, kFamily, 0, NLM_F_REQUEST | NLM_F_ACK, 0, 7, 0, 0, 0, 0, 0, 0, 0,  // nlmsghdr
      WG_CMD_SET_DEVICE, WG_GENL_VERSION, 0, 0,                                      // genlmsghdr
      8, 0, WGDEVICE_A_IFNAME, 0, 'w', 'g', '0', 0,
      72, 0, WGDEVICE_A_PEERS, 0x80,                                                 // NLA_F_NESTED
      68, 0, 0, 0x80,                                                                // peer 0, nested
      36, 0, WGPEER_A_PUBLIC_KEY, 0};
  expected.insert(expected.end(), k.begin(), k.end());
  const Buf tail{
      8, 0, WGPEER_A_FLAGS, 0, WGPEER_F_UPDATE_ONLY, 0, 0, 0,
      20, 0, WGPEER_A_ENDPOINT, 0,
      AF_INET, 0, 0xca, 0x6c, 192, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0};                // sockaddr_in, port 51820
  // clang-format on
  expected.insert(expected.end(), tail.begin(), tail.end());
  EXPECT_EQ(std::get<Buf>(r), expected);
}

TEST(WgGenlRequest, SetEndpointIpv6) {
  const auto r = build_set_endpoint_request(kFamily, 7, "wg0", key_of(1), HostPort{"2001:db8::5", 443});
  ASSERT_EQ(error_of(r), nullptr);
  const Buf& req = std::get<Buf>(r);
  // The endpoint is the last attribute: nla header + sockaddr_in6 (28 bytes).
  ASSERT_GE(req.size(), 32U);
  const std::size_t at = req.size() - 32;
  EXPECT_EQ(req[at], 32);
  EXPECT_EQ(req[at + 2], WGPEER_A_ENDPOINT);
  sockaddr_in6 sin6{};
  std::memcpy(&sin6, req.data() + at + 4, sizeof(sin6));
  EXPECT_EQ(sin6.sin6_family, AF_INET6);
  EXPECT_EQ(ntohs(sin6.sin6_port), 443);
  char text[INET6_ADDRSTRLEN];
  EXPECT_STREQ(inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof(text)), "2001:db8::5");
}

TEST(WgGenlRequest, SetEndpointRefusesBadInput) {
  for (const HostPort& hp : {HostPort{"vpn.example.net", 1}, HostPort{"192.0.2.1", 0}, HostPort{"", 1}}) {
    const auto r = build_set_endpoint_request(kFamily, 1, "wg0", key_of(1), hp);
    ASSERT_NE(error_of(r), nullptr) << hp.host;
    EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed);
  }
  EXPECT_NE(error_of(build_set_endpoint_request(kFamily, 1, "a/b", key_of(1), HostPort{"192.0.2.1", 1})),
            nullptr);
}

TEST(WgGenlAck, ZeroIsSuccess) {
  EXPECT_EQ(error_of(parse_ack(control(NLMSG_ERROR, 0, 0))), nullptr);
  const auto inval = parse_ack(control(NLMSG_ERROR, 0, -EINVAL));
  ASSERT_NE(error_of(inval), nullptr);
  EXPECT_EQ(error_of(inval)->kind, Error::Kind::Rejected);
  const auto nodev = parse_ack(control(NLMSG_ERROR, 0, -ENODEV));
  ASSERT_NE(error_of(nodev), nullptr);
  EXPECT_EQ(error_of(nodev)->kind, Error::Kind::NotFound);
  for (const Buf& b : {Buf{}, done(), Buf{16, 0, 0, 0, NLMSG_ERROR, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}) {
    const auto r = parse_ack(b);
    ASSERT_NE(error_of(r), nullptr);
    EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed);
  }
}

// ------------------------------------------------------------------------------------- client --

// Smoke test on the build host, whatever it has: without the module the family lookup fails, with it
// the made-up interface does not exist, without CAP_NET_ADMIN the kernel refuses. Always an error,
// never a hang or a crash.
TEST(WgGenlClient, AMissingInterfaceIsAnError) {
  const auto r = GenlClient().get("wgfo-nope0");
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_THAT(error_of(r)->message, HasSubstr("wireguard netlink"));
}

}  // namespace
}  // namespace wgfo::wg

// The UAPI text layer against literal replies: the example of the cross-platform protocol page (with
// its zone-scoped IPv6 endpoint and out-of-order peer keys), wireguard-go's key order, every kind of
// malformed reply, every truncation of a valid one, and the set-endpoint request byte for byte.

#include "controller/wireguard/uapi.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wgfo::wg {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kKeyA = "b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33";
constexpr std::string_view kKeyB = "58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376";
constexpr std::string_view kKeyC = "662e14fd594556f522604703340351258903b64f35553763f19426ab2a515c58";

// Modelled on https://www.wireguard.com/xplatform/ (the "get" example).
constexpr std::string_view kDocReply =
    "private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a\n"
    "listen_port=12912\n"
    "public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\n"
    "preshared_key=188515093e952f5f22e865cef3012e72f8b5f0b598ac0309d5dacce3b70fcf52\n"
    "allowed_ip=192.168.4.4/32\n"
    "endpoint=[abcd:23::33%2]:51820\n"
    "last_handshake_time_sec=0\n"
    "last_handshake_time_nsec=0\n"
    "public_key=58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376\n"
    "tx_bytes=38333\n"
    "rx_bytes=2224\n"
    "allowed_ip=192.168.4.6/32\n"
    "persistent_keepalive_interval=111\n"
    "endpoint=182.122.22.19:3233\n"
    "public_key=662e14fd594556f522604703340351258903b64f35553763f19426ab2a515c58\n"
    "endpoint=5.152.198.39:51820\n"
    "allowed_ip=192.168.4.10/32\n"
    "allowed_ip=192.168.4.11/32\n"
    "tx_bytes=1212111\n"
    "rx_bytes=1929999999\n"
    "protocol_version=1\n"
    "errno=0\n"
    "\n";

Key key(std::string_view hex) {
  return std::get<Key>(key_from_hex(hex));
}

DeviceStats parse_ok(std::string_view reply) {
  auto r = parse_uapi_get_reply(reply, "wg0");
  if (const Error* e = error_of(r)) ADD_FAILURE() << e->message;
  return error_of(r) ? DeviceStats{} : std::get<DeviceStats>(r);
}

TEST(WgUapiGet, ParsesTheProtocolExample) {
  const DeviceStats d = parse_ok(kDocReply);
  EXPECT_EQ(d.ifname, "wg0");
  EXPECT_EQ(d.listen_port, 12912);
  ASSERT_EQ(d.peers.size(), 3U);

  const PeerStats& a = d.peers[0];
  EXPECT_EQ(a.public_key, key(kKeyA));
  ASSERT_TRUE(a.endpoint.has_value());
  EXPECT_EQ(a.endpoint->to_string(), "[abcd:23::33]:51820");  // zone dropped
  EXPECT_TRUE(a.last_handshake.never());
  EXPECT_EQ(a.rx_bytes, 0U);

  const PeerStats& b = d.peers[1];
  EXPECT_EQ(b.public_key, key(kKeyB));
  EXPECT_EQ(b.tx_bytes, 38333U);
  EXPECT_EQ(b.rx_bytes, 2224U);
  EXPECT_EQ(b.persistent_keepalive_interval, 111);
  EXPECT_EQ(b.endpoint, (HostPort{"182.122.22.19", 3233}));

  const PeerStats& c = d.peers[2];
  EXPECT_EQ(c.public_key, key(kKeyC));
  EXPECT_EQ(c.endpoint, (HostPort{"5.152.198.39", 51820}));
  EXPECT_EQ(c.tx_bytes, 1212111U);
  EXPECT_EQ(c.rx_bytes, 1929999999U);
  EXPECT_EQ(c.persistent_keepalive_interval, 0);
}

TEST(WgUapiGet, ParsesWireguardGoOrderAndExtremes) {
  const std::string reply =
      "private_key=ignored-not-even-hex\nlisten_port=51820\nfwmark=51\njc=4\n"
      "public_key=" +
      std::string(kKeyA) +
      "\npreshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
      "protocol_version=1\nendpoint=[2001:DB8::0002]:51821\n"
      "last_handshake_time_sec=1700000000\nlast_handshake_time_nsec=999999999\n"
      "tx_bytes=18446744073709551615\nrx_bytes=0\npersistent_keepalive_interval=65535\n"
      "allowed_ip=0.0.0.0/0\nallowed_ip=::/0\nsome_future_key=a=b\n"
      "public_key=" +
      std::string(kKeyB) + "\nerrno=0\n\n";
  const DeviceStats d = parse_ok(reply);
  EXPECT_EQ(d.listen_port, 51820);
  ASSERT_EQ(d.peers.size(), 2U);
  EXPECT_EQ(d.peers[0].endpoint, (HostPort{"2001:db8::2", 51821}));  // canonical form
  EXPECT_EQ(d.peers[0].last_handshake, (Timestamp{1700000000, 999999999}));
  EXPECT_EQ(d.peers[0].tx_bytes, UINT64_MAX);
  EXPECT_EQ(d.peers[0].persistent_keepalive_interval, 65535);
  EXPECT_EQ(d.peers[1].public_key, key(kKeyB));
  EXPECT_FALSE(d.peers[1].endpoint.has_value());
}

TEST(WgUapiGet, EmptyDevice) {
  const DeviceStats d = parse_ok("errno=0\n\n");
  EXPECT_EQ(d.listen_port, 0);
  EXPECT_TRUE(d.peers.empty());
}

struct BadCase {
  std::string reply;
  std::string_view why;
  Error::Kind kind{Error::Kind::Malformed};
};

TEST(WgUapiGet, RefusesMalformedReplies) {
  const std::string k = "public_key=" + std::string(kKeyA) + "\n";
  const BadCase cases[] = {
      {"", "truncated"},
      {"listen_port=1\n", "truncated"},
      {"listen_port=1\nerrno=0\n", "truncated"},
      {"listen_port=1\nerrno=0", "truncated"},
      {"listen_port=1\n\n", "no errno"},
      {"\n", "no errno"},
      {"errno=0\n\nx", "bytes after"},
      {"errno=0\n\n\n", "bytes after"},
      {"errno=0\nlisten_port=1\n\n", "after errno"},
      {"listen_port\nerrno=0\n\n", "no '='"},
      {"listen_port=65536\nerrno=0\n\n", "listen_port"},
      {"listen_port=-1\nerrno=0\n\n", "listen_port"},
      {"listen_port=\nerrno=0\n\n", "listen_port"},
      {"rx_bytes=1\nerrno=0\n\n", "before any public_key"},
      {"endpoint=1.2.3.4:5\nerrno=0\n\n", "before any public_key"},
      {"public_key=" + std::string(kKeyA.substr(1)) + "\nerrno=0\n\n", "bad public_key"},
      {"public_key=" + std::string(kKeyA.substr(1)) + "x\nerrno=0\n\n", "bad public_key"},
      {k + k + "errno=0\n\n", "listed twice"},
      {k + "rx_bytes=18446744073709551616\nerrno=0\n\n", "byte counter"},
      {k + "tx_bytes=1 \nerrno=0\n\n", "byte counter"},
      {k + "rx_bytes=+1\nerrno=0\n\n", "byte counter"},
      {k + "rx_bytes=\nerrno=0\n\n", "byte counter"},
      {k + "last_handshake_time_nsec=1000000000\nerrno=0\n\n", "nsec"},
      {k + "last_handshake_time_sec=9223372036854775808\nerrno=0\n\n", "last_handshake_time_sec"},
      {k + "last_handshake_time_sec=x\nerrno=0\n\n", "last_handshake_time_sec"},
      {k + "endpoint=1.2.3.4\nerrno=0\n\n", "bad endpoint"},
      {k + "endpoint=[::1:51820\nerrno=0\n\n", "bad endpoint"},
      {k + "endpoint=::1:51820\nerrno=0\n\n", "bad endpoint"},
      {k + "endpoint=vpn.example.net:51820\nerrno=0\n\n", "bad endpoint"},
      {k + "endpoint=1.2.3.4:0\nerrno=0\n\n", "bad endpoint"},
      {k + "persistent_keepalive_interval=65536\nerrno=0\n\n", "persistent_keepalive_interval"},
      {k + "listen_port=1\nerrno=0\n\n", "after the first peer"},
      {"errno=x\n\n", "errno is not a number"},
      {"errno=\n\n", "errno is not a number"},
      {"errno=0\r\n\r\n", "errno is not a number"},
      {"errno=-22\n\n", "Invalid argument", Error::Kind::Rejected},
      {"errno=5\n\n", "Input/output error", Error::Kind::Rejected},
      {k + "rx_bytes=1\nerrno=-5\n\n", "errno=-5", Error::Kind::Rejected},
  };
  for (const BadCase& c : cases) {
    const auto r = parse_uapi_get_reply(c.reply, "wg0");
    const Error* e = error_of(r);
    ASSERT_NE(e, nullptr) << c.reply;
    EXPECT_EQ(e->kind, c.kind) << c.reply;
    EXPECT_THAT(e->message, HasSubstr(c.why)) << c.reply;
  }
}

TEST(WgUapiGet, EveryTruncationIsAnError) {
  for (std::size_t n = 0; n < kDocReply.size(); ++n) {
    const std::string cut(kDocReply.substr(0, n));  // own buffer, so ASan sees any overread
    const auto r = parse_uapi_get_reply(cut, "wg0");
    ASSERT_NE(error_of(r), nullptr) << "prefix of " << n << " bytes parsed";
  }
}

TEST(WgUapiGet, ErrorsNeverEchoSecrets) {
  // A malformed line after the private key: the message must not contain the key.
  const std::string reply =
      "private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a\nbad\n\n";
  const auto r = parse_uapi_get_reply(reply, "wg0");
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_THAT(error_of(r)->message, ::testing::Not(HasSubstr("e84b5a6d")));
}

TEST(WgUapiReply, CompleteAtTheFirstEmptyLine) {
  EXPECT_FALSE(uapi_reply_complete(""));
  EXPECT_FALSE(uapi_reply_complete("errno=0\n"));
  EXPECT_FALSE(uapi_reply_complete("listen_port=1\nerrno=0"));
  EXPECT_TRUE(uapi_reply_complete("errno=0\n\n"));
  EXPECT_TRUE(uapi_reply_complete("\n"));
  EXPECT_TRUE(uapi_reply_complete("a=1\n\nmore"));
}

TEST(WgUapiSet, BuildsTheEndpointRequest) {
  const Key k = key(kKeyA);
  auto v4 = build_uapi_set_endpoint(k, HostPort{"192.0.2.2", 51820});
  ASSERT_EQ(error_of(v4), nullptr);
  EXPECT_EQ(std::get<std::string>(v4),
            "set=1\npublic_key=" + std::string(kKeyA) + "\nupdate_only=true\nendpoint=192.0.2.2:51820\n\n");
  auto v6 = build_uapi_set_endpoint(k, HostPort{"2001:DB8:0::2", 1});
  ASSERT_EQ(error_of(v6), nullptr);
  EXPECT_EQ(std::get<std::string>(v6),
            "set=1\npublic_key=" + std::string(kKeyA) + "\nupdate_only=true\nendpoint=[2001:db8::2]:1\n\n");
}

TEST(WgUapiSet, RefusesNamesPortZeroAndInjection) {
  const Key k = key(kKeyA);
  const HostPort bad[] = {
      {"vpn.example.net", 51820},
      {"192.0.2.2\nremove=true", 51820},
      {"192.0.2.2:1\n\nset=1", 51820},
      {"[2001:db8::2]", 51820},
      {"", 51820},
      {"192.0.2.2", 0},
  };
  for (const HostPort& hp : bad) {
    const auto r = build_uapi_set_endpoint(k, hp);
    ASSERT_NE(error_of(r), nullptr) << hp.host;
    EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed);
  }
}

TEST(WgUapiSet, ParsesTheReply) {
  EXPECT_EQ(error_of(parse_uapi_set_reply("errno=0\n\n")), nullptr);
  const auto rejected = parse_uapi_set_reply("errno=-22\n\n");
  ASSERT_NE(error_of(rejected), nullptr);
  EXPECT_EQ(error_of(rejected)->kind, Error::Kind::Rejected);
  for (std::string_view bad :
       {"", "errno=0\n", "errno=0", "errno=\n\n", "errno=0\n\nx", "x=1\nerrno=0\n\n", "errno=0 \n\n"}) {
    const auto r = parse_uapi_set_reply(bad);
    ASSERT_NE(error_of(r), nullptr) << bad;
    EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed) << bad;
  }
}

}  // namespace
}  // namespace wgfo::wg

// Key text forms and interface names. The expected base64 strings were produced by Python's base64
// module (and the all-0xff one checked against `wg pubkey`'s alphabet), not by the code under test.

#include "controller/wireguard/wg_types.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wgfo::wg {
namespace {

using ::testing::HasSubstr;

Key iota_key() {
  Key k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i);
  return k;
}

TEST(WgKey, Base64MatchesTheStandardEncoding) {
  EXPECT_EQ(key_to_base64(iota_key()), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  Key ff{};
  ff.fill(0xff);
  EXPECT_EQ(key_to_base64(ff), "//////////////////////////////////////////8=");
  EXPECT_EQ(key_to_base64(Key{}), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
}

TEST(WgKey, Base64RoundTrips) {
  const auto k = key_from_base64("6EtabScXwQA6E7QxVwNT26ypFGzxUMX4V1aA/rpSAno=");
  ASSERT_EQ(error_of(k), nullptr);
  EXPECT_EQ(key_to_hex(std::get<Key>(k)), "e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a");
  EXPECT_EQ(key_to_base64(std::get<Key>(k)), "6EtabScXwQA6E7QxVwNT26ypFGzxUMX4V1aA/rpSAno=");
  const auto iota = key_from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  ASSERT_EQ(error_of(iota), nullptr);
  EXPECT_EQ(std::get<Key>(iota), iota_key());
}

TEST(WgKey, Base64RefusesBadInput) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", "44 base64 characters"},
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "44 base64 characters"},    // no padding
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==", "44 base64 characters"},  // 45
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A", "ending in '='"},
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh*=", "position 43"},
      {"AAECAwQFBgcICQoLDA0ODx REhMUFRYXGBkaGxwdHh8=", "position 23"},
      {"-AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "position 1"},
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", "canonical"},  // '9' leaves stray low bits
      {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd=h8=", "position 41"},
  };
  for (const auto& [text, why] : cases) {
    const auto k = key_from_base64(text);
    const Error* e = error_of(k);
    ASSERT_NE(e, nullptr) << text;
    EXPECT_EQ(e->kind, Error::Kind::Malformed);
    EXPECT_THAT(e->message, HasSubstr(why)) << text;
  }
}

TEST(WgKey, HexIsLowerCaseAndReadsEitherCase) {
  EXPECT_EQ(key_to_hex(iota_key()), "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const auto upper = key_from_hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  ASSERT_EQ(error_of(upper), nullptr);
  EXPECT_EQ(std::get<Key>(upper), iota_key());
}

TEST(WgKey, HexRefusesBadInput) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", "64 hex digits"},
      {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", "64 hex digits"},
      {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0", "64 hex digits"},
      {"g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "position 1"},
      {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n", "position 64"},
      {"0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "position 2"},
  };
  for (const auto& [text, why] : cases) {
    const auto k = key_from_hex(text);
    const Error* e = error_of(k);
    ASSERT_NE(e, nullptr) << text;
    EXPECT_THAT(e->message, HasSubstr(why)) << text;
  }
}

TEST(WgIfName, AcceptsKernelNamesOnly) {
  for (std::string_view ok : {"wg0", "a", "wg-primary.10", "123456789012345"}) {
    EXPECT_EQ(error_of(check_ifname(ok)), nullptr) << ok;
  }
  const std::string_view bads[] = {
      "",     "1234567890123456",         ".", "..", "../wg0", "wg/0", "wg 0", "wg0\n",
      "wg:0", std::string_view("wg\0", 3)};
  for (std::string_view bad : bads) {
    const auto r = check_ifname(bad);
    EXPECT_NE(error_of(r), nullptr) << bad;
  }
}

TEST(WgDeviceStats, FindsPeersByKey) {
  DeviceStats d;
  d.peers.push_back(PeerStats{.public_key = iota_key(), .rx_bytes = 7});
  EXPECT_EQ(d.find(iota_key())->rx_bytes, 7U);
  EXPECT_EQ(d.find(Key{}), nullptr);
}

TEST(WgTimestamp, ZeroIsNever) {
  EXPECT_TRUE(Timestamp{}.never());
  EXPECT_FALSE((Timestamp{0, 1}).never());
  EXPECT_LT((Timestamp{1, 999}), (Timestamp{2, 0}));
}

}  // namespace
}  // namespace wgfo::wg

#pragma once
// Small address value types shared by the config loader and the rest of the controller:
// IpAddress (an IPv4 or IPv6 address), IpPrefix (address + length) and HostPort (an endpoint written
// "host:port"). They are plain values: comparable, hashable, printable, and parsed from text without
// exceptions. Parsing is strict on purpose: a config typo must be reported, never guessed around
// (no IPv4 shorthands, no zone indices, no prefix without a length, IPv6 endpoints need brackets).

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace wgfo {

// The numeric values match the usual "4"/"6" so they print naturally.
enum class IpFamily : std::uint8_t { V4 = 4, V6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(const std::array<std::uint8_t, 4>& bytes);
  static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);
  // An address in network order as netlink and sockets carry it: exactly 4 bytes for AF_INET (2), 16
  // for AF_INET6 (10); anything else (another family, a short or long payload) is nullopt.
  static std::optional<IpAddress> from_bytes(std::span<const std::uint8_t> bytes, int af);

  // Accepts exactly what inet_pton accepts (dotted quad, RFC 4291 text), nothing around it.
  static std::optional<IpAddress> parse(std::string_view text);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::V4; }
  bool is_v6() const { return family_ == IpFamily::V6; }
  // 4 or 16 bytes, network order.
  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), is_v4() ? 4U : 16U}; }
  unsigned max_prefix_length() const { return is_v4() ? 32U : 128U; }

  bool is_unspecified() const;  // 0.0.0.0 or ::
  bool is_multicast() const;    // 224.0.0.0/4 or ff00::/8
  std::string to_string() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  IpFamily family_{IpFamily::V4};
  std::array<std::uint8_t, 16> bytes_{};  // an IPv4 address uses the first 4, the rest stay zero
};

class IpPrefix {
 public:
  IpPrefix() = default;  // 0.0.0.0/0
  // A length beyond the family's maximum is clamped to it.
  IpPrefix(const IpAddress& address, unsigned length);

  // "10.20.0.0/16", "2001:db8::/32". Host bits may be set (check is_masked()), so the caller can
  // say "did you mean ..." instead of a bare "invalid". On failure, *why (if given) says what is wrong.
  static std::optional<IpPrefix> parse(std::string_view text, std::string* why = nullptr);

  const IpAddress& address() const { return address_; }
  unsigned length() const { return length_; }
  IpFamily family() const { return address_.family(); }

  bool is_masked() const { return masked().address_ == address_; }
  IpPrefix masked() const;  // host bits cleared
  bool contains(const IpAddress& address) const;
  std::string to_string() const;

  friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;

 private:
  IpAddress address_;
  std::uint8_t length_{0};
};

// "127.0.0.1:50051", "[::1]:50051" and, where a hostname is allowed, "vpn.example.net:51820".
// An IP literal host is stored in canonical form (so "[::0001]" and "[::1]" compare equal), a
// hostname in lower case; IPv6 is stored without the brackets.
struct HostPort {
  enum class Host { IpOnly, IpOrName };

  std::string host;
  std::uint16_t port{0};

  // Port must be 1..65535. On failure, *why (if given) says what is wrong, e.g. that an IPv6 address
  // needs brackets.
  static std::optional<HostPort> parse(std::string_view text, Host allowed, std::string* why = nullptr);

  std::optional<IpAddress> address() const { return IpAddress::parse(host); }  // if host is a literal
  std::string to_string() const;                                               // brackets around IPv6

  friend auto operator<=>(const HostPort&, const HostPort&) = default;
};

}  // namespace wgfo

template <>
struct std::hash<wgfo::IpAddress> {
  std::size_t operator()(const wgfo::IpAddress& a) const noexcept;
};
template <>
struct std::hash<wgfo::IpPrefix> {
  std::size_t operator()(const wgfo::IpPrefix& p) const noexcept;
};

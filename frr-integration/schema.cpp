// staticd_schema(): maps GetCapabilities().frr_version to the staticd XPath layout. Only the leading
// "MAJOR.MINOR" matters; whatever follows ("-dev", a Debian revision, a patch level) is ignored, because
// the layout changed only at minor releases (frr-grpc.md §5).

#include "frr-integration/schema.hpp"

#include <charconv>

namespace wgfo::frr {
namespace {

// Decimal digits at the front of `text`, consumed; nullopt if there are none or they overflow.
std::optional<unsigned> take_number(std::string_view& text) {
  unsigned value = 0;
  const auto* begin = text.data();
  const auto [end, ec] = std::from_chars(begin, begin + text.size(), value);
  if (ec != std::errc{} || end == begin) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - begin));
  return value;
}

}  // namespace

std::optional<StaticdSchema> staticd_schema(std::string_view frr_version) {
  std::string_view rest = frr_version;
  const auto major = take_number(rest);
  if (!major || rest.empty() || rest.front() != '.') return std::nullopt;
  rest.remove_prefix(1);
  const auto minor = take_number(rest);
  if (!minor) return std::nullopt;
  // A version is followed by nothing, a further component or a suffix; "8.4x" is not a version.
  if (!rest.empty() && rest.front() != '.' && rest.front() != '-' && rest.front() != '+' &&
      rest.front() != '~') {
    return std::nullopt;
  }
  if (*major > 1000 || *minor >= 1000) return std::nullopt;
  const unsigned v = *major * 1000 + *minor;
  if (v < 8004) return std::nullopt;
  if (v < 10003) return StaticdSchema::Frr8_4;
  if (v < 10007) return StaticdSchema::Frr10_3;
  return StaticdSchema::Frr10_7;
}

}  // namespace wgfo::frr

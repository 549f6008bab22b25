#pragma once
// Which staticd XPath layout a daemon speaks, chosen from GetCapabilities().frr_version. The YANG
// revision of frr-staticd did not change in 10.3 although its keys did, so the version string is the
// only reliable signal (frr-grpc.md §5).
//   Frr8_4   8.4 .. 10.2 route-list[prefix][afi-safi]/path-list[table-id][distance]/frr-nexthops/nexthop[...]
//   Frr10_3  10.3 .. 10.6  route-list[prefix][src-prefix][afi-safi]/... (src-prefix '::/0' when none)
//   Frr10_7  10.7 ..       path-list[table-id][nh-type][vrf][gateway][interface], distance/tag leaves

#include <cstdint>
#include <optional>
#include <string_view>

namespace wgfo::frr {

enum class StaticdSchema : std::uint8_t { Frr8_4, Frr10_3, Frr10_7 };

// "8.4.4", "10.3.1", "10.7.0-dev" ... ; nullopt for text that is not a version or is older than 8.4.
std::optional<StaticdSchema> staticd_schema(std::string_view frr_version);

}  // namespace wgfo::frr

#pragma once
// Builders shared by the frr-integration unit tests: addresses, StaticRoute values and the replies
// captured from real FRR under data/ (tests that read them define WGFO_FRR_TEST_DATA).

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "frr-integration/frr_state.hpp"

namespace wgfo::frr::test_util {

inline IpAddress ip(std::string_view s) {
  return *IpAddress::parse(s);
}
inline IpPrefix pfx(std::string_view s) {
  return *IpPrefix::parse(s);
}

// One path-list in the default VRF; nexthops in the order given.
inline StaticRoute route(std::string_view prefix, std::uint8_t distance, std::vector<Nexthop> nhs,
                         std::uint32_t tag = 4242) {
  return StaticRoute{pfx(prefix), distance, tag, std::move(nhs), "default"};
}

#ifdef WGFO_FRR_TEST_DATA
// The text of data/NAME; empty (and a test failure) if it cannot be read.
inline std::string data(const std::string& name) {
  std::ifstream in(std::string(WGFO_FRR_TEST_DATA) + "/" + name);
  if (!in.good()) ADD_FAILURE() << "cannot read test data " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
#endif

}  // namespace wgfo::frr::test_util

// Names for the RFC 5880 vocabulary types. State names are the CLI/JSON contract of DESIGN.md
// ("up", "down", "init", "admin-down"); diagnostic names are the RFC 5880 §4.1 descriptions in
// kebab-case so logs, JSON and metrics labels agree. Unassigned codes (the Diag field has 5 bits,
// §4.1) print as "diag-N" so a peer sending a new code is still visible, not hidden as "unknown".

#include "bfd/types.hpp"

#include <array>
#include <cstddef>
#include <string>

namespace wgfo::bfd {

std::string_view to_string(State s) {
  switch (s) {
    case State::AdminDown:
      return "admin-down";
    case State::Down:
      return "down";
    case State::Init:
      return "init";
    case State::Up:
      return "up";
  }
  return "unknown";  // only reachable through a cast of an out-of-range value
}

namespace {

// "diag-0" .. "diag-255", built once; string_views into it stay valid for the program's life.
const std::array<std::string, 256>& numbered_diag_names() {
  static const std::array<std::string, 256> names = [] {
    std::array<std::string, 256> n;
    for (std::size_t i = 0; i < n.size(); ++i) n[i] = "diag-" + std::to_string(i);
    return n;
  }();
  return names;
}

}  // namespace

std::string_view to_string(Diag d) {
  switch (d) {
    case Diag::None:
      return "none";
    case Diag::ControlDetectionTimeExpired:
      return "control-detection-time-expired";
    case Diag::EchoFunctionFailed:
      return "echo-function-failed";
    case Diag::NeighborSignaledSessionDown:
      return "neighbor-signaled-session-down";
    case Diag::ForwardingPlaneReset:
      return "forwarding-plane-reset";
    case Diag::PathDown:
      return "path-down";
    case Diag::ConcatenatedPathDown:
      return "concatenated-path-down";
    case Diag::AdministrativelyDown:
      return "administratively-down";
    case Diag::ReverseConcatenatedPathDown:
      return "reverse-concatenated-path-down";
    case Diag::MisConnectivityDefect:
      return "mis-connectivity-defect";
  }
  return numbered_diag_names()[static_cast<std::size_t>(d)];
}

}  // namespace wgfo::bfd

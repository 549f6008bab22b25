#pragma once
// Vocabulary of the BFD core (RFC 5880): states, diagnostics, discriminators and the time types.
// The core never reads a clock: TimePoint values come in as arguments from the I/O layer or a test.

#include <chrono>
#include <cstdint>
#include <string_view>

namespace wgfo::bfd {

using Clock = std::chrono::steady_clock;  // for its time_point type only
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
using Micros = std::chrono::microseconds;  // RFC 5880 intervals are carried in microseconds

using Discriminator = std::uint32_t;

// bfd.SessionState values, as on the wire (RFC 5880 §4.1 "Sta").
enum class State : std::uint8_t { AdminDown = 0, Down = 1, Init = 2, Up = 3 };

// bfd.LocalDiag values (RFC 5880 §4.1 "Diag"); 9 is IANA's later "Mis-Connectivity Defect".
enum class Diag : std::uint8_t {
  None = 0,
  ControlDetectionTimeExpired = 1,
  EchoFunctionFailed = 2,
  NeighborSignaledSessionDown = 3,
  ForwardingPlaneReset = 4,
  PathDown = 5,
  ConcatenatedPathDown = 6,
  AdministrativelyDown = 7,
  ReverseConcatenatedPathDown = 8,
  MisConnectivityDefect = 9,
};

// "up", "down", "init", "admin-down": the strings of the CLI/JSON contract in DESIGN.md.
std::string_view to_string(State s);
// Kebab-case names, e.g. "control-detection-time-expired"; "diag-N" for unassigned codes.
std::string_view to_string(Diag d);

}  // namespace wgfo::bfd

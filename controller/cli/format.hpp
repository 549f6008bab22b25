#pragma once
// Rendering of API answers for the wg-failover CLI: vtysh-like tables for people, JSON with the
// DESIGN.md keys for scripts (snake_case, RFC 3339 times with milliseconds, durations in ms).
// Pure functions of the message (and of `now` for "ago" columns), so output is golden-tested.

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "wgfailover/v1/failover.pb.h"

namespace wgfo::cli {

namespace v1 = ::wgfailover::v1;

std::string rfc3339_ms(std::chrono::system_clock::time_point t);  // "2026-11-24T21:30:27.123Z"
std::string state_name(v1::TunnelState s);                        // "up", ..., "admin-down"
std::string state_name(v1::BfdSessionState s);

nlohmann::ordered_json tunnel_json(const v1::Tunnel& t);
nlohmann::ordered_json tunnels_json(const v1::ListTunnelsResponse& r);
std::string tunnels_table(const v1::ListTunnelsResponse& r, std::chrono::system_clock::time_point now);
// DESIGN.md: an array of {prefix, active, installed, kill_switch} (plus signalled).
nlohmann::ordered_json routes_json(const v1::ListRoutesResponse& r);
std::string routes_table(const v1::ListRoutesResponse& r);

}  // namespace wgfo::cli

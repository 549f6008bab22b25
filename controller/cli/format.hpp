#pragma once
// Rendering of API answers for the wg-failover CLI: vtysh-like tables for people, JSON with the
// DESIGN.md keys for scripts (snake_case, RFC 3339 times with milliseconds, durations in ms).
// Pure functions of the message (and of `now` for "ago" columns), so output is golden-tested.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

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

// DESIGN.md: an array of {time, tunnel, from, to, cause}, oldest first.
nlohmann::ordered_json event_json(const v1::Event& e);
nlohmann::ordered_json events_json(const v1::ListEventsResponse& r);
std::string events_table(const v1::ListEventsResponse& r);
// `watch`: one line per stream message; with json, one JSON object per line ({"state": tunnel} or
// {"event": event}) so a script can read the stream line by line.
std::string watch_line(const v1::WatchEventsResponse& m, bool json);

nlohmann::ordered_json status_json(const v1::GetStatusResponse& s);
std::string status_text(const v1::GetStatusResponse& s, std::chrono::system_clock::time_point now);

// The answer of a mutating call (drain, undrain, override): the tunnel afterwards and the route
// changes, or with dry_run what they would be.
nlohmann::ordered_json change_json(const v1::Tunnel* tunnel,
                                   const google::protobuf::RepeatedPtrField<v1::RouteChange>& changes,
                                   bool dry_run);
std::string change_text(const v1::Tunnel* tunnel,
                        const google::protobuf::RepeatedPtrField<v1::RouteChange>& changes, bool dry_run);

// "10m", "2h", "1h30m", "90s", "500ms", "7d": a positive duration for `override --for`; nullopt
// for anything else (no unit, zero, negative, unknown unit, overflow).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace wgfo::cli

#pragma once
// validate(): every reason FRR would reject, crash on, or silently mis-store a wanted FrrState, found
// before anything is sent. It matters more than usual because FRR 8.4 asserts on some bad requests (an
// unknown VRF), and only logs others at APPLY time after storing them (a malformed community string,
// frr-grpc.md §3.5), so the daemon must never rely on FRR to refuse bad values.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "frr-integration/frr_state.hpp"

namespace wgfo::frr {

struct ValidationContext {
  // Whether an interface exists now; empty = skip that check (e.g. when validating a config file).
  std::function<bool(std::string_view)> interface_exists;
  std::vector<std::string> vrfs{"default"};  // VRFs staticd knows
  Ownership ownership;
};

// Every problem with `want`, one line each ("route 10.20.0.0/16 distance 10: ..."); empty = OK to send.
std::vector<std::string> validate(const FrrState& want, const ValidationContext& context);

// A community-string `set community` accepts (without "additive"): space-separated AA:NN with 16-bit
// parts, or internet, local-AS, no-advertise, no-export, blackhole, graceful-shutdown.
bool valid_community(std::string_view community);

// An interface name FRR and Linux both accept: 1..15 characters, no '/', no whitespace or quote, not
// one of staticd's reserved words Null0, reject, blackhole.
bool valid_interface_name(std::string_view name);

}  // namespace wgfo::frr

#pragma once
// Core value types -> API messages. Kept apart from the handlers so the CLI's golden tests and the
// API tests see exactly the same mapping.
#include "controller/api/api_backend.hpp"
#include "controller/core.hpp"

namespace wgfo::api {

void to_proto(const TunnelView& t, v1::Tunnel* out);
v1::TunnelState to_proto(TunnelState s);
v1::BfdSessionState to_proto(bfd::State s);

}  // namespace wgfo::api

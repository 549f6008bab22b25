#pragma once
// Core value types -> API messages. Kept apart from the handlers so the CLI's golden tests and the
// API tests see exactly the same mapping.
#include "controller/api/api_backend.hpp"
#include "controller/core.hpp"
#include "controller/route_intent.hpp"

namespace wgfo::api {

void to_proto(const TunnelView& t, v1::Tunnel* out);
v1::TunnelState to_proto(TunnelState s);
v1::BfdSessionState to_proto(bfd::State s);
void to_proto(const TunnelEvent& e, v1::Event* out);
google::protobuf::Timestamp to_timestamp(std::chrono::system_clock::time_point t);

// The prefixes whose routing differs between `before` and `after` (matched by prefix: a reload may
// add or remove routes; a missing side reads as no active tunnel), in `after`'s order, then removed
// ones.
void add_route_changes(const std::vector<RouteView>& before, const std::vector<RouteView>& after,
                       google::protobuf::RepeatedPtrField<v1::RouteChange>* out);

}  // namespace wgfo::api

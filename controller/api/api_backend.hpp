#pragma once
// The API's view of the daemon: one method per RPC, same request and response types. The gRPC
// service (failover_service.hpp) is a one-line adapter per RPC onto this interface, so the API can be
// tested without sockets and the daemon decides how each call reaches the core thread.

#include <grpcpp/support/status.h>

#include "wgfailover/v1/failover.pb.h"

namespace wgfo::api {

namespace v1 = ::wgfailover::v1;

// A WatchEvents server stream as the backend sees it (the gRPC writer and context behind it).
class EventStream {
 public:
  virtual ~EventStream() = default;
  virtual bool write(const v1::WatchEventsResponse& msg) = 0;  // false: the client has gone
  virtual bool cancelled() = 0;
};

class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  virtual grpc::Status list_tunnels(const v1::ListTunnelsRequest& req, v1::ListTunnelsResponse* resp) = 0;
  virtual grpc::Status get_tunnel(const v1::GetTunnelRequest& req, v1::GetTunnelResponse* resp) = 0;
  virtual grpc::Status list_routes(const v1::ListRoutesRequest& req, v1::ListRoutesResponse* resp) = 0;
  virtual grpc::Status get_status(const v1::GetStatusRequest& req, v1::GetStatusResponse* resp) = 0;
  virtual grpc::Status list_events(const v1::ListEventsRequest& req, v1::ListEventsResponse* resp) = 0;
  virtual grpc::Status watch_events(const v1::WatchEventsRequest& req, EventStream& stream) = 0;
  virtual grpc::Status drain_tunnel(const v1::DrainTunnelRequest& req, v1::DrainTunnelResponse* resp) = 0;
  virtual grpc::Status undrain_tunnel(const v1::UndrainTunnelRequest& req,
                                      v1::UndrainTunnelResponse* resp) = 0;
  virtual grpc::Status set_override(const v1::SetOverrideRequest& req, v1::SetOverrideResponse* resp) = 0;
  virtual grpc::Status clear_override(const v1::ClearOverrideRequest& req,
                                      v1::ClearOverrideResponse* resp) = 0;
  virtual grpc::Status reload(const v1::ReloadRequest& req, v1::ReloadResponse* resp) = 0;
};

}  // namespace wgfo::api

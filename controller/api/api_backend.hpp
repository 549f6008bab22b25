#pragma once
// The API's view of the daemon: one method per RPC, same request and response types. The gRPC
// service (failover_service.hpp) is a one-line adapter per RPC onto this interface, so the API can be
// tested without sockets and the daemon decides how each call reaches the core thread.

#include <grpcpp/support/status.h>

#include "wgfailover/v1/failover.pb.h"

namespace wgfo::api {

namespace v1 = ::wgfailover::v1;

class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  virtual grpc::Status list_tunnels(const v1::ListTunnelsRequest& req, v1::ListTunnelsResponse* resp) = 0;
  virtual grpc::Status get_tunnel(const v1::GetTunnelRequest& req, v1::GetTunnelResponse* resp) = 0;
  virtual grpc::Status list_routes(const v1::ListRoutesRequest& req, v1::ListRoutesResponse* resp) = 0;
};

}  // namespace wgfo::api

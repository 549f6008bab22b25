#pragma once
// FailoverService (proto/wgfailover/v1/failover.proto): each handler forwards to ApiBackend.
#include "controller/api/api_backend.hpp"
#include "wgfailover/v1/failover.grpc.pb.h"

namespace wgfo::api {

class FailoverService final : public v1::FailoverService::Service {
 public:
  explicit FailoverService(ApiBackend& backend) : backend_(backend) {}

  grpc::Status ListTunnels(grpc::ServerContext*, const v1::ListTunnelsRequest* req,
                           v1::ListTunnelsResponse* resp) override {
    return backend_.list_tunnels(*req, resp);
  }
  grpc::Status GetTunnel(grpc::ServerContext*, const v1::GetTunnelRequest* req,
                         v1::GetTunnelResponse* resp) override {
    return backend_.get_tunnel(*req, resp);
  }
  grpc::Status ListRoutes(grpc::ServerContext*, const v1::ListRoutesRequest* req,
                          v1::ListRoutesResponse* resp) override {
    return backend_.list_routes(*req, resp);
  }

 private:
  ApiBackend& backend_;
};

}  // namespace wgfo::api

#pragma once
// FailoverService (proto/wgfailover/v1/failover.proto): each handler forwards to ApiBackend.
#include "controller/api/api_backend.hpp"
#include "wgfailover/v1/failover.grpc.pb.h"

namespace wgfo::api {

// A unary RPC handler that forwards to ApiBackend::method.
#define WGFO_API_UNARY(Rpc, method)                                                                       \
  grpc::Status Rpc(grpc::ServerContext*, const v1::Rpc##Request* req, v1::Rpc##Response* resp) override { \
    return backend_.method(*req, resp);                                                                   \
  }

class FailoverService final : public v1::FailoverService::Service {
 public:
  explicit FailoverService(ApiBackend& backend) : backend_(backend) {}

  WGFO_API_UNARY(ListTunnels, list_tunnels)
  WGFO_API_UNARY(GetTunnel, get_tunnel)
  WGFO_API_UNARY(ListRoutes, list_routes)
  WGFO_API_UNARY(GetStatus, get_status)
  WGFO_API_UNARY(ListEvents, list_events)
  WGFO_API_UNARY(DrainTunnel, drain_tunnel)
  WGFO_API_UNARY(UndrainTunnel, undrain_tunnel)
  WGFO_API_UNARY(SetOverride, set_override)
  WGFO_API_UNARY(ClearOverride, clear_override)
  WGFO_API_UNARY(Reload, reload)

  grpc::Status WatchEvents(grpc::ServerContext* ctx, const v1::WatchEventsRequest* req,
                           grpc::ServerWriter<v1::WatchEventsResponse>* writer) override {
    Stream stream(ctx, writer);
    return backend_.watch_events(*req, stream);
  }

 private:
  class Stream final : public EventStream {
   public:
    Stream(grpc::ServerContext* ctx, grpc::ServerWriter<v1::WatchEventsResponse>* writer)
        : ctx_(ctx), writer_(writer) {}
    bool write(const v1::WatchEventsResponse& msg) override { return writer_->Write(msg); }
    bool cancelled() override { return ctx_->IsCancelled(); }

   private:
    grpc::ServerContext* ctx_;
    grpc::ServerWriter<v1::WatchEventsResponse>* writer_;
  };

  ApiBackend& backend_;
};

#undef WGFO_API_UNARY

}  // namespace wgfo::api

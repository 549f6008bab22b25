#pragma once
// FailoverService (proto/wgfailover/v1/failover.proto): each handler forwards to ApiBackend. One
// instance per listener, each with its Access: what a caller there may do is decided by where it
// came in (socket permissions) and, over TCP, by its client certificate's common name. Read-only
// RPCs and dry runs are open to every caller that got in; changes need may_mutate().
#include <string>
#include <vector>

#include "controller/api/api_backend.hpp"
#include "wgfailover/v1/failover.grpc.pb.h"

namespace wgfo::api {

// A unary RPC handler that forwards to ApiBackend::method.
#define WGFO_API_UNARY(Rpc, method)                                                                       \
  grpc::Status Rpc(grpc::ServerContext*, const v1::Rpc##Request* req, v1::Rpc##Response* resp) override { \
    return backend_.method(*req, resp);                                                                   \
  }

// A mutating RPC: authorized first (a dry run changes nothing, so it needs no authorization).
#define WGFO_API_MUTATING(Rpc, method)                                                             \
  grpc::Status Rpc(grpc::ServerContext* ctx, const v1::Rpc##Request* req, v1::Rpc##Response* resp) \
      override {                                                                                   \
    if (grpc::Status s = may_mutate(*ctx, req->dry_run()); !s.ok()) return s;                      \
    return backend_.method(*req, resp);                                                            \
  }

enum class Access {
  Full,           // api.socket: its mode and group are the authorization
  ReadOnly,       // api.read_only_socket
  ByCertificate,  // api.tcp: changes only for the listed client certificate common names
};

class FailoverService final : public v1::FailoverService::Service {
 public:
  explicit FailoverService(ApiBackend& backend, Access access = Access::Full,
                           std::vector<std::string> mutating_clients = {})
      : backend_(backend), access_(access), mutating_clients_(std::move(mutating_clients)) {}

  WGFO_API_UNARY(ListTunnels, list_tunnels)
  WGFO_API_UNARY(GetTunnel, get_tunnel)
  WGFO_API_UNARY(ListRoutes, list_routes)
  WGFO_API_UNARY(GetStatus, get_status)
  WGFO_API_UNARY(ListEvents, list_events)
  WGFO_API_MUTATING(DrainTunnel, drain_tunnel)
  WGFO_API_MUTATING(UndrainTunnel, undrain_tunnel)
  WGFO_API_MUTATING(SetOverride, set_override)
  WGFO_API_MUTATING(ClearOverride, clear_override)
  WGFO_API_MUTATING(Reload, reload)

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

  grpc::Status may_mutate(const grpc::ServerContext& ctx, bool dry_run) const;

  ApiBackend& backend_;
  Access access_;
  std::vector<std::string> mutating_clients_;
};

#undef WGFO_API_UNARY
#undef WGFO_API_MUTATING

}  // namespace wgfo::api

#pragma once
// The gRPC server on the daemon's unix socket (DESIGN.md: mode 0660, group from the config so that
// vtysh users, group frrvty by default, can use the CLI). It refuses to take over a socket another
// daemon is still serving, and removes a stale one left by a crash.

#include <memory>
#include <string>

#include "controller/api/api_backend.hpp"

namespace grpc {
class Server;
}

namespace wgfo::api {

class FailoverService;

class ApiServer {
 public:
  explicit ApiServer(ApiBackend& backend);
  ~ApiServer();

  // Starts serving; on failure returns false with a one-line reason in `error`.
  bool start(const std::string& socket_path, const std::string& group, std::string& error);
  void stop();

 private:
  std::unique_ptr<FailoverService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string path_;
};

}  // namespace wgfo::api

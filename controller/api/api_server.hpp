#pragma once
// The gRPC servers of the daemon's API (DESIGN.md: a unix socket, mode 0660, group from the config so
// that vtysh users, group frrvty by default, can use the CLI). Up to three listeners, one server
// each, so that the authorization of a call follows from where it came in (failover_service.hpp):
//   api.socket            read and change; its group is the authorization
//   api.read_only_socket  read-only RPCs and dry runs (optional; its own group)
//   api.tcp               mutual TLS (optional): any client the client CA signed may read; only the
//                         common names in mutating_clients may change things
// Each server also has gRPC health checking and reflection. It refuses to take over a socket another
// daemon is still serving, and removes a stale one left by a crash.

#include <memory>
#include <string>
#include <vector>

#include "controller/api/api_backend.hpp"
#include "controller/config.hpp"

namespace grpc {
class Server;
}

namespace wgfo::api {

class FailoverService;

class ApiServer {
 public:
  explicit ApiServer(ApiBackend& backend);
  ~ApiServer();

  // Starts every configured listener; on failure stops them all and returns false with a one-line
  // reason in `error`. A non-fatal problem (a socket group that does not exist) is put in `error` with
  // a true result.
  bool start(const ApiConfig& config, std::string& error);
  // The TCP port chosen for api.tcp (for listen port 0); 0 without TCP.
  int tcp_port() const { return tcp_port_; }
  void stop();

 private:
  struct Listener {
    std::unique_ptr<FailoverService> service;
    std::unique_ptr<grpc::Server> server;
    std::string socket_path;  // empty for TCP
  };
  bool start_unix(const std::string& key, const std::string& path, const std::string& group, bool read_only,
                  std::string& error);
  bool start_tcp(const ApiTcpConfig& tcp, std::string& error);

  ApiBackend& backend_;
  std::vector<Listener> listeners_;
  int tcp_port_{0};
};

}  // namespace wgfo::api

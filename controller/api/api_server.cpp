// Unix-socket gRPC server setup: stale-socket handling, permissions, group (see api_server.hpp).
#include "controller/api/api_server.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "controller/api/failover_service.hpp"

namespace wgfo::api {
namespace {

// True if something accepts connections on `path`.
bool socket_in_use(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  const bool in_use = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  close(fd);
  return in_use;
}

}  // namespace

ApiServer::ApiServer(ApiBackend& backend) : service_(std::make_unique<FailoverService>(backend)) {}

ApiServer::~ApiServer() {
  stop();
}

bool ApiServer::start(const std::string& socket_path, const std::string& group, std::string& error) {
  namespace fs = std::filesystem;
  if (socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    error = "api.socket " + socket_path + ": path too long for a unix socket";
    return false;
  }
  std::error_code ec;
  fs::create_directories(fs::path(socket_path).parent_path(), ec);
  struct stat st {};
  if (lstat(socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      error = "api.socket " + socket_path + " exists and is not a socket";
      return false;
    }
    if (socket_in_use(socket_path)) {
      error =
          "api.socket " + socket_path + " is served by another process (is wg-failoverd already running?)";
      return false;
    }
    unlink(socket_path.c_str());  // left by a daemon that died
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket_path, grpc::InsecureServerCredentials());
  builder.RegisterService(service_.get());
  // The socket is created inside BuildAndStart; a umask makes it 0660 from the first moment.
  const mode_t old_mask = umask(0117);
  server_ = builder.BuildAndStart();
  umask(old_mask);
  if (!server_) {
    error = "cannot listen on api.socket " + socket_path;
    return false;
  }
  path_ = socket_path;
  chmod(socket_path.c_str(), 0660);
  if (!group.empty()) {
    const struct group* g = getgrnam(group.c_str());
    if (g == nullptr || chown(socket_path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
      // Not fatal: root can still use the socket. Say so, since operators expect group access.
      error = "api.socket group " + group + (g == nullptr ? " does not exist" : ": chown failed") +
              "; socket is root-only";
    }
  }
  return true;
}

void ApiServer::stop() {
  if (!server_) return;
  // A deadline: a Shutdown() without one can hang on a stuck call (ecosystem.md §4d).
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
  server_.reset();
  unlink(path_.c_str());
}

}  // namespace wgfo::api

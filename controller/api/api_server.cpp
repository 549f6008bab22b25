// gRPC server setup (see api_server.hpp): unix sockets with stale-socket handling, permissions and
// group; TCP with mutual TLS; the authorization each listener's FailoverService applies.
#include "controller/api/api_server.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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

std::optional<std::string> read_pem(const std::string& path, const char* what, std::string& error) {
  std::ifstream in(path);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().find("-----BEGIN ") == std::string::npos) {
    error = "api.tcp." + std::string(what) + " " + path + ": " +
            (in ? "not a PEM file" : "cannot read it: " + std::string(std::strerror(errno)));
    return std::nullopt;
  }
  return text.str();
}

void enable_standard_services() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
}

// The health service answers for the server ("") by itself; a check on the service's own name is what
// load balancers and grpc_health_probe ask, and without this it gets NOT_FOUND. Server::Shutdown
// turns both to NOT_SERVING.
void mark_serving(grpc::Server& server) {
  if (grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService())
    health->SetServingStatus(wgfailover::v1::FailoverService::service_full_name(), true);
}

}  // namespace

grpc::Status FailoverService::may_mutate(const grpc::ServerContext& ctx, bool dry_run) const {
  if (dry_run || access_ == Access::Full) return grpc::Status::OK;
  if (access_ == Access::ReadOnly) {
    return {grpc::StatusCode::PERMISSION_DENIED,
            "this socket is read-only (api.read_only_socket); changes go through api.socket"};
  }
  const auto auth = ctx.auth_context();
  std::string names;
  for (const grpc::string_ref& cn :
       auth ? auth->FindPropertyValues("x509_common_name") : std::vector<grpc::string_ref>{}) {
    const std::string name(cn.data(), cn.size());
    if (std::find(mutating_clients_.begin(), mutating_clients_.end(), name) != mutating_clients_.end())
      return grpc::Status::OK;
    names += (names.empty() ? "" : ", ") + name;
  }
  return {grpc::StatusCode::PERMISSION_DENIED,
          "client certificate CN=" + (names.empty() ? std::string("(none)") : names) +
              " may read but not make changes (it is not in api.tcp.mutating_clients)"};
}

ApiServer::ApiServer(ApiBackend& backend) : backend_(backend) {}

ApiServer::~ApiServer() {
  stop();
}

bool ApiServer::start(const ApiConfig& config, std::string& error) {
  enable_standard_services();
  std::string warnings, failure;
  // start_* put a fatal reason in their string when they fail and a warning when they do not.
  const auto step = [&](const auto& start_one) {
    std::string e;
    const bool ok = start_one(e);
    if (!ok)
      failure = e;
    else if (!e.empty())
      warnings += (warnings.empty() ? "" : "; ") + e;
    return ok;
  };
  const bool ok =
      step([&](std::string& e) {
        return start_unix("api.socket", config.socket, config.socket_group, false, e);
      }) &&
      (config.read_only_socket.empty() || step([&](std::string& e) {
         return start_unix("api.read_only_socket", config.read_only_socket, config.read_only_group, true, e);
       })) &&
      (!config.tcp || step([&](std::string& e) { return start_tcp(*config.tcp, e); }));
  if (!ok) {
    stop();
    error = failure;
    return false;
  }
  error = warnings;
  return true;
}

bool ApiServer::start_tcp(const ApiTcpConfig& tcp, std::string& error) {
  const auto ca = read_pem(tcp.client_ca, "client_ca", error);
  const auto cert = ca ? read_pem(tcp.cert, "cert", error) : std::nullopt;
  const auto key = cert ? read_pem(tcp.key, "key", error) : std::nullopt;
  if (!key) return false;
  // A client must present a certificate that client_ca signed, or the handshake fails.
  grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.pem_root_certs = *ca;
  tls.pem_key_cert_pairs.push_back({*key, *cert});
  Listener l;
  l.service = std::make_unique<FailoverService>(backend_, Access::ByCertificate, tcp.mutating_clients);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(tcp.listen.to_string(), grpc::SslServerCredentials(tls), &tcp_port_);
  builder.RegisterService(l.service.get());
  l.server = builder.BuildAndStart();
  if (!l.server || tcp_port_ == 0) {
    error = "cannot listen on api.tcp.listen " + tcp.listen.to_string() + " (address in use or not local?)";
    return false;
  }
  mark_serving(*l.server);
  listeners_.push_back(std::move(l));
  return true;
}

bool ApiServer::start_unix(const std::string& key, const std::string& socket_path, const std::string& group,
                           bool read_only, std::string& error) {
  namespace fs = std::filesystem;
  if (socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    error = key + " " + socket_path + ": path too long for a unix socket";
    return false;
  }
  std::error_code ec;
  fs::create_directories(fs::path(socket_path).parent_path(), ec);
  struct stat st {};
  if (lstat(socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      error = key + " " + socket_path + " exists and is not a socket";
      return false;
    }
    if (socket_in_use(socket_path)) {
      error = key + " " + socket_path + " is served by another process (is wg-failoverd already running?)";
      return false;
    }
    unlink(socket_path.c_str());  // left by a daemon that died
  }

  Listener l;
  l.service = std::make_unique<FailoverService>(backend_, read_only ? Access::ReadOnly : Access::Full);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + socket_path, grpc::InsecureServerCredentials());
  builder.RegisterService(l.service.get());
  // The socket is created inside BuildAndStart; a umask makes it 0660 from the first moment.
  const mode_t old_mask = umask(0117);
  l.server = builder.BuildAndStart();
  umask(old_mask);
  if (!l.server) {
    error = "cannot listen on api.socket " + socket_path;
    return false;
  }
  mark_serving(*l.server);
  l.socket_path = socket_path;
  listeners_.push_back(std::move(l));
  chmod(socket_path.c_str(), 0660);
  if (!group.empty()) {
    const struct group* g = getgrnam(group.c_str());
    if (g == nullptr || chown(socket_path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
      // Not fatal: root can still use the socket. Say so, since operators expect group access.
      error = key + " group " + group + (g == nullptr ? " does not exist" : ": chown failed") +
              "; socket is root-only";
    }
  }
  return true;
}

void ApiServer::stop() {
  for (Listener& l : listeners_) {
    // A deadline: a Shutdown() without one can hang on a stuck call (ecosystem.md §4d).
    l.server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    l.server->Wait();
    if (!l.socket_path.empty()) unlink(l.socket_path.c_str());
  }
  listeners_.clear();
}

}  // namespace wgfo::api

// wg-failover: the operator CLI. A thin gRPC client of wg-failoverd's API socket; rendering lives in
// cli/format.cpp. Exit codes: 0 success, 1 the daemon answered with an error, 2 cannot reach it.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>

#include "controller/cli/format.hpp"
#include "wgfailover/v1/failover.grpc.pb.h"

namespace {

namespace v1 = ::wgfailover::v1;
constexpr auto kDeadline = std::chrono::seconds(5);

// A clear reason why `path` cannot be used, or "" if it looks usable.
std::string socket_problem(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return "no daemon socket at " + path + " (is wg-failoverd running? see --socket)";
    return path + ": " + std::strerror(errno);
  }
  if (!S_ISSOCK(st.st_mode)) return path + " is not a socket";
  if (access(path.c_str(), R_OK | W_OK) != 0)
    return "permission denied on " + path + " (members of the socket's group, frrvty by default, may use it)";
  return "";
}

int fail_status(const grpc::Status& s, const std::string& path) {
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
      s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    std::cerr << "wg-failover: cannot reach wg-failoverd at " << path << ": " << s.error_message() << '\n';
    return 2;
  }
  std::cerr << "wg-failover: " << s.error_message() << '\n';
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wg-failover: show and steer wg-failoverd"};
  app.require_subcommand(1);
  std::string socket = "/run/wg-failover/api.sock";
  app.add_option("--socket,-s", socket, "wg-failoverd API socket");
  bool json = false;

  CLI::App* show = app.add_subcommand("show", "show state");
  show->require_subcommand(1);
  CLI::App* tunnels = show->add_subcommand("tunnels", "tunnels and their BFD sessions");
  tunnels->add_flag("--json,-j", json, "JSON output");
  CLI::App* routes =
      show->add_subcommand("routes", "configured prefixes, their active tunnels and FIB state");
  routes->add_flag("--json,-j", json, "JSON output");
  CLI11_PARSE(app, argc, argv);

  if (std::string problem = socket_problem(socket); !problem.empty()) {
    std::cerr << "wg-failover: " << problem << '\n';
    return 2;
  }
  auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
  auto stub = v1::FailoverService::NewStub(channel);

  // One unary call under the CLI's deadline; the status decides the exit code.
  auto call = [&](auto method, const auto& request, auto* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
    return ((*stub).*method)(&ctx, request, response);
  };
  if (tunnels->parsed()) {
    v1::ListTunnelsResponse resp;
    const grpc::Status s = call(&v1::FailoverService::Stub::ListTunnels, v1::ListTunnelsRequest{}, &resp);
    if (!s.ok()) return fail_status(s, socket);
    std::cout << (json ? wgfo::cli::tunnels_json(resp).dump(2) + "\n"
                       : wgfo::cli::tunnels_table(resp, std::chrono::system_clock::now()));
  }
  if (routes->parsed()) {
    v1::ListRoutesResponse resp;
    const grpc::Status s = call(&v1::FailoverService::Stub::ListRoutes, v1::ListRoutesRequest{}, &resp);
    if (!s.ok()) return fail_status(s, socket);
    std::cout << (json ? wgfo::cli::routes_json(resp).dump(2) + "\n" : wgfo::cli::routes_table(resp));
  }
  return 0;
}

// wg-failover: the operator CLI. A thin gRPC client of wg-failoverd's API socket; rendering lives in
// cli/format.cpp. Exit codes: 0 success, 1 the daemon answered with an error, 2 cannot reach it (or a
// usage error, from CLI11).
//
//   show tunnels|routes|events|status [--json]     watch [--tunnel T] [--json]
//   drain|undrain TUNNEL [--dry-run]               override TUNNEL --prefer N --for 10m | --clear
//   reload [--dry-run]
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <tuple>

#include "controller/cli/format.hpp"
#include "wgfailover/v1/failover.grpc.pb.h"

namespace {

namespace v1 = ::wgfailover::v1;
using Stub = v1::FailoverService::Stub;
constexpr auto kDeadline = std::chrono::seconds(5);
constexpr auto kReloadDeadline = std::chrono::seconds(30);  // a reload may restart many sessions

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

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  out = text.str();
  return static_cast<bool>(in);
}

struct Options {
  std::string socket = "/run/wg-failover/api.sock";
  std::string server;  // HOST:PORT of api.tcp (mutual TLS) instead of the socket
  std::string cert, key, ca;
  std::string target() const { return server.empty() ? socket : server; }
  bool json = false;
  bool dry_run = false;
  std::string tunnel;
  std::uint32_t limit = 0;
  std::uint32_t prefer = 0;
  std::string for_text;
  bool clear = false;
};

// One unary call under a deadline; prints `render(response)` on success.
template <class Req, class Resp, class Render>
int unary(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req,
          const Options& o, Render render, std::chrono::seconds deadline = kDeadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  Resp resp;
  const grpc::Status s = (stub.*method)(&ctx, req, &resp);
  if (!s.ok()) return fail_status(s, o.target());
  std::cout << render(resp);
  return 0;
}

// Output of drain, undrain and override: the tunnel afterwards and the route changes.
template <class Resp>
std::string change_output(const Resp& r, const Options& o) {
  return o.json ? wgfo::cli::change_json(&r.tunnel(), r.route_changes(), o.dry_run).dump(2) + "\n"
                : wgfo::cli::change_text(&r.tunnel(), r.route_changes(), o.dry_run);
}

int watch(Stub& stub, const Options& o) {
  grpc::ClientContext ctx;  // no deadline: it follows the daemon until interrupted
  v1::WatchEventsRequest req;
  req.set_initial_state(true);
  req.set_tunnel(o.tunnel);
  auto reader = stub.WatchEvents(&ctx, req);
  v1::WatchEventsResponse msg;
  while (reader->Read(&msg)) std::cout << wgfo::cli::watch_line(msg, o.json) << std::flush;
  const grpc::Status s = reader->Finish();
  return s.ok() ? 0 : fail_status(s, o.target());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wg-failover: show and steer wg-failoverd"};
  app.require_subcommand(1);
  Options o;
  app.add_option("--socket,-s", o.socket, "wg-failoverd API socket");
  app.add_option("--server", o.server,
                 "HOST:PORT of the daemon's api.tcp (mutual TLS) instead of the socket");
  app.add_option("--cert", o.cert, "with --server: this client's certificate (PEM)");
  app.add_option("--key", o.key, "with --server: its private key (PEM)");
  app.add_option("--ca", o.ca, "with --server: the CA that signed the daemon's certificate (PEM)");

  CLI::App* show = app.add_subcommand("show", "show state");
  show->require_subcommand(1);
  CLI::App* tunnels = show->add_subcommand("tunnels", "tunnels and their BFD sessions");
  CLI::App* routes =
      show->add_subcommand("routes", "configured prefixes, their active tunnels and FIB state");
  CLI::App* events = show->add_subcommand("events", "the decisions kept in memory, oldest first");
  events->add_option("--tunnel,-t", o.tunnel, "only this tunnel's events");
  events->add_option("--limit,-n", o.limit, "only the newest N");
  CLI::App* status = show->add_subcommand("status", "the daemon, FRR programming and BFD I/O");
  for (CLI::App* c : {tunnels, routes, events, status}) c->add_flag("--json,-j", o.json, "JSON output");

  CLI::App* watch_cmd = app.add_subcommand("watch", "current state, then every decision as it happens");
  watch_cmd->add_option("--tunnel,-t", o.tunnel, "only this tunnel");
  watch_cmd->add_flag("--json,-j", o.json, "one JSON object per line");

  CLI::App* drain = app.add_subcommand("drain", "take a tunnel out of service (ADMIN-DOWN) until undrained");
  CLI::App* undrain = app.add_subcommand("undrain", "return a drained tunnel to service");
  CLI::App* override_cmd =
      app.add_subcommand("override", "put a tunnel at a position in every via list, for a while");
  override_cmd->add_option("--prefer,-p", o.prefer, "position, 1 = first");
  override_cmd->add_option("--for", o.for_text, "how long: 30s, 10m, 2h, 1h30m, 7d at most");
  override_cmd->add_flag("--clear", o.clear, "remove the override now");
  CLI::App* reload = app.add_subcommand("reload", "re-read the configuration file (as SIGHUP)");
  for (CLI::App* c : {drain, undrain, override_cmd})
    c->add_option("tunnel", o.tunnel, "tunnel name")->required();
  for (CLI::App* c : {drain, undrain, override_cmd, reload}) {
    c->add_flag("--dry-run,-n", o.dry_run, "show what would change; change nothing");
    c->add_flag("--json,-j", o.json, "JSON output");
  }
  CLI11_PARSE(app, argc, argv);

  std::optional<std::chrono::milliseconds> ttl;
  if (override_cmd->parsed() && !o.clear) {
    if (o.prefer == 0 || o.for_text.empty()) {
      std::cerr << "wg-failover: override needs --prefer N and --for DURATION (or --clear)\n";
      return 2;
    }
    ttl = wgfo::cli::parse_duration(o.for_text);
    if (!ttl) {
      std::cerr << "wg-failover: --for " << o.for_text
                << ": not a duration (a positive number with a unit: 30s, 10m, 2h, 1h30m, 7d)\n";
      return 2;
    }
  }
  std::string problem = o.server.empty() ? socket_problem(o.socket) : "";
  grpc::SslCredentialsOptions tls;
  if (!o.server.empty()) {
    for (auto [file, flag, into] : {std::tuple{&o.cert, "--cert", &tls.pem_cert_chain},
                                    std::tuple{&o.key, "--key", &tls.pem_private_key},
                                    std::tuple{&o.ca, "--ca", &tls.pem_root_certs}}) {
      if (file->empty())
        problem = "--server needs --cert, --key and --ca (the API over TCP is mutual TLS)";
      else if (!read_file(*file, *into))
        problem = std::string(flag) + " " + *file + ": cannot read it";
      if (!problem.empty()) break;
    }
  }
  if (!problem.empty()) {
    std::cerr << "wg-failover: " << problem << '\n';
    return 2;
  }
  auto stub = v1::FailoverService::NewStub(
      o.server.empty() ? grpc::CreateChannel("unix:" + o.socket, grpc::InsecureChannelCredentials())
                       : grpc::CreateChannel(o.server, grpc::SslCredentials(tls)));
  const auto now = [] { return std::chrono::system_clock::now(); };
  namespace f = wgfo::cli;

  if (tunnels->parsed()) {
    return unary(*stub, &Stub::ListTunnels, v1::ListTunnelsRequest{}, o,
                 [&](const v1::ListTunnelsResponse& r) {
                   return o.json ? f::tunnels_json(r).dump(2) + "\n" : f::tunnels_table(r, now());
                 });
  }
  if (routes->parsed()) {
    return unary(*stub, &Stub::ListRoutes, v1::ListRoutesRequest{}, o, [&](const v1::ListRoutesResponse& r) {
      return o.json ? f::routes_json(r).dump(2) + "\n" : f::routes_table(r);
    });
  }
  if (events->parsed()) {
    v1::ListEventsRequest req;
    req.set_tunnel(o.tunnel);
    req.set_limit(o.limit);
    return unary(*stub, &Stub::ListEvents, req, o, [&](const v1::ListEventsResponse& r) {
      return o.json ? f::events_json(r).dump(2) + "\n" : f::events_table(r);
    });
  }
  if (status->parsed()) {
    return unary(*stub, &Stub::GetStatus, v1::GetStatusRequest{}, o, [&](const v1::GetStatusResponse& r) {
      return o.json ? f::status_json(r).dump(2) + "\n" : f::status_text(r, now());
    });
  }
  if (watch_cmd->parsed()) return watch(*stub, o);
  if (drain->parsed()) {
    v1::DrainTunnelRequest req;
    req.set_name(o.tunnel);
    req.set_dry_run(o.dry_run);
    return unary(*stub, &Stub::DrainTunnel, req, o,
                 [&](const v1::DrainTunnelResponse& r) { return change_output(r, o); });
  }
  if (undrain->parsed()) {
    v1::UndrainTunnelRequest req;
    req.set_name(o.tunnel);
    req.set_dry_run(o.dry_run);
    return unary(*stub, &Stub::UndrainTunnel, req, o,
                 [&](const v1::UndrainTunnelResponse& r) { return change_output(r, o); });
  }
  if (override_cmd->parsed() && o.clear) {
    v1::ClearOverrideRequest req;
    req.set_name(o.tunnel);
    req.set_dry_run(o.dry_run);
    return unary(*stub, &Stub::ClearOverride, req, o,
                 [&](const v1::ClearOverrideResponse& r) { return change_output(r, o); });
  }
  if (override_cmd->parsed()) {
    v1::SetOverrideRequest req;
    req.set_name(o.tunnel);
    req.set_preference(o.prefer);
    req.set_ttl_ms(ttl->count());
    req.set_dry_run(o.dry_run);
    return unary(*stub, &Stub::SetOverride, req, o,
                 [&](const v1::SetOverrideResponse& r) { return change_output(r, o); });
  }
  v1::ReloadRequest req;
  req.set_dry_run(o.dry_run);
  return unary(
      *stub, &Stub::Reload, req, o,
      [&](const v1::ReloadResponse& r) {
        if (o.json) {
          auto j = f::change_json(nullptr, r.route_changes(), o.dry_run);
          j["warnings"] = std::vector<std::string>(r.warnings().begin(), r.warnings().end());
          return j.dump(2) + "\n";
        }
        std::string out;
        for (const auto& w : r.warnings()) out += "warning: " + w + "\n";
        return out + f::change_text(nullptr, r.route_changes(), o.dry_run);
      },
      kReloadDeadline);
}

// The composition root of wg-failoverd (see daemon.hpp for the thread layout).
#include "controller/daemon.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <future>
#include <memory>

#include "controller/api/convert.hpp"

namespace wgfo {
namespace {

constexpr auto kCoreCallTimeout = std::chrono::seconds(5);

void log_event(const TunnelEvent& e) {
  spdlog::info("tunnel {}: {} -> {} ({})", e.tunnel, to_string(e.from), to_string(e.to), e.cause);
}

}  // namespace

Daemon::Daemon(std::string config_path, Config config)
    : config_path_(std::move(config_path)),
      config_(std::move(config)),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      core_(log_event),
      bfd_(
          [this](const bfd::io::SessionEvent& e) {
            spdlog::info("bfd {}: {} -> {} (diag {})", e.name, bfd::to_string(e.change.from),
                         bfd::to_string(e.change.to), bfd::to_string(e.change.diag));
            asio::post(io_, [this, e] { core_.on_bfd_event(e); });
          },
          random_),
      api_(*this) {}

Daemon::~Daemon() {
  api_.stop();
  bfd_.stop();
}

int Daemon::run() {
  bfd_.start();
  bfd_.apply(core_.apply_config(config_, std::chrono::system_clock::now()));
  std::string error;
  if (!api_.start(config_.api.socket, config_.api.socket_group, error)) {
    spdlog::critical("{}", error);
    return 1;
  }
  if (!error.empty()) spdlog::warn("{}", error);
  spdlog::info("wg-failoverd {} running: node {}, {} tunnels, api {}", WGFO_VERSION, config_.node,
               config_.tunnels.size(), config_.api.socket);
  wait_signals();
  io_.run();
  api_.stop();
  bfd_.stop();
  spdlog::info("wg-failoverd stopped");
  return 0;
}

void Daemon::wait_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    on_signal(signo);
  });
}

void Daemon::on_signal(int signo) {
  if (signo == SIGHUP) {
    reload();
    wait_signals();
    return;
  }
  spdlog::info("signal {}: stopping", signo);
  io_.stop();
}

void Daemon::reload() {
  LoadResult r = load_config_file(config_path_);
  if (!r.config) {
    for (const ConfigError& e : r.errors) spdlog::error("{}", format(e));
    spdlog::error("reload of {} rejected ({} errors); the running configuration stays", config_path_,
                  r.errors.size());
    return;
  }
  if (r.config->api.socket != config_.api.socket || r.config->api.socket_group != config_.api.socket_group)
    spdlog::warn("reload: api.socket and api.socket_group changes take effect at the next restart");
  const std::string socket = config_.api.socket;
  const std::string group = config_.api.socket_group;
  config_ = std::move(*r.config);
  config_.api.socket = socket;
  config_.api.socket_group = group;
  bfd_.apply(core_.apply_config(config_, std::chrono::system_clock::now()));
  spdlog::info("configuration reloaded from {}", config_path_);
}

std::optional<std::vector<TunnelView>> Daemon::query_tunnels() {
  auto promise = std::make_shared<std::promise<std::vector<TunnelView>>>();
  auto future = promise->get_future();
  bfd_.snapshot([this, promise](std::vector<bfd::io::SessionStatus> status, bfd::io::IoCounters) {
    asio::post(io_, [this, promise, s = std::move(status)] { promise->set_value(core_.tunnels(s)); });
  });
  if (future.wait_for(kCoreCallTimeout) != std::future_status::ready) return std::nullopt;
  return future.get();
}

grpc::Status Daemon::list_tunnels(const api::v1::ListTunnelsRequest&, api::v1::ListTunnelsResponse* resp) {
  auto tunnels = query_tunnels();
  if (!tunnels) return {grpc::StatusCode::UNAVAILABLE, "daemon core did not answer in time"};
  for (const TunnelView& t : *tunnels) api::to_proto(t, resp->add_tunnels());
  return grpc::Status::OK;
}

grpc::Status Daemon::get_tunnel(const api::v1::GetTunnelRequest& req, api::v1::GetTunnelResponse* resp) {
  auto tunnels = query_tunnels();
  if (!tunnels) return {grpc::StatusCode::UNAVAILABLE, "daemon core did not answer in time"};
  for (const TunnelView& t : *tunnels) {
    if (t.name == req.name()) {
      api::to_proto(t, resp->mutable_tunnel());
      return grpc::Status::OK;
    }
  }
  return {grpc::StatusCode::NOT_FOUND, "no tunnel named \"" + req.name() + "\""};
}

}  // namespace wgfo

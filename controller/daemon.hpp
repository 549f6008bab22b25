#pragma once
// The composition root: every component of wg-failoverd is created and wired here, and nowhere else.
//
//   main thread = core thread: io_ runs Core (tunnel state) and the signal handlers
//   BFD thread:   BfdService; its events are posted into io_
//   gRPC threads: ApiServer; each RPC reaches Core through post() and waits for the answer
//   FRR worker:   frr::Programmer; the core hands it the route intent (route_intent.hpp) after every
//                 tunnel state change and never waits for FRR
//   WG worker:    WireguardPoller reads every watched peer once a second (its UAPI socket may hang)
//                 and posts the progress verdict into io_; it also sets the endpoints that endpoint
//                 rotation decides
//   (core)        link::LinkMonitor: rtnetlink link changes arrive on io_ itself; an interface that
//                 goes down or disappears makes its tunnel DOWN at once, without waiting for BFD
//   (core)        QualityMonitor: quality probes and the probe responder, also on io_
//   (core)        L7Monitor: the optional TCP check through each tunnel, also on io_
//
// Start-up: routes are first pushed when every tunnel is usable or after kStartupHold, whichever
// comes first. BFD needs a second or so to come up after a restart; pushing at once would withdraw
// every tunnel route for that second (and the adopted state is left alone meanwhile).
//
// Reload (SIGHUP): the new file is validated first; a bad file is rejected with its errors logged and
// the running configuration stays. A good one is applied declaratively to Core and BfdService, so
// sessions whose settings did not change are not touched and timer changes go through a Poll.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bfd/io/asio.hpp"
#include "bfd/io/bfd_service.hpp"
#include "bfd/io/system_random.hpp"
#include "controller/api/api_server.hpp"
#include "controller/config.hpp"
#include "controller/core.hpp"
#include "controller/l7_check.hpp"
#include "controller/quality_monitor.hpp"
#include "controller/route_intent.hpp"
#include "controller/wireguard/link_monitor.hpp"
#include "controller/wireguard_poller.hpp"
#include "frr-integration/programmer.hpp"

namespace wgfo {

class Daemon final : public api::ApiBackend {
 public:
  Daemon(std::string config_path, Config config);
  ~Daemon() override;

  // Runs until SIGINT or SIGTERM; returns the process exit code.
  int run();

  // api::ApiBackend, called on gRPC threads.
  grpc::Status list_tunnels(const api::v1::ListTunnelsRequest& req,
                            api::v1::ListTunnelsResponse* resp) override;
  grpc::Status get_tunnel(const api::v1::GetTunnelRequest& req, api::v1::GetTunnelResponse* resp) override;
  grpc::Status list_routes(const api::v1::ListRoutesRequest& req, api::v1::ListRoutesResponse* resp) override;

  static constexpr std::chrono::seconds kStartupHold{3};

 private:
  void reload();
  void on_signal(int signo);
  void wait_signals();
  // Runs on a gRPC thread: a BFD snapshot merged with the core's tunnels, or nothing on timeout.
  std::optional<std::vector<TunnelView>> query_tunnels();
  // Core thread: hands the route intent for the current tunnel states to the programmer.
  void push_routes();
  TunnelRoutingOf tunnel_routing() const;  // Core's view of the tunnels, for route_intent (core thread)
  // Core thread: arms policy_timer_ at the core's next deadline (hold-down, reuse, override, rotation).
  void arm_policy_timer();
  // Core thread: after any input to the core, push routes and re-arm the timer.
  void after_core_input();
  static Instant now();
  void on_link_event(const link::LinkEvent& e);
  void on_link_status(link::LinkMonitor::Status status, const std::string& detail);
  void on_wireguard(const std::string& tunnel, bool rx_stalled);
  void watch_wireguard();

  std::string config_path_;
  Config config_;
  asio::io_context io_;
  asio::signal_set signals_;
  bfd::io::SystemRandom random_;
  Core core_;
  std::unique_ptr<frr::Programmer> frr_;
  asio::steady_timer startup_hold_;
  asio::steady_timer policy_timer_;
  bool routes_released_{false};
  bfd::io::BfdService bfd_;
  link::LinkMonitor link_;
  QualityMonitor quality_;
  L7Monitor l7_;
  std::map<std::string, bool> wg_stalled_;  // last verdict per tunnel (core thread)
  WireguardPoller wg_;
  api::ApiServer api_;
};

}  // namespace wgfo

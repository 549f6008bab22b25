#pragma once
// The composition root: every component of wg-failoverd is created and wired here, and nowhere else.
//
//   main thread = core thread: io_ runs Core (tunnel state) and the signal handlers
//   BFD thread:   BfdService; its events are posted into io_
//   gRPC threads: ApiServer; each RPC reaches Core through post() and waits for the answer
//                 (daemon_api.cpp); a dry run works on a scratch copy of Core. WatchEvents streams
//                 take the core's events from EventHub, which never makes the core wait
//   FRR worker:   frr::Programmer; the core hands it the route intent (route_intent.hpp) after every
//                 tunnel state change and never waits for FRR
//   WG worker:    WireguardPoller reads every watched peer once a second (its UAPI socket may hang)
//                 and posts the progress verdict into io_; it also sets the endpoints that endpoint
//                 rotation decides
//   (core)        link::LinkMonitor: rtnetlink link changes arrive on io_ itself; an interface that
//                 goes down or disappears makes its tunnel DOWN at once, without waiting for BFD
//   (core)        QualityMonitor: quality probes and the probe responder, also on io_
//   (core)        L7Monitor: the optional TCP check through each tunnel, also on io_
//   (core)        Observer: metrics (served by prometheus-cpp's own HTTP threads) and the audit log;
//                 the programmer's commit and convergence reports are posted to it on io_
//
// Start-up: routes are first pushed when every tunnel is usable or after kStartupHold, whichever
// comes first. BFD needs a second or so to come up after a restart; pushing at once would withdraw
// every tunnel route for that second (and the adopted state is left alone meanwhile).
//
// Reload (SIGHUP): the new file is validated first; a bad file is rejected with its errors logged and
// the running configuration stays. A good one is applied declaratively to Core and BfdService, so
// sessions whose settings did not change are not touched and timer changes go through a Poll.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bfd/io/asio.hpp"
#include "bfd/io/bfd_service.hpp"
#include "bfd/io/system_random.hpp"
#include "controller/api/api_server.hpp"
#include "controller/api/event_hub.hpp"
#include "controller/config.hpp"
#include "controller/core.hpp"
#include "controller/l7_check.hpp"
#include "controller/observer.hpp"
#include "controller/quality_monitor.hpp"
#include "controller/route_intent.hpp"
#include "controller/systemd_notify.hpp"
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

  // api::ApiBackend, called on gRPC threads (daemon_api.cpp).
  grpc::Status list_tunnels(const api::v1::ListTunnelsRequest& req,
                            api::v1::ListTunnelsResponse* resp) override;
  grpc::Status get_tunnel(const api::v1::GetTunnelRequest& req, api::v1::GetTunnelResponse* resp) override;
  grpc::Status list_routes(const api::v1::ListRoutesRequest& req, api::v1::ListRoutesResponse* resp) override;
  grpc::Status get_status(const api::v1::GetStatusRequest& req, api::v1::GetStatusResponse* resp) override;
  grpc::Status list_events(const api::v1::ListEventsRequest& req, api::v1::ListEventsResponse* resp) override;
  grpc::Status watch_events(const api::v1::WatchEventsRequest& req, api::EventStream& stream) override;
  grpc::Status drain_tunnel(const api::v1::DrainTunnelRequest& req,
                            api::v1::DrainTunnelResponse* resp) override;
  grpc::Status undrain_tunnel(const api::v1::UndrainTunnelRequest& req,
                              api::v1::UndrainTunnelResponse* resp) override;
  grpc::Status set_override(const api::v1::SetOverrideRequest& req,
                            api::v1::SetOverrideResponse* resp) override;
  grpc::Status clear_override(const api::v1::ClearOverrideRequest& req,
                              api::v1::ClearOverrideResponse* resp) override;
  grpc::Status reload(const api::v1::ReloadRequest& req, api::v1::ReloadResponse* resp) override;

  static constexpr std::chrono::seconds kStartupHold{3};
  // How long an RPC waits for the core thread before answering UNAVAILABLE.
  static constexpr std::chrono::seconds kCoreCallTimeout{5};
  static constexpr std::chrono::seconds kMetricsInterval{1};

 private:
  struct BfdSnapshot {
    std::vector<bfd::io::SessionStatus> sessions;
    bfd::io::IoCounters io;
  };
  struct ReloadResult {
    std::vector<std::string> errors;  // the file was rejected: nothing changed
    std::vector<std::string> warnings;
    std::vector<RouteView> before, after;
  };
  // What a mutating RPC did (or would do, on a dry run).
  struct Mutation {
    grpc::Status status;
    api::v1::Tunnel tunnel;
    google::protobuf::RepeatedPtrField<api::v1::RouteChange> changes;
  };
  // An operator action on one tunnel; returns why nothing changed, or nullopt.
  using Action = std::function<std::optional<std::string>(Core&, Instant)>;

  // Core thread: re-reads the file (SIGHUP, Reload RPC); a dry run applies it to a scratch core only.
  ReloadResult reload(bool dry_run);
  void on_signal(int signo);
  // Core thread: the BFD thread's scheduling from config_.bfd_thread, if it differs from `before`.
  void apply_bfd_priority(int before);
  void wait_signals();
  // gRPC threads: runs `fn` on the core thread with a fresh BFD snapshot and returns its result;
  // nullopt when the core did not answer within kCoreCallTimeout.
  template <class T>
  std::optional<T> with_core(std::function<T(const BfdSnapshot&)> fn);
  // gRPC threads: `action` on tunnel `name` (on a scratch copy of the core for a dry run), with the
  // tunnel afterwards and the route changes; an action's refusal gets `refusal`.
  Mutation mutate(std::string name, bool dry_run, grpc::StatusCode refusal, Action action);
  template <class Resp>
  static grpc::Status respond(Mutation m, Resp* resp);  // a Mutation into a mutating RPC's response
  // Core thread: hands the route intent for the current tunnel states to the programmer.
  void push_routes();
  // The kill switch's kernel floor (controller/floor) for the configured kill_switch prefixes; at
  // start and on every reload. Errors are logged: the daemon still runs, without the floor.
  void apply_kill_switch_floor();
  // The programmer's commit and convergence reports, posted to the observer on the core thread.
  frr::ReconcilerOptions frr_observers();
  static TunnelRoutingOf routing_from(const Core& core);  // a core's view of the tunnels, for route_intent
  // Core thread: arms policy_timer_ at the core's next deadline (hold-down, reuse, override, rotation).
  void arm_policy_timer();
  // Core thread: after any input to the core, push routes and re-arm the timer.
  void after_core_input();
  static Instant now();
  void on_link_event(const link::LinkEvent& e);
  void on_link_status(link::LinkMonitor::Status status, const std::string& detail);
  void on_wireguard(const std::string& tunnel, const wg::PeerProgress& p);
  // Core thread, every second: the tunnel views and FRR status into the metrics.
  void tick_metrics();
  void watch_wireguard();

  std::string config_path_;
  Config config_;
  std::chrono::system_clock::time_point started_;
  api::EventHub hub_;  // the core's events to WatchEvents streams
  asio::io_context io_;
  asio::signal_set signals_;
  SystemdNotifier systemd_;
  Observer observer_;
  asio::steady_timer metrics_tick_;
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

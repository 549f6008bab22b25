#pragma once
// NorthboundClient: Northbound over FRR's northbound gRPC, one client per daemon (staticd, bgpd; each
// runs its own server, frr-grpc.md §1.5). It is a thin, blocking, retry-free translation of the three
// Northbound calls into the only request shapes that are safe on FRR 8.4 (frr-grpc.md §1.3, §1.7):
//   get_config  Get(CONFIG, JSON, with defaults) of one non-empty path
//   commit      CreateCandidate -> EditCandidate -> Commit(ALL) -> DeleteCandidate (always)
// FRR's status codes become NbError kinds here and nowhere else; the caller decides what to retry.
// The generated stubs stay behind a pimpl so that including this header never pulls FRR's proto
// headers into other layers (DESIGN.md). Calls may come from any thread; the client holds no
// per-call state.
// A small watcher thread follows the channel's connectivity and counts every transition into READY
// (connection_epoch()): a daemon restarted by watchfrr loses every gRPC-made change (frr-grpc.md §0 #13),
// and a new connection is the first sign of that. The watcher also asks the channel to reconnect
// whenever it falls idle, so a restart shows up in the epoch even while no calls are made.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "frr-integration/northbound.hpp"

namespace wgfo::frr {

struct NorthboundClientOptions {
  // Each RPC gets its own deadline: FRR runs every RPC on the daemon's main thread with no server-side
  // timeout, so a daemon that never answers would otherwise hold us forever. It is long on purpose:
  // FRR 8.4's server loop (lib/northbound_grpc.cpp, grpc_pthread_start) ends at the first completion
  // that is not ok, which is what a call the client gave up on while the main thread worked on it
  // produces; the daemon then serves no gRPC at all until it restarts. The soak saw staticd's main
  // thread held 7.8 s inside a Commit, a 5 s deadline, and both sites' staticd lost their gRPC server
  // for good. So a busy daemon is waited for, and only a hung one is given up on.
  std::chrono::milliseconds deadline{60000};
  // HTTP/2 keepalive ping interval while a call is active, raised to kMinKeepalive: the 8.4 server
  // answers pings closer than 5 s apart with GOAWAY "too_many_pings". The ping is answered by gRPC's
  // own threads even while FRR's main thread is busy, so an unanswered ping (keepalive_timeout) means
  // the path or the process is gone: the call then fails within keepalive + keepalive_timeout rather
  // than at the deadline.
  std::chrono::milliseconds keepalive{10000};
  std::chrono::milliseconds keepalive_timeout{5000};
  // Upper bound of gRPC's reconnect backoff (its default is 120 s), so that a restarted daemon is seen
  // again within seconds and the caller can re-push. It also caps the first backoff step (gRPC: 1 s).
  std::chrono::milliseconds max_reconnect_backoff{5000};
};

class NorthboundClient final : public Northbound {
 public:
  static constexpr std::chrono::milliseconds kMinKeepalive{10000};

  // target: "HOST:PORT" of one daemon's gRPC server, e.g. "127.0.0.1:50051". Starts connecting at once
  // in the background; a call made before the daemon is up fails with Unavailable.
  explicit NorthboundClient(std::string target, NorthboundClientOptions options = {});
  ~NorthboundClient() override;
  NorthboundClient(const NorthboundClient&) = delete;
  NorthboundClient& operator=(const NorthboundClient&) = delete;

  NbResult<Capabilities> get_capabilities() override;
  NbResult<std::string> get_config(const std::string& path) override;
  NbResult<CommitInfo> commit(const Edit& edit, const std::string& comment) override;
  std::uint64_t connection_epoch() const override;

  // Blocks until connection_epoch() > above or the timeout passes; returns the epoch then. For callers
  // (and tests) that want to wait for a daemon to come back without polling.
  std::uint64_t await_connection_epoch(std::uint64_t above, std::chrono::milliseconds timeout) const;

  const std::string& target() const { return target_; }
  // Candidates whose DeleteCandidate failed. FRR never expires candidates and each is a full copy of
  // the running config, so a growing count is worth a metric and a look (frr-grpc.md §1.7).
  std::uint64_t orphaned_candidates() const { return orphaned_candidates_.load(); }

 private:
  struct Stub;  // the generated ::frr::Northbound::Stub and its channel

  void watch();                   // the watcher thread's loop
  void observe(int state) const;  // a grpc_connectivity_state seen by anyone; counts READY entries

  std::string target_;
  NorthboundClientOptions options_;
  std::unique_ptr<Stub> stub_;
  std::atomic<std::uint64_t> orphaned_candidates_{0};

  // Connection epoch. connection_epoch() also observes the channel itself, so that a call that has just
  // succeeded is always counted even if the watcher has not woken up yet.
  mutable std::mutex epoch_mutex_;
  mutable std::condition_variable epoch_changed_;
  mutable int last_state_{0};  // GRPC_CHANNEL_IDLE
  mutable std::uint64_t epoch_{0};
  std::atomic<bool> stopping_{false};
  std::thread watcher_;  // last: started after everything it uses exists
};

}  // namespace wgfo::frr

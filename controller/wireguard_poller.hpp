#pragma once
// WireguardPoller: the daemon's WireGuard signals, on a worker thread of its own. Reading a userspace
// implementation's UAPI socket blocks (up to its 500 ms deadline when wireguard-go hangs), and the core
// thread must never wait on it, so every `interval` this thread reads each watched peer
// (wireguard/source.hpp picks UAPI or generic netlink per interface), runs the progress tracker
// (wireguard/progress.hpp) and hands the verdict to the core through `report`. Endpoint changes the
// core decides (endpoint rotation) are queued here and carried out on the same thread, so reads and
// writes of one interface never interleave.
//
// A watched peer whose interface or key cannot be read is reported as not stalled (no evidence of a
// stall; BFD and the link monitor still see a dead tunnel) and logged once per kind of failure.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controller/ip.hpp"
#include "controller/wireguard/progress.hpp"
#include "controller/wireguard/source.hpp"

namespace wgfo {

class WireguardPoller {
 public:
  struct Watch {
    std::string tunnel;
    std::string interface;
    std::string peer_public_key;  // base64, validated by the config loader

    friend bool operator==(const Watch&, const Watch&) = default;
  };
  // Called on the poller's thread after each read of a watched peer.
  using Report = std::function<void(const std::string& tunnel, const wg::PeerProgress& progress)>;
  // Makes the source for an interface (tests substitute a fake).
  using SourceFactory = std::function<std::unique_ptr<wg::WireguardSource>(const std::string& ifname)>;

  WireguardPoller(Report report, SourceFactory factory,
                  std::chrono::milliseconds interval = std::chrono::seconds{1});
  ~WireguardPoller();
  WireguardPoller(const WireguardPoller&) = delete;
  WireguardPoller& operator=(const WireguardPoller&) = delete;

  // The peers to watch (start and reload); tracking of peers that stay is kept.
  void set_watches(std::vector<Watch> watches);
  // Queue an endpoint change for `interface`'s peer; done before the next read.
  void set_endpoint(std::string interface, std::string peer_public_key, HostPort endpoint);
  void stop();

 private:
  struct EndpointJob {
    std::string interface;
    std::string peer_public_key;
    HostPort endpoint;
  };
  void run();
  void poll_once(const std::vector<Watch>& watches);
  wg::WireguardSource& source_for(const std::string& interface);

  Report report_;
  SourceFactory factory_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_{false};
  std::vector<Watch> watches_;
  std::vector<EndpointJob> jobs_;
  // Owned by the worker thread only.
  std::map<std::string, std::unique_ptr<wg::WireguardSource>> sources_;
  std::map<std::string, wg::ProgressTracker> trackers_;  // per interface
  std::map<std::string, std::string> last_error_;        // per tunnel, to log each failure once
  std::thread thread_;
};

}  // namespace wgfo

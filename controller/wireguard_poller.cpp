// WireguardPoller (see wireguard_poller.hpp).
#include "controller/wireguard_poller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <variant>

namespace wgfo {

WireguardPoller::WireguardPoller(Report report, SourceFactory factory, std::chrono::milliseconds interval)
    : report_(std::move(report)),
      factory_(std::move(factory)),
      interval_(interval),
      thread_([this] { run(); }) {}

WireguardPoller::~WireguardPoller() {
  stop();
}

void WireguardPoller::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WireguardPoller::set_watches(std::vector<Watch> watches) {
  {
    std::lock_guard lock(mu_);
    watches_ = std::move(watches);
  }
  cv_.notify_all();
}

void WireguardPoller::set_endpoint(std::string interface, std::string peer_public_key, HostPort endpoint) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back({std::move(interface), std::move(peer_public_key), std::move(endpoint)});
  }
  cv_.notify_all();
}

wg::WireguardSource& WireguardPoller::source_for(const std::string& interface) {
  auto& s = sources_[interface];
  if (!s) s = factory_(interface);
  return *s;
}

void WireguardPoller::run() {
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    std::vector<Watch> watches;
    std::vector<EndpointJob> jobs;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      jobs.swap(jobs_);
      watches = watches_;
    }
    for (const EndpointJob& j : jobs) {
      const auto key = wg::key_from_base64(j.peer_public_key);
      if (const auto* e = wg::error_of(key)) {
        spdlog::error("wireguard {}: endpoint not set: {}", j.interface, e->message);
        continue;
      }
      const auto r = source_for(j.interface).set_endpoint(j.interface, std::get<wg::Key>(key), j.endpoint);
      if (const auto* e = wg::error_of(r)) {
        spdlog::error("wireguard {}: endpoint {} not set: {}", j.interface, j.endpoint.to_string(),
                      e->message);
      } else {
        spdlog::info("wireguard {}: peer endpoint set to {}", j.interface, j.endpoint.to_string());
      }
    }
    if (std::chrono::steady_clock::now() < next) continue;  // woken for jobs only
    poll_once(watches);
    next = std::chrono::steady_clock::now() + interval_;
    // A source of an interface no longer watched is dropped (its socket choice may change).
    std::erase_if(sources_, [&](const auto& kv) {
      return std::none_of(watches.begin(), watches.end(),
                          [&](const Watch& w) { return w.interface == kv.first; });
    });
  }
}

void WireguardPoller::poll_once(const std::vector<Watch>& watches) {
  const auto now = std::chrono::steady_clock::now();
  const auto wall = std::chrono::system_clock::now();
  std::map<std::string, wg::Result<wg::DeviceStats>> reads;  // one read per interface per round
  for (const Watch& w : watches) {
    auto it = reads.find(w.interface);
    if (it == reads.end()) it = reads.emplace(w.interface, source_for(w.interface).read(w.interface)).first;
    std::string error;
    const wg::PeerStats* peer = nullptr;
    const auto key = wg::key_from_base64(w.peer_public_key);
    if (const auto* e = wg::error_of(it->second)) {
      error = e->message;
    } else if (const auto* ke = wg::error_of(key)) {
      error = ke->message;
    } else {
      peer = std::get<wg::DeviceStats>(it->second).find(std::get<wg::Key>(key));
      if (!peer) error = "no peer " + w.peer_public_key + " on " + w.interface;
    }
    wg::PeerProgress progress;
    if (peer) {
      progress = trackers_[w.interface].observe(*peer, now, wall);
      if (last_error_.erase(w.tunnel)) spdlog::info("wireguard {}: {} readable again", w.tunnel, w.interface);
    } else if (last_error_[w.tunnel] != error) {
      spdlog::warn("wireguard {}: {}", w.tunnel, error);
      last_error_[w.tunnel] = error;
    }
    report_(w.tunnel, progress);
  }
}

}  // namespace wgfo

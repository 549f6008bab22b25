#pragma once
// EventHub: fans the core's decisions (TunnelEvent) out to WatchEvents streams. The core thread
// publishes and must never wait for a client, so every subscriber has a bounded queue; a subscriber
// that falls kQueueLimit events behind is closed with a reason (its client sees RESOURCE_EXHAUSTED and
// may re-subscribe with initial_state) instead of slowing the core or growing without bound. gRPC
// threads block in Subscription::next with a timeout so they notice cancelled calls.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/core.hpp"

namespace wgfo::api {

class EventHub {
 public:
  static constexpr std::size_t kQueueLimit = 1024;

  class Subscription {
   public:
    enum class Next { Event, Timeout, Closed };
    explicit Subscription(std::string tunnel) : tunnel_(std::move(tunnel)) {}
    // The next event into `out`, waiting up to `timeout`; Closed once the hub closed it (the queued
    // events are delivered first).
    Next next(TunnelEvent& out, std::chrono::milliseconds timeout);
    std::string close_reason() const;
    bool overflowed() const;

   private:
    friend class EventHub;
    bool offer(const TunnelEvent& e);  // false when the queue is full
    void close(std::string reason, bool overflow);

    const std::string tunnel_;  // only this tunnel's events; empty = all
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<TunnelEvent> queue_;
    bool closed_{false};
    bool overflow_{false};
    std::string reason_;
  };

  std::shared_ptr<Subscription> subscribe(std::string tunnel = {});
  void unsubscribe(const std::shared_ptr<Subscription>& s);
  // Never blocks on a subscriber.
  void publish(const TunnelEvent& e);
  // Ends every stream (daemon stopping); later subscriptions start closed.
  void close_all(const std::string& reason);
  std::size_t subscribers() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Subscription>> subs_;
  bool closed_{false};
  std::string reason_;
};

}  // namespace wgfo::api

// EventHub: bounded per-subscriber queues between the core thread and WatchEvents (see event_hub.hpp).
#include "controller/api/event_hub.hpp"

#include <algorithm>

namespace wgfo::api {

EventHub::Subscription::Next EventHub::Subscription::next(TunnelEvent& out,
                                                          std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || closed_; });
  if (!queue_.empty()) {
    out = std::move(queue_.front());
    queue_.pop_front();
    return Next::Event;
  }
  return closed_ ? Next::Closed : Next::Timeout;
}

std::string EventHub::Subscription::close_reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

bool EventHub::Subscription::overflowed() const {
  std::lock_guard lock(mu_);
  return overflow_;
}

bool EventHub::Subscription::offer(const TunnelEvent& e) {
  if (!tunnel_.empty() && e.tunnel != tunnel_) return true;
  {
    std::lock_guard lock(mu_);
    if (closed_) return true;
    if (queue_.size() >= kQueueLimit) return false;
    queue_.push_back(e);
  }
  cv_.notify_one();
  return true;
}

void EventHub::Subscription::close(std::string reason, bool overflow) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    overflow_ = overflow;
    reason_ = std::move(reason);
  }
  cv_.notify_all();
}

std::shared_ptr<EventHub::Subscription> EventHub::subscribe(std::string tunnel) {
  auto s = std::make_shared<Subscription>(std::move(tunnel));
  std::lock_guard lock(mu_);
  if (closed_) {
    s->close(reason_, false);
  } else {
    subs_.push_back(s);
  }
  return s;
}

void EventHub::unsubscribe(const std::shared_ptr<Subscription>& s) {
  std::lock_guard lock(mu_);
  subs_.erase(std::remove(subs_.begin(), subs_.end(), s), subs_.end());
}

void EventHub::publish(const TunnelEvent& e) {
  std::lock_guard lock(mu_);
  std::erase_if(subs_, [&](const std::shared_ptr<Subscription>& s) {
    if (s->offer(e)) return false;
    s->close("more than " + std::to_string(kQueueLimit) + " events behind; watch again", true);
    return true;
  });
}

void EventHub::close_all(const std::string& reason) {
  std::lock_guard lock(mu_);
  closed_ = true;
  reason_ = reason;
  for (const auto& s : subs_) s->close(reason, false);
  subs_.clear();
}

std::size_t EventHub::subscribers() const {
  std::lock_guard lock(mu_);
  return subs_.size();
}

}  // namespace wgfo::api

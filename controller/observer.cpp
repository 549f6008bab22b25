// Observer: metrics and audit records tied to FRR's commits (see observer.hpp).
#include "controller/observer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace wgfo {

Observer::Observer() = default;
Observer::~Observer() = default;

void Observer::apply(const Config& config) {
  if (!config.audit) {
    if (audit_) spdlog::info("audit log {} closed: the configuration has no audit section", audit_->path());
    audit_.reset();
    pending_.clear();
  } else if (!audit_ || audit_->path() != config.audit->file) {
    audit_ = std::make_unique<AuditLog>(config.audit->file);
  } else {
    audit_->reopen();
  }
  std::vector<std::string> names;
  for (const TunnelConfig& t : config.tunnels) names.push_back(t.name);
  for (const std::string& old : tunnel_names_) {
    if (std::find(names.begin(), names.end(), old) == names.end()) metrics_.forget_tunnel(old);
  }
  tunnel_names_ = std::move(names);
}

std::optional<std::string> Observer::listen_metrics(const HostPort& at) {
  return metrics_.listen(at);
}

void Observer::on_event(const TunnelEvent& e, Clock::time_point now) {
  metrics_.on_event(e);
  causes_.push_back(e);
  if (!decided_at_) decided_at_ = now;
}

void Observer::on_routes_held() {
  decided_at_.reset();
}

void Observer::on_routes(std::uint64_t version, const std::vector<RouteView>& after,
                         std::vector<std::pair<std::string, TunnelState>> tunnels,
                         std::chrono::system_clock::time_point now) {
  std::vector<AuditRecord> records = audit_changes(last_views_, after);
  last_views_ = after;
  last_tunnels_ = tunnels;
  if (records.empty()) {
    // Decisions that moved no route (DEGRADED with nothing to steer, a state kept) start no clock;
    // they stay causes of the next change, which they may well have led to.
    decided_at_.reset();
    return;
  }
  changes_.push_back({version, decided_at_});
  decided_at_.reset();
  if (audit_) {
    for (AuditRecord& r : records) {
      r.time = now;
      r.version = version;
      r.cause = causes_;
      r.tunnels = tunnels;
      pending_.push_back(std::move(r));
    }
    while (pending_.size() > kMaxPending) write_front();
  }
  causes_.clear();
  while (changes_.size() > kMaxPending) changes_.pop_front();
}

void Observer::on_commit(const frr::CommitReport& r) {
  metrics_.observe_frr_commit(r.daemon, std::chrono::duration_cast<std::chrono::microseconds>(r.duration),
                              r.ok);
  if (r.ok && r.repair) audit_repair(r);
  if (!r.ok || r.repair) return;
  for (AuditRecord& rec : pending_) {
    if (rec.version > r.version) break;  // pending_ is in version order
    auto& id = r.daemon == "bgpd" ? rec.bgpd_transaction_id : rec.staticd_transaction_id;
    if (!id) id = r.transaction_id;
  }
}

void Observer::on_converged(std::uint64_t version, bool fib_verified, Clock::time_point at) {
  while (!pending_.empty() && pending_.front().version <= version) write_front();
  while (!changes_.empty() && changes_.front().version <= version) {
    const Change c = changes_.front();
    changes_.pop_front();
    if (fib_verified && c.decided_at && at >= *c.decided_at)
      metrics_.observe_detection_to_fib(
          std::chrono::duration_cast<std::chrono::microseconds>(at - *c.decided_at));
  }
}

void Observer::audit_repair(const frr::CommitReport& r) {
  if (!audit_) return;
  for (const IpPrefix& p : r.repaired) {
    const auto view = std::find_if(last_views_.begin(), last_views_.end(),
                                   [&](const RouteView& v) { return v.prefix == p; });
    AuditRecord rec;
    rec.time = std::chrono::system_clock::now();
    rec.version = r.version;
    rec.prefix = p;
    if (view != last_views_.end()) rec.before = rec.after = *view;
    rec.tunnels = last_tunnels_;
    rec.staticd_transaction_id = r.transaction_id;
    rec.repair = "kernel FIB drift: withdrawn and re-added";
    pending_.push_back(std::move(rec));
  }
  // Nothing waits for a convergence ahead of them: out now, not at the next route change.
  while (!pending_.empty() && !pending_.front().repair.empty()) write_front();
}

void Observer::flush() {
  while (!pending_.empty()) write_front();
}

void Observer::write_front() {
  if (audit_) audit_->write(pending_.front());
  pending_.pop_front();
}

}  // namespace wgfo

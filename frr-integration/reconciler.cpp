// Reconciler: see the header for what one step does. Notes on choices made here:
//   - The staticd view is updated from what was committed rather than read again: a route change then
//     costs one transaction (up to four when path-lists move, make-before-break: diff.hpp) and no Get,
//     which is what keeps failover fast. bgpd's view is simply marked
//     stale after a commit (its changes are rare and bgpd applies them only after its delay-timer).
//   - Every failure backs off (backoff_min doubling to backoff_max), also the ones that are not retried
//     as such: a revert to the last accepted state that fails again must not become a hot loop.
//   - A daemon answering from an unexpected module set (another daemon on that port, frr-grpc.md §0 #3)
//     is treated as unreachable rather than written to.
//   - A version converges "verified" only when no owned prefix is wrong in the kernel; a prefix that no
//     tunnel can carry (no usable path, no kill switch) or that an operator route wins is not ours to
//     judge, so it never holds the report back.

#include "frr-integration/reconciler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <set>
#include <tuple>
#include <utility>

namespace wgfo::frr {

namespace {

// How long a steady stream of other commits may postpone judging a lagging prefix, in fib_grace units.
constexpr int kMaxGraces = 10;

using Key = std::tuple<std::string, IpPrefix, std::uint8_t>;  // (vrf, prefix, distance): a path-list
Key key_of(const StaticRoute& r) {
  return {r.vrf, r.prefix, r.distance};
}

bool has_module(const Capabilities& caps, std::string_view module) {
  return std::find(caps.modules.begin(), caps.modules.end(), module) != caps.modules.end();
}

// Observers are the caller's code running on our thread: whatever they throw must not end the step.
template <typename F, typename... Args>
void notify(const F& observer, const Args&... args) {
  if (!observer) return;
  try {
    observer(args...);
  } catch (const std::exception& e) {
    spdlog::error("frr: programmer observer failed: {}", e.what());
  }
}

template <typename T>
T earliest(T a, std::optional<T> b) {
  return b && *b < a ? *b : a;
}

// What zebra should pick for one prefix: the path-list with the lowest distance whose nexthops it can
// use. Interface nexthops need the interface up; a gateway-only nexthop is assumed resolvable.
struct Expected {
  const StaticRoute* route{nullptr};
  std::vector<FibNexthop> nexthops;  // sorted; empty for a blackhole
};

std::optional<Expected> expected_for(const std::vector<const StaticRoute*>& candidates,
                                     const FibAccess& fib) {
  std::optional<Expected> best;
  for (const StaticRoute* r : candidates) {
    if (best && best->route->distance <= r->distance) continue;
    Expected e{r, {}};
    bool usable = true;
    for (const Nexthop& nh : r->nexthops) {
      if (nh.kind == Nexthop::Kind::Blackhole) continue;
      FibNexthop f;
      if (nh.kind != Nexthop::Kind::Gateway) {
        const auto index = fib.ifindex_if_up(nh.interface);
        if (!index) {
          usable = false;
          break;
        }
        f.ifindex = *index;
      }
      f.gateway = nh.gateway;
      e.nexthops.push_back(f);
    }
    if (!usable) continue;
    std::sort(e.nexthops.begin(), e.nexthops.end());
    best = std::move(e);
  }
  return best;
}

bool matches(const Expected& e, const FibRoute& k) {
  const bool blackhole =
      e.route->nexthops.size() == 1 && e.route->nexthops[0].kind == Nexthop::Kind::Blackhole;
  if (blackhole) return k.blackhole();
  if (k.blackhole() || k.nexthops.size() != e.nexthops.size()) return false;
  for (std::size_t i = 0; i < e.nexthops.size(); ++i) {
    const FibNexthop& want = e.nexthops[i];
    const FibNexthop& have = k.nexthops[i];
    // A gateway-only nexthop resolves to whatever interface zebra finds: compare the gateway only.
    if (want.gateway != have.gateway || (want.ifindex != 0 && want.ifindex != have.ifindex)) return false;
  }
  return true;
}

}  // namespace

Reconciler::Reconciler(Northbound& staticd, Northbound* bgpd, Ownership ownership, ReconcilerOptions options,
                       FibAccess fib)
    : ownership_(std::move(ownership)), options_(options), fib_(std::move(fib)) {
  staticd_.nb = &staticd;
  staticd_.name = "staticd";
  staticd_.status = &status_.staticd;
  status_.staticd.configured = true;
  bgpd_.nb = bgpd;
  bgpd_.name = "bgpd";
  bgpd_.status = &status_.bgpd;
  status_.bgpd.configured = bgpd != nullptr;
}

void Reconciler::set_desired(FrrState desired, Clock::time_point now) {
  set_desired(std::move(desired), version_ + 1, now);
}

void Reconciler::set_desired(FrrState desired, std::uint64_t version, Clock::time_point now) {
  desired_ = std::move(desired);
  version_ = std::max(version, version_ + 1);
  status_.desired_version = version_;
  // Leading edge: a change after a quiet spell goes out at once (a failover must not wait for a
  // window); changes that follow a send within `coalesce` wait for the window that send opened, and go
  // out together.
  if (!pending_since_) {
    const bool quiet = !last_sync_ || now >= *last_sync_ + options_.coalesce;
    pending_since_ = quiet ? now - options_.coalesce : *last_sync_;
  }
}

FrrState Reconciler::target() const {
  FrrState t;
  t.routes = staticd_.failed_version == version_ ? good_routes_ : desired_.routes;
  const FrrState& bgp = bgpd_.failed_version == version_ ? good_bgp_ : desired_;
  t.prefix_lists = bgp.prefix_lists;
  t.route_map_entries = bgp.route_map_entries;
  return t;
}

void Reconciler::watch_epoch(Daemon& d) {
  const std::uint64_t epoch = d.nb->connection_epoch();
  if (epoch == d.epoch) return;
  if (d.epoch != 0) {
    count_restart(d);
    spdlog::info("frr: {} connection renewed: re-reading its configuration and re-pushing ours", d.name);
  }
  d.epoch = epoch;
  d.stale = true;
}

void Reconciler::probe(Daemon& d) {
  auto result = d.nb->get_capabilities();
  std::string problem;
  if (auto* error = std::get_if<NbError>(&result)) {
    problem = error->message;
  } else {
    auto& caps = std::get<Capabilities>(result);
    const bool is_staticd = &d == &staticd_;
    const std::string_view module = is_staticd ? "frr-staticd" : "frr-route-map";
    if (!has_module(caps, module)) {
      problem = "the server on this port is not " + d.name + " (no " + std::string(module) + " module)";
    } else if (is_staticd && !(d.schema = staticd_schema(caps.frr_version))) {
      problem = "unsupported FRR version \"" + caps.frr_version + "\"";
    } else {
      if (!d.reachable) {
        if (d.status->frr_version.empty()) {
          spdlog::info("frr: {} reachable, FRR {}", d.name, caps.frr_version);
        } else {
          count_restart(d);
          spdlog::info("frr: {} reachable again (FRR {}): re-pushing the desired state", d.name,
                       caps.frr_version);
        }
      }
      d.reachable = d.status->reachable = true;
      d.status->frr_version = caps.frr_version;
      if (!d.schema) d.schema = StaticdSchema::Frr8_4;  // bgpd paths do not depend on the version
      return;
    }
  }
  if (d.reachable || d.status->last_error != problem)
    spdlog::warn("frr: {} unreachable: {}", d.name, problem);
  d.reachable = d.status->reachable = false;
  d.status->last_error = problem;
  d.stale = true;
}

bool Reconciler::needs_sync(const Daemon& d, Clock::time_point now) const {
  // Before the first desired state there is nothing to converge to: what FRR holds is left alone.
  if (version_ == 0 || d.nb == nullptr || !d.reachable || now < d.retry_at) return false;
  // An open coalescing window holds back re-reads too: they would send the half-finished change.
  if (pending_since_ && now < *pending_since_ + options_.coalesce) return false;
  return d.stale || (d.applied_version != version_ && d.failed_version != version_);
}

void Reconciler::count_restart(Daemon& d) {
  if (d.restart_counted) return;
  d.restart_counted = true;
  ++d.status->restarts;
}

bool Reconciler::read(Daemon& d, Clock::time_point now) {
  auto get = [&](const char* path) -> std::variant<std::string, NbError> {
    auto r = d.nb->get_config(path);
    if (auto* e = std::get_if<NbError>(&r)) return *e;
    return std::get<std::string>(std::move(r));
  };
  std::optional<NbError> error;
  if (&d == &staticd_) {
    auto json = get("/frr-routing:routing");
    if (auto* e = std::get_if<NbError>(&json)) {
      error = *e;
    } else {
      auto parsed = parse_staticd(std::get<std::string>(json), ownership_, *d.schema);
      if (auto* why = std::get_if<std::string>(&parsed)) {
        error = NbError{NbError::Kind::Internal, *why};
      } else {
        static_view_ = std::get<StaticdObserved>(std::move(parsed));
      }
    }
  } else {
    auto maps = get("/frr-route-map:lib");
    auto filters = get("/frr-filter:lib");
    if (auto* e = std::get_if<NbError>(&maps)) {
      error = *e;
    } else if (auto* f = std::get_if<NbError>(&filters)) {
      error = *f;
    } else {
      auto parsed = parse_bgpd(std::get<std::string>(maps), std::get<std::string>(filters), ownership_);
      if (auto* why = std::get_if<std::string>(&parsed)) {
        error = NbError{NbError::Kind::Internal, *why};
      } else {
        bgp_view_ = std::get<BgpdObserved>(std::move(parsed));
      }
    }
  }
  if (error) {
    fail(d, *error, now, false);
    return false;
  }
  d.stale = false;
  return true;
}

bool Reconciler::commit(Daemon& d, const Edit& edit, Clock::time_point now, bool fresh,
                        const std::vector<IpPrefix>* repaired) {
  auto result = d.nb->commit(edit, "wg-failover desired state " + std::to_string(version_));
  const bool repair = repaired != nullptr;
  CommitReport report{.daemon = d.name, .version = version_, .repair = repair};
  if (repaired != nullptr) report.repaired = *repaired;
  if (auto* error = std::get_if<NbError>(&result)) {
    report.duration = error->duration;
    report.error = error->message;
    fail(d, *error, now, fresh);
  } else {
    const auto& info = std::get<CommitInfo>(result);
    report.transaction_id = info.transaction_id;
    report.changed = info.changed;
    report.duration = info.duration;
    report.ok = true;
    ++d.status->commits;
    if (&d == &staticd_) last_static_commit_ = now;
  }
  // What went to FRR and when, for matching a route history against our decisions (debug), and the
  // paths themselves (trace).
  spdlog::debug("frr: {} {} of desired state {}: {} set, {} deleted, {} us: {}", d.name,
                repair ? "repair" : "commit", version_, edit.update.size(), edit.remove.size(),
                std::chrono::duration_cast<std::chrono::microseconds>(report.duration).count(),
                report.ok ? "ok" : report.error);
  if (spdlog::should_log(spdlog::level::trace)) {
    for (const PathValue& pv : edit.remove) spdlog::trace("frr:   delete {}", pv.path);
    for (const PathValue& pv : edit.update) spdlog::trace("frr:   set {} = {}", pv.path, pv.value);
  }
  notify(options_.on_commit, report);
  return report.ok;
}

void Reconciler::fail(Daemon& d, const NbError& error, Clock::time_point now, bool fresh) {
  ++d.status->failures;
  d.status->last_error = error.message;
  d.stale = true;
  d.backoff = std::clamp(d.backoff * 2, options_.backoff_min, options_.backoff_max);
  d.retry_at = now + d.backoff;
  if (error.kind == NbError::Kind::Unavailable) d.reachable = d.status->reachable = false;
  // ApplyFailed: FRR stored the change and logged an error; whatever the view, the state is at fault.
  const bool refusal =
      error.kind == NbError::Kind::ApplyFailed || (error.kind == NbError::Kind::Rejected && fresh);
  if (refusal && d.failed_version != version_) {
    d.failed_version = version_;
    spdlog::error(
        "frr: {} refused desired state {}: {}; keeping the last state it accepted until the next change",
        d.name, version_, error.message);
  } else {
    spdlog::warn("frr: {}: {}; retrying in {} ms", d.name, error.message, d.backoff.count());
  }
}

void Reconciler::succeed(Daemon& d) {
  d.backoff = std::chrono::milliseconds{0};
  d.retry_at = {};
  d.status->last_error.clear();
  d.restart_counted = false;
  if (d.failed_version != version_) d.applied_version = version_;
}

void Reconciler::sync(Clock::time_point now) {
  const FrrState want = target();
  bool do_static = needs_sync(staticd_, now);
  bool do_bgp = needs_sync(bgpd_, now);
  const bool static_fresh = staticd_.stale;
  const bool bgp_fresh = bgpd_.stale;
  if (do_static && staticd_.stale) do_static = read(staticd_, now);
  if (do_bgp && bgpd_.stale) do_bgp = read(bgpd_, now);
  pending_since_.reset();
  last_sync_ = now;
  if (!do_static && !do_bgp) return;

  const auto schema = staticd_.schema.value_or(StaticdSchema::Frr8_4);
  const Plan plan = diff(static_view_, bgp_view_, want, schema);
  if (plan.conflicts != status_.conflicts) {
    for (const auto& c : plan.conflicts) spdlog::warn("frr: not written: {}", c);
  }
  status_.conflicts = plan.conflicts;

  // Make-before-break (diff.hpp): a failed step leaves the view stale, re-read before the retry.
  bool static_ok = do_static;
  if (do_static && !plan.staticd.empty()) {
    for (const Edit& step : staticd_steps(static_view_, want, schema)) {
      if (!(static_ok = commit(staticd_, step, now, static_fresh))) break;
    }
  }
  if (static_ok) {
    if (!plan.staticd.empty()) {
      std::set<Key> foreign;
      for (const auto& r : static_view_.foreign) foreign.insert(key_of(r));
      static_view_.owned.clear();
      for (const auto& r : want.routes) {
        if (!foreign.contains(key_of(r))) static_view_.owned.push_back(r);
      }
      if (fib_.read) fib_due_ = now + options_.fib_settle;
    }
    if (staticd_.failed_version != version_) good_routes_ = want.routes;
    succeed(staticd_);
  }
  if (do_bgp && (plan.bgpd.empty() || commit(bgpd_, plan.bgpd, now, bgp_fresh))) {
    if (!plan.bgpd.empty()) bgpd_.stale = true;  // re-read once: cheap, and bgpd changes are rare
    if (bgpd_.failed_version != version_) {
      good_bgp_.prefix_lists = want.prefix_lists;
      good_bgp_.route_map_entries = want.route_map_entries;
    }
    succeed(bgpd_);
  }
  const bool bgp_done = bgpd_.nb == nullptr || bgpd_.applied_version == version_;
  if (staticd_.applied_version == version_ && bgp_done) {
    status_.converged_version = version_;
    if (announced_ < version_) {
      // With read-back the kernel has the last word: a check is due even when staticd needed no edit.
      if (fib_.read) {
        fib_due_ = earliest(now + options_.fib_settle, fib_due_);
      } else {
        announce_converged(false, now);
      }
    }
  }
}

void Reconciler::announce_converged(bool fib_verified, Clock::time_point now) {
  announced_ = version_;
  notify(options_.on_converged, version_, fib_verified, now);
}

void Reconciler::check_fib(Clock::time_point now) {
  // Judge the kernel only against a view of staticd that is known to be current: while staticd is
  // away (zebra drops its routes) or the view awaits a re-read, a mismatch says nothing new.
  if (!staticd_.reachable || staticd_.stale) return;
  auto dump = fib_.read();
  if (auto* why = std::get_if<std::string>(&dump)) {
    spdlog::warn("frr: kernel FIB read-back failed: {}", *why);
    return;
  }
  ++status_.fib_checks;
  std::map<IpPrefix, std::vector<const FibRoute*>> kernel;
  for (const auto& k : std::get<std::vector<FibRoute>>(dump)) kernel[k.prefix].push_back(&k);

  std::map<IpPrefix, std::vector<const StaticRoute*>> by_prefix;
  for (const auto& r : static_view_.owned) {
    if (r.vrf == "default") by_prefix[r.prefix].push_back(&r);
  }
  std::map<IpPrefix, bool> installed;
  std::vector<IpPrefix> drifted;
  std::size_t wrong = 0;  // owned prefixes not (yet) as zebra should have installed them
  for (const auto& f : static_view_.foreign) {  // operator paths compete with ours in zebra
    const auto it = by_prefix.find(f.prefix);
    if (f.vrf == "default" && it != by_prefix.end()) it->second.push_back(&f);
  }
  for (auto& [prefix, candidates] : by_prefix) {
    const auto expected = expected_for(candidates, fib_);
    bool ok = false;
    if (expected) {
      const auto it = kernel.find(prefix);
      if (it != kernel.end()) {
        ok = std::any_of(it->second.begin(), it->second.end(),
                         [&](const FibRoute* k) { return matches(*expected, *k); });
      }
    }
    installed[prefix] = ok;
    // Only a route of ours that zebra should have installed can drift; a foreign winner is not ours.
    const bool ours = expected && expected->route->tag != 0 &&
                      std::find(ownership_.route_tags.begin(), ownership_.route_tags.end(),
                                expected->route->tag) != ownership_.route_tags.end();
    if (ok || !ours) {
      suspect_.erase(prefix);
      continue;
    }
    ++wrong;
    auto [it, fresh] =
        suspect_.try_emplace(prefix, Suspect{now, expected->route->distance, expected->nexthops});
    Suspect& s = it->second;
    if (s.distance != expected->route->distance || s.nexthops != expected->nexthops)
      s = Suspect{now, expected->route->distance, expected->nexthops};
    const auto due = std::min(std::max(s.since, last_static_commit_) + options_.fib_grace,
                              s.since + kMaxGraces * options_.fib_grace);
    if (now >= due) {
      drifted.push_back(prefix);
      suspect_.erase(it);
    } else {
      if (fresh)
        spdlog::debug("frr: {} not (yet) in the kernel as staticd holds it; checking again in {} ms",
                      prefix.to_string(),
                      std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count());
      fib_due_ = earliest(due, fib_due_);
    }
  }
  status_.installed = std::move(installed);
  if (wrong == 0 && status_.converged_version == version_ && announced_ < version_) {
    announce_converged(true, now);
  }
  if (!drifted.empty()) repair(drifted, now);
}

void Reconciler::repair(const std::vector<IpPrefix>& prefixes, Clock::time_point now) {
  status_.drift += prefixes.size();
  for (const auto& p : prefixes) {
    spdlog::warn(
        "frr: kernel FIB drift: {} is not installed as staticd holds it; withdrawing and re-adding it",
        p.to_string());
  }
  // Withdraw against what staticd holds now, not the cached view: an operator's path-list added to one
  // of these route-lists since the last read would otherwise be deleted with the route-list.
  if (!read(staticd_, now)) return;
  FrrState without = target();
  std::erase_if(without.routes, [&](const StaticRoute& r) {
    return std::find(prefixes.begin(), prefixes.end(), r.prefix) != prefixes.end();
  });
  const auto schema = staticd_.schema.value_or(StaticdSchema::Frr8_4);
  const Plan out = diff(static_view_, bgp_view_, without, schema);
  ++status_.drift_repairs;
  if (!out.staticd.empty() && !commit(staticd_, out.staticd, now, false, &prefixes)) return;
  staticd_.stale = true;  // the next step re-reads and re-adds what target() wants
  if (fib_.read) fib_due_ = now + options_.fib_settle;
}

Clock::time_point Reconciler::step(Clock::time_point now) {
  for (Daemon* d : {&staticd_, &bgpd_}) {
    if (d->nb != nullptr) watch_epoch(*d);
  }
  if (now >= next_probe_) {
    for (Daemon* d : {&staticd_, &bgpd_}) {
      if (d->nb != nullptr) probe(*d);
    }
    const bool all_up = staticd_.reachable && (bgpd_.nb == nullptr || bgpd_.reachable);
    next_probe_ = now + (all_up ? options_.probe_interval : options_.probe_interval_down);
    if (fib_.read && !static_view_.owned.empty()) fib_due_ = earliest(now, fib_due_);
  }
  if (now >= next_reconcile_) {
    if (next_reconcile_ != Clock::time_point{}) ++status_.reconciles;
    staticd_.stale = bgpd_.stale = true;
    next_reconcile_ = now + options_.reconcile_interval;
  }
  if (needs_sync(staticd_, now) || needs_sync(bgpd_, now)) sync(now);
  if (fib_due_ && now >= *fib_due_) {
    fib_due_.reset();
    check_fib(now);
    if (staticd_.stale && needs_sync(staticd_, now)) sync(now);  // a repair's re-add goes out at once
  }

  Clock::time_point next = std::min(next_probe_, next_reconcile_);
  next = earliest(next, fib_due_);
  if (pending_since_) next = std::min(next, *pending_since_ + options_.coalesce);
  for (const Daemon* d : {&staticd_, &bgpd_}) {
    const bool behind = d->stale || (d->applied_version != version_ && d->failed_version != version_);
    if (d->nb == nullptr || !d->reachable || !behind) continue;
    Clock::time_point due = d->retry_at;
    if (pending_since_) due = std::max(due, *pending_since_ + options_.coalesce);
    next = std::min(next, std::max(due, now));
  }
  return next;
}

}  // namespace wgfo::frr

#pragma once
// Programmer: the declarative FRR interface the rest of the daemon sees (DESIGN.md, frr-integration/).
// apply(desired) validates the desired FrrState and hands it to a worker thread, which runs the
// Reconciler (reconciler.hpp: diff, one transaction per daemon, retries, restart re-push, periodic
// reconcile, kernel read-back). The latest desired state wins: states applied while the worker is
// busy with a commit are merged into the next one. The core thread never blocks on FRR.
// Versions: the n-th accepted apply() queues desired version n (ProgrammerStatus::desired_version, the
// `version` of CommitReport and on_converged). submit() is apply() that also says which version it
// queued, so the caller can match its own records (the audit log) to the commits and convergence
// reports. States merged while the worker was busy share the commit of the latest one: a report for
// version n covers every version up to n.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "frr-integration/northbound.hpp"
#include "frr-integration/reconciler.hpp"
#include "frr-integration/validate.hpp"

namespace wgfo::frr {

struct ApplyResult {
  std::uint64_t version{0};           // the desired version queued; 0 when refused
  std::vector<std::string> problems;  // as apply() returns them
};

class Programmer {
 public:
  // bgpd may be null (no BGP signalling). `validation` carries the ownership used for reading too.
  // options.on_commit / on_converged run on the worker thread, never under a lock that apply(),
  // submit(), status() or wait_converged() take, so they may call those.
  Programmer(std::unique_ptr<Northbound> staticd, std::unique_ptr<Northbound> bgpd,
             ValidationContext validation, ReconcilerOptions options = {}, FibAccess fib = {});
  ~Programmer();
  Programmer(const Programmer&) = delete;
  Programmer& operator=(const Programmer&) = delete;

  // Every problem with `desired`, one line each; when there is any, nothing is queued and FRR keeps
  // what it has. Thread-safe.
  std::vector<std::string> apply(FrrState desired);
  // The same, plus the version it queued. Thread-safe.
  ApplyResult submit(FrrState desired);

  ProgrammerStatus status() const;
  // Until FRR holds the last applied state (true) or `timeout` passes (false). For tools and tests.
  bool wait_converged(std::chrono::milliseconds timeout) const;

 private:
  void run();

  std::unique_ptr<Northbound> staticd_;
  std::unique_ptr<Northbound> bgpd_;
  ValidationContext validation_;
  Reconciler reconciler_;

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;  // worker: new input or stop; waiters: new status
  std::optional<FrrState> incoming_;
  std::uint64_t applied_{0};  // apply() calls accepted
  bool stop_{false};
  ProgrammerStatus snapshot_;
  std::uint64_t snapshot_applied_{0};  // apply() calls the worker had taken when snapshot_ was made
  std::thread worker_;
};

}  // namespace wgfo::frr

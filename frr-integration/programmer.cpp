// Programmer: the worker thread around the Reconciler. The only shared state is the incoming desired
// state and the status snapshot, both under mu_; the Reconciler itself is touched by the worker only
// (its observers run inside step(), outside mu_).

#include "frr-integration/programmer.hpp"

#include <utility>

namespace wgfo::frr {

Programmer::Programmer(std::unique_ptr<Northbound> staticd, std::unique_ptr<Northbound> bgpd,
                       ValidationContext validation, ReconcilerOptions options, FibAccess fib)
    : staticd_(std::move(staticd)),
      bgpd_(std::move(bgpd)),
      validation_(std::move(validation)),
      reconciler_(*staticd_, bgpd_.get(), validation_.ownership, options, std::move(fib)),
      worker_([this] { run(); }) {}

Programmer::~Programmer() {
  {
    const std::lock_guard lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

std::vector<std::string> Programmer::apply(FrrState desired) {
  return submit(std::move(desired)).problems;
}

ApplyResult Programmer::submit(FrrState desired) {
  ApplyResult result;
  result.problems = validate(desired, validation_);
  if (!result.problems.empty()) return result;
  {
    const std::lock_guard lock(mu_);
    incoming_ = std::move(desired);
    result.version = ++applied_;
  }
  changed_.notify_all();
  return result;
}

ProgrammerStatus Programmer::status() const {
  const std::lock_guard lock(mu_);
  return snapshot_;
}

bool Programmer::wait_converged(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] {
    return !incoming_ && snapshot_applied_ == applied_ &&
           snapshot_.converged_version == snapshot_.desired_version;
  });
}

void Programmer::run() {
  Clock::time_point wake = Clock::now();
  std::unique_lock lock(mu_);
  while (!stop_) {
    changed_.wait_until(lock, wake, [&] { return stop_ || incoming_.has_value(); });
    if (stop_) break;
    std::optional<FrrState> desired = std::exchange(incoming_, std::nullopt);
    const std::uint64_t taken = applied_;
    lock.unlock();
    const auto now = Clock::now();
    // Numbered by apply() count: the version submit() named is the one the reports will carry.
    if (desired) reconciler_.set_desired(std::move(*desired), taken, now);
    wake = reconciler_.step(now);
    lock.lock();
    snapshot_ = reconciler_.status();
    snapshot_applied_ = taken;
    changed_.notify_all();
  }
}

}  // namespace wgfo::frr

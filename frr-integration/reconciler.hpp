#pragma once
// Reconciler: makes FRR hold the desired FrrState, one step at a time, with time passed in. It is the
// programmer's logic without its thread (programmer.hpp runs it), so unit tests drive it with fake
// northbounds and a fake clock and never sleep.
//
// One step (step(now)) does whatever is due and returns when it wants to run again:
//   - notice a daemon restart: its connection epoch moved, or a health probe (GetCapabilities, each
//     probe_interval) failed and then answered again. FRR keeps gRPC-made changes in memory only, so
//     the daemon's view is re-read (Get CONFIG) and the whole desired state pushed again;
//   - every reconcile_interval, re-read everything (an operator or a crashed staticd may have changed
//     what we own) and converge;
//   - on a desired change, diff the cached view of FRR against it and send one transaction per daemon:
//     at once after a quiet spell, else when `coalesce` has passed since the last send (changes within
//     that window go out together). The cache is updated from what was committed, so a change costs
//     one Create/Edit/Commit/Delete and no Get;
//   - after a staticd commit, read the kernel FIB back (fib_settle later: zebra installs
//     asynchronously) and compare with what zebra should have chosen; a mismatch that is still there
//     fib_grace later is drift: counted, logged and repaired by withdrawing and re-adding the prefix.
// Failures: Busy, Unavailable, Timeout and Internal are retried with exponential backoff (the view is
// re-read first, a timed-out commit may have applied). Rejected and ApplyFailed are not retried: that
// daemon's target becomes the last state it accepted (so an APPLY-time error that FRR stored anyway is
// undone) until a new desired state arrives. staticd and bgpd are separate: a bgpd failure never holds
// back a route change.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "frr-integration/diff.hpp"
#include "frr-integration/fib.hpp"
#include "frr-integration/frr_parse.hpp"
#include "frr-integration/frr_state.hpp"
#include "frr-integration/northbound.hpp"
#include "frr-integration/schema.hpp"

namespace wgfo::frr {

using Clock = std::chrono::steady_clock;

struct ReconcilerOptions {
  std::chrono::milliseconds coalesce{5};
  std::chrono::milliseconds probe_interval{1000};
  std::chrono::milliseconds probe_interval_down{250};  // while a daemon is unreachable: re-push sooner
  std::chrono::milliseconds reconcile_interval{30000};
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2000};
  std::chrono::milliseconds fib_settle{20};
  std::chrono::milliseconds fib_grace{500};
};

// Kernel read-back. Both functions empty = no read-back (unit tests of other behaviour, or a daemon
// that runs outside FRR's network namespace).
struct FibAccess {
  std::function<std::variant<std::vector<FibRoute>, std::string>()> read;
  // ifindex of an interface that exists and is up; nullopt otherwise (zebra skips its nexthops).
  std::function<std::optional<int>(std::string_view)> ifindex_if_up;
};

struct DaemonStatus {
  bool configured{false};
  bool reachable{false};
  std::string frr_version;
  std::uint64_t commits{0};
  std::uint64_t failures{0};
  std::uint64_t restarts{0};  // restarts noticed (epoch moved or probe recovered), each re-pushed
  std::string last_error;     // empty while the last attempt succeeded
};

struct ProgrammerStatus {
  DaemonStatus staticd;
  DaemonStatus bgpd;
  std::uint64_t desired_version{0};
  std::uint64_t converged_version{0};  // FRR holds desired_version when both are equal
  std::uint64_t reconciles{0};         // periodic full re-reads
  std::uint64_t fib_checks{0};
  std::uint64_t drift{0};              // prefixes found wrong in the kernel after fib_grace
  std::uint64_t drift_repairs{0};      // repair transactions sent
  std::vector<std::string> conflicts;  // wanted routes not written because an operator route holds the key
  std::map<IpPrefix, bool> installed;  // owned prefixes: kernel holds what zebra should have chosen
};

class Reconciler {
 public:
  Reconciler(Northbound& staticd, Northbound* bgpd, Ownership ownership, ReconcilerOptions options,
             FibAccess fib);

  // The desired state; already validated. Starts the coalescing window unless one is open.
  void set_desired(FrrState desired, Clock::time_point now);
  // Does what is due at `now`; returns when it wants to be called again.
  Clock::time_point step(Clock::time_point now);

  const ProgrammerStatus& status() const { return status_; }

 private:
  struct Daemon {
    Northbound* nb{nullptr};
    std::string name;
    DaemonStatus* status{nullptr};
    bool reachable{false};
    bool restart_counted{false};  // this outage's restart is counted (epoch and probe both notice it)
    bool stale{true};             // cached view must be re-read before the next diff
    std::uint64_t epoch{0};
    std::optional<StaticdSchema> schema;
    Clock::time_point retry_at{};
    std::chrono::milliseconds backoff{0};
    std::uint64_t applied_version{0};  // desired version this daemon holds
    std::uint64_t failed_version{0};   // desired version this daemon refused (no retry until it changes)
  };

  void watch_epoch(Daemon& d);
  void probe(Daemon& d);
  bool needs_sync(const Daemon& d, Clock::time_point now) const;
  void sync(Clock::time_point now);
  bool read(Daemon& d, Clock::time_point now);
  // `fresh`: the edit was computed from a view read in the same step. Only then is a refusal the
  // desired state's fault; otherwise the view may be what was wrong, and it is re-read and retried.
  bool commit(Daemon& d, const Edit& edit, Clock::time_point now, bool fresh);
  void fail(Daemon& d, const NbError& error, Clock::time_point now, bool fresh);
  void count_restart(Daemon& d);
  void succeed(Daemon& d);
  FrrState target() const;
  void check_fib(Clock::time_point now);
  void repair(const std::vector<IpPrefix>& prefixes, Clock::time_point now);

  Daemon staticd_;
  Daemon bgpd_;
  Ownership ownership_;
  ReconcilerOptions options_;
  FibAccess fib_;

  FrrState desired_;
  std::uint64_t version_{0};
  std::optional<Clock::time_point> pending_since_;  // coalescing window of an unsent change
  std::optional<Clock::time_point> last_sync_;      // the last send (or attempt): opens a window

  StaticdObserved static_view_;
  BgpdObserved bgp_view_;
  std::vector<StaticRoute> good_routes_;  // last routes staticd accepted
  FrrState good_bgp_;                     // last prefix-lists / entries bgpd accepted

  Clock::time_point next_probe_{};
  Clock::time_point next_reconcile_{};
  std::optional<Clock::time_point> fib_due_;
  std::map<IpPrefix, int> suspect_;  // prefixes wrong at the last FIB check -> how many checks in a row

  ProgrammerStatus status_;
};

}  // namespace wgfo::frr

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
//   - on a desired change, diff the cached view of FRR against it and send one transaction per daemon
//     (staticd: up to four, make-before-break, see staticd_steps() in diff.hpp):
//     at once after a quiet spell, else when `coalesce` has passed since the last send (changes within
//     that window go out together). The cache is updated from what was committed, so a change costs
//     one Create/Edit/Commit/Delete and no Get;
//   - after a staticd commit, read the kernel FIB back (fib_settle later: zebra installs
//     asynchronously) and compare with what zebra should have chosen; a mismatch that is still there
//     fib_grace later, and fib_grace after the last staticd commit (zebra takes a large one in order, and
//     a prefix it did not touch may wait behind it), is drift: counted, logged and repaired by
//     withdrawing and re-adding the prefix. Constant churn postpones that by at most 10 × fib_grace.
// Failures: Busy, Unavailable, Timeout and Internal are retried with exponential backoff (the view is
// re-read first, a timed-out commit may have applied). Rejected and ApplyFailed are not retried: that
// daemon's target becomes the last state it accepted (so an APPLY-time error that FRR stored anyway is
// undone) until a new desired state arrives. staticd and bgpd are separate: a bgpd failure never holds
// back a route change.
// Observers (ReconcilerOptions::on_commit, on_converged) let the daemon time commits, count failures,
// stamp its audit log with FRR's transaction ids and measure detection-to-FIB latency. They are called
// from step() and are given the times the caller passed in: the reconciler still reads no clock (a
// commit's duration is measured by the Northbound implementation, the I/O layer).

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

// One Create/Edit/Commit/Delete sequence sent to a daemon (a desired-state change, a re-push after a
// restart, a periodic repair, or the withdrawal half of a FIB drift repair).
struct CommitReport {
  std::string daemon;                    // "staticd" or "bgpd"
  std::uint64_t version{0};              // the desired version it carried (ProgrammerStatus::desired_version)
  std::uint32_t transaction_id{0};       // FRR's; 0 = FRR had nothing to change (or keeps no transaction DB)
  bool changed{false};                   // FRR changed its running config (CommitInfo::changed)
  std::chrono::nanoseconds duration{0};  // as measured by the Northbound (CommitInfo / NbError::duration)
  bool ok{false};
  std::string error;   // NbError::message when !ok
  bool repair{false};  // the withdrawal of drifted prefixes (check_fib), not a step towards `version`
  std::vector<IpPrefix> repaired;  // a repair's prefixes (re-added by the step after it)
};

struct ReconcilerOptions {
  std::chrono::milliseconds coalesce{5};
  std::chrono::milliseconds probe_interval{1000};
  std::chrono::milliseconds probe_interval_down{250};  // while a daemon is unreachable: re-push sooner
  std::chrono::milliseconds reconcile_interval{30000};
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2000};
  std::chrono::milliseconds fib_settle{20};
  std::chrono::milliseconds fib_grace{500};

  // Observers, called from step() (the programmer's worker thread, with none of its locks held). They
  // must be quick (post the report elsewhere); an exception they throw is logged and dropped.
  // on_commit: after every commit() sent to staticd or bgpd, successful or not.
  std::function<void(const CommitReport&)> on_commit;
  // on_converged: once per desired version, when FRR holds it (ProgrammerStatus::converged_version
  // reaches it). With kernel read-back (FibAccess::read set) at the first FIB check after that which
  // finds every owned prefix as zebra should have installed it (fib_verified true, `at` = that check's
  // `now`); without read-back in the step whose commits made FRR hold it (fib_verified false). A version
  // superseded before it converged is never reported: a report for V covers every version before it.
  std::function<void(std::uint64_t version, bool fib_verified, Clock::time_point at)> on_converged;
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
  // The same under a version the caller numbered (the programmer's apply() count, so that apply() can
  // name the version it queued). Versions only grow: one not above the current becomes current + 1.
  void set_desired(FrrState desired, std::uint64_t version, Clock::time_point now);
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
  bool commit(Daemon& d, const Edit& edit, Clock::time_point now, bool fresh,
              const std::vector<IpPrefix>* repaired = nullptr);
  void fail(Daemon& d, const NbError& error, Clock::time_point now, bool fresh);
  void count_restart(Daemon& d);
  void succeed(Daemon& d);
  FrrState target() const;
  void check_fib(Clock::time_point now);
  void repair(const std::vector<IpPrefix>& prefixes, Clock::time_point now);
  void announce_converged(bool fib_verified, Clock::time_point now);

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
  // A prefix wrong at the last FIB check: since when it is wrong while the same route is expected (a
  // new commit that changes what to expect gives the kernel its time again).
  struct Suspect {
    Clock::time_point since;
    std::uint8_t distance{0};
    std::vector<FibNexthop> nexthops;
  };
  std::map<IpPrefix, Suspect> suspect_;
  Clock::time_point last_static_commit_{};  // zebra may still be working through it
  std::uint64_t announced_{0};              // the last version on_converged reported

  ProgrammerStatus status_;
};

}  // namespace wgfo::frr

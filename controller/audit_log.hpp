#pragma once
// Audit log: one JSON line per route or BGP change, so that an operator can answer "what moved traffic
// for 10.20.0.0/16 off primary at 03:12, why, and which FRR transaction did it?" after the fact, with
// grep and jq. Two parts, as everywhere in the controller:
//   audit_changes(), audit_line()  pure: which prefixes changed between two route views, and one
//                                  AuditRecord as one line of JSON (snake_case keys, RFC 3339 times
//                                  with milliseconds, UTC, as the CLI prints them)
//   AuditLog                       the file: O_APPEND so that each line is one write() and lines never
//                                  interleave, created 0640 (it names the network's paths), reopened on
//                                  request for logrotate
// Line shape:
//   {"time", "version", "prefix", "before": {"active": [...], "kill_switch", "signalled"} | null,
//    "after": {...} | null, "cause": [{"time", "tunnel", "from", "to", "cause"}, ...],
//    "tunnels": {"primary": "up", ...}, "frr": {"staticd": {"transaction_id": N | null} | null, "bgpd": ...}}
//    (frr.staticd null: not committed to; transaction_id null: committed, FRR gave no id)
//   A drift repair (the kernel did not hold what staticd does, so the daemon withdrew and re-added the
//   prefix; FRR may pass through any of its paths meanwhile) is a line of its own with before == after,
//   no cause, the withdrawal's transaction and "repair": "kernel FIB drift: withdrawn and re-added";
//   route changes have no "repair" key.
// What can appear is fixed by AuditRecord: tunnel names, states, prefixes, the cause texts the core
// wrote and FRR's transaction ids. There is no free-form configuration field, so a key or another
// secret from the config file has no way into the log.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "controller/core.hpp"
#include "controller/route_intent.hpp"

namespace wgfo {

struct AuditRecord {
  std::chrono::system_clock::time_point time;
  std::uint64_t version{0};  // the frr::Programmer desired version that carries the change
  IpPrefix prefix;
  std::optional<RouteView> before;  // nullopt: not routed before (a route added by a reload)
  std::optional<RouteView> after;   // nullopt: no longer routed (removed by a reload)
  std::vector<TunnelEvent> cause;   // the core's decisions since the previous change, oldest first
  std::vector<std::pair<std::string, TunnelState>> tunnels;  // every tunnel's state after the change
  // FRR's transaction id per daemon; nullopt when that daemon was not committed to (or not
  // configured). 0 means FRR found nothing to change, or keeps no transaction database (Debian); the
  // line then says "transaction_id": null.
  std::optional<std::uint32_t> staticd_transaction_id;
  std::optional<std::uint32_t> bgpd_transaction_id;
  std::string repair;  // why the daemon withdrew and re-added the prefix; empty for a route change
};

// One record per prefix whose active paths, kill switch or BGP signal differ between `before` and
// `after` (or that is in only one of them), in prefix order; only prefix, before and after are set.
std::vector<AuditRecord> audit_changes(const std::vector<RouteView>& before,
                                       const std::vector<RouteView>& after);

// The record as one line of JSON, without the newline. Never throws: text that is not UTF-8 is
// replaced (U+FFFD), and quotes, backslashes and control characters are escaped.
std::string audit_line(const AuditRecord& record);

// "2026-11-24T21:30:27.123Z" (the CLI's format; a copy, since controller/cli/format.hpp is bound to the
// API's protobuf types).
std::string audit_time(std::chrono::system_clock::time_point t);

// Appends lines to one file. Owned by one thread (the core); not thread-safe. Never throws and never
// waits on a reader: the file is opened O_NONBLOCK, so a FIFO without room fails the write instead of
// stalling the core (a regular file on a local disk does not block for long anyway). A failure is
// logged once, when it starts (and once more when writing works again), and every failed line is
// counted.
class AuditLog {
 public:
  // Opens (creating it, mode 0640) `path` at once; a failure is reported and counted like a write error,
  // and the next reopen() tries again.
  explicit AuditLog(std::string path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  bool write(const AuditRecord& record);   // false: the line was lost (and counted)
  bool write_line(std::string_view json);  // one line; a newline is added
  // After logrotate moved the file away: opens `path` anew. The old file stays in use if that fails.
  bool reopen();

  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  std::uint64_t lines_written() const { return lines_written_; }
  std::uint64_t write_errors() const { return write_errors_; }  // lines lost, and failed opens

 private:
  void failed(std::string_view what, int error);

  std::string path_;
  int fd_{-1};
  bool failing_{false};  // the last attempt failed: the next failure is not logged again
  std::uint64_t lines_written_{0};
  std::uint64_t write_errors_{0};
};

}  // namespace wgfo

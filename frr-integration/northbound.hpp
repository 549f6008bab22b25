#pragma once
// The programmer's view of one FRR daemon's northbound (staticd or bgpd, each with its own gRPC
// server, frr-grpc.md §1.5). The gRPC implementation is northbound_client.hpp; tests use fakes.
// Each call is bounded by a deadline and returns a value or an NbError; none throws.

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace wgfo::frr {

struct PathValue {
  std::string path;   // absolute data XPath with key predicates
  std::string value;  // "" for lists, containers and type empty

  friend bool operator==(const PathValue&, const PathValue&) = default;
};

// One EditCandidate: FRR applies every update, then every delete (frr-grpc.md §1.1).
struct Edit {
  std::vector<PathValue> update;
  std::vector<PathValue> remove;  // "delete" on the wire; values ignored

  bool empty() const { return update.empty() && remove.empty(); }
  friend bool operator==(const Edit&, const Edit&) = default;
};

struct NbError {
  enum class Kind : std::uint8_t {
    Unavailable,  // transport down, daemon not (yet) serving: retry, re-push when it is back
    Busy,         // "running configuration is locked" / "another transaction in progress": retry
    Rejected,     // INVALID_ARGUMENT and friends: the request is wrong; retrying will not help
    ApplyFailed,  // Commit OK with a non-empty error_message: FRR logged an APPLY-time error
    Timeout,      // deadline exceeded: the daemon may still apply it; re-read before retrying
    Internal,     // anything else
  };
  Kind kind{Kind::Internal};
  std::string message;
  // commit() only: how long the failed Create/Edit/Commit/Delete sequence took (commit-latency metrics
  // count failures too). Zero for the other calls.
  std::chrono::nanoseconds duration{0};

  bool retryable() const { return kind == Kind::Unavailable || kind == Kind::Busy || kind == Kind::Timeout; }
};

template <typename T>
using NbResult = std::variant<T, NbError>;

struct Capabilities {
  std::string frr_version;           // "8.4.4"
  std::vector<std::string> modules;  // YANG module names, e.g. "frr-staticd"
};

struct CommitInfo {
  std::uint32_t transaction_id{0};  // 0 when FRR found nothing to change (ABORTED "no changes")
  bool changed{false};
  // How long the whole Create/Edit/Commit/Delete sequence took, measured by the I/O layer (the
  // reconciler reads no clock). Zero for an empty edit, which sends nothing.
  std::chrono::nanoseconds duration{0};
};

class Northbound {
 public:
  virtual ~Northbound() = default;
  virtual NbResult<Capabilities> get_capabilities() = 0;
  // Get(CONFIG, JSON, with defaults) of one non-empty path; the JSON text as FRR printed it.
  virtual NbResult<std::string> get_config(const std::string& path) = 0;
  // CreateCandidate -> EditCandidate -> Commit(ALL) -> DeleteCandidate (always), as one transaction.
  virtual NbResult<CommitInfo> commit(const Edit& edit, const std::string& comment) = 0;
  // Increases every time a new connection to the daemon becomes ready. A change between two calls means
  // the daemon may have restarted and lost every gRPC-made change (frr-grpc.md §0 #13): re-read, re-push.
  virtual std::uint64_t connection_epoch() const { return 0; }
};

}  // namespace wgfo::frr

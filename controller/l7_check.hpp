#pragma once
// The optional L7 check of a tunnel (tunnels[].l7_check): a TCP connect through the tunnel to a target
// behind the peer, bound to the tunnel's interface and local address so it cannot take another path.
// BFD proves the tunnel carries packets; this proves something behind it answers (a peer router that
// forwards nothing still answers BFD).
//   RiseFall    pure: `fall` failures in a row fail the check, `rise` successes in a row clear it; a
//               check starts passing (BFD and the link gate a new tunnel anyway), so a slow first
//               attempt never takes a working tunnel down
//   L7Monitor   the connects, on the core io_context: one attempt per interval, each with its own
//               deadline; the sink hears only changes of the verdict, with the reason
// A target that refuses (RST) counts as failed too: the check is about the service, not the path.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bfd/io/asio.hpp"
#include "controller/config.hpp"

namespace wgfo {

class RiseFall {
 public:
  RiseFall(std::uint8_t fall, std::uint8_t rise) : fall_(fall), rise_(rise) {}
  // One result; true when the verdict changed with it.
  bool feed(bool ok) {
    if (ok != failed_) {  // agrees with the verdict
      streak_ = 0;
      return false;
    }
    if (++streak_ < (failed_ ? rise_ : fall_)) return false;
    failed_ = !failed_;
    streak_ = 0;
    return true;
  }
  bool failed() const { return failed_; }

 private:
  std::uint8_t fall_, rise_;
  unsigned streak_{0};  // results in a row against the verdict
  bool failed_{false};
};

class L7Monitor {
 public:
  using Sink = std::function<void(const std::string& tunnel, bool failed, const std::string& cause)>;

  L7Monitor(asio::io_context& io, Sink sink) : io_(io), sink_(std::move(sink)) {}
  ~L7Monitor() { stop(); }
  L7Monitor(const L7Monitor&) = delete;
  L7Monitor& operator=(const L7Monitor&) = delete;

  // Start and reload: every tunnel with an l7_check gets a fresh checker (its verdict starts passing).
  void apply(const Config& config);
  void stop();

  struct Check;  // one tunnel's checker (l7_check.cpp)

 private:
  asio::io_context& io_;
  Sink sink_;
  std::vector<std::shared_ptr<Check>> checks_;
};

}  // namespace wgfo

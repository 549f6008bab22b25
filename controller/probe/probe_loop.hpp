#pragma once
// ProbeLoop: the I/O around a pure ProbeClient, shared by ProbeSender (UDP) and IcmpProber (ICMP).
//
// One socket and one steady_timer on an io_context the caller owns (the controller's core thread;
// nothing here is thread-safe, every call must come from that thread). The timer wakes for the next
// transmission and for the next probe timeout, whichever is first, so a timeout is reported when it
// happens rather than at the next send. Sends follow a fixed schedule (start + k x interval; a
// schedule missed by a stall is skipped, not bursted). At every wakeup the socket is drained before
// timeouts are judged, so a reply that was queued while the thread was busy counts before its timer
// (the same rule as the BFD service); receive times come from the kernel (SO_TIMESTAMPNS), so the wait
// in the queue does not count as RTT either.
//
// Handlers hold a weak token, not just `this`: a completion already queued when the object is
// destroyed finds the token expired and does nothing.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bfd/io/asio.hpp"
#include "controller/ip.hpp"
#include "controller/probe/probe_client.hpp"
#include "controller/probe/quality_source.hpp"
#include "controller/probe/socket_util.hpp"

namespace wgfo::probe {

// What both probers need to know about a tunnel.
struct ProberConfig {
  std::string device;              // the tunnel interface (SO_BINDTODEVICE); empty: none
  std::optional<IpAddress> local;  // our tunnel address, the probes' source; empty: the kernel's choice
  IpAddress peer;                  // the peer's tunnel address
  Duration interval{std::chrono::milliseconds{100}};
  WindowConfig window{};
  std::uint64_t count{0};  // stop after this many probes (0: run until stop()); for tools and tests
};

// Empty when valid; otherwise the first problem ("interval must be ...", "local and peer families
// differ", ...).
std::string validate(const ProberConfig& c);

class ProbeLoop : public QualitySource {
 public:
  ~ProbeLoop() override;
  ProbeLoop(const ProbeLoop&) = delete;
  ProbeLoop& operator=(const ProbeLoop&) = delete;

  // Closes the socket and cancels the timer; the window keeps its last state.
  void stop();
  bool running() const { return socket_.has_value(); }
  // With count > 0: every probe sent and judged.
  bool finished() const;

  QualitySummary summary(TimePoint now) const override;
  ProbeCounters counters() const override;
  void set_outcome_callback(OutcomeCallback cb) override { callback_ = std::move(cb); }

 protected:
  explicit ProbeLoop(asio::io_context& io) : io_(io), timer_(io) {}

  // Starts probing on `fd` (owned from now on) with `client`. Unless `connected`, requests go to
  // `destination` with sendto and datagrams from any address but config.peer are dropped (foreign).
  void run(int fd, std::unique_ptr<ProbeClient> client, const ProberConfig& config,
           const detail::SockAddr& destination, bool connected);

 private:
  void watch();
  void on_readable();
  void drain(TimePoint now);
  void on_timer();
  void serve(TimePoint now);
  void send_probe(TimePoint now);
  void arm();
  void emit(const ProbeEvent& e);

  asio::io_context& io_;
  asio::steady_timer timer_;
  std::optional<asio::posix::stream_descriptor> socket_;
  std::shared_ptr<char> alive_;  // handlers hold a weak_ptr to it
  std::unique_ptr<ProbeClient> client_;
  ProberConfig config_;
  detail::SockAddr destination_;
  bool connected_{false};
  TimePoint next_send_{};
  std::uint64_t sent_{0};
  std::vector<std::uint8_t> rx_buffer_;
  std::vector<std::uint8_t> tx_buffer_;
  std::uint64_t send_errors_{0};
  std::uint64_t receive_errors_{0};
  std::uint64_t foreign_source_{0};
  OutcomeCallback callback_;
};

}  // namespace wgfo::probe

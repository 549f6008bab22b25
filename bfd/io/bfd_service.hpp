#pragma once
// BfdService: runs every BFD session of the daemon on one dedicated thread.
//
//   controller thread                     BFD thread (own io_context)
//   apply(desired specs) ---- post ----->  reconcile sessions, links (udp_link.hpp)
//   snapshot(done)       ---- post ----->  collect SessionStatus, call done
//   EventSink  <-------- called on BFD thread: state changes (the sink posts to its own thread)
//
// The loop: each link's RX socket is watched with async_wait and drained completely (recvmmsg)
// when readable; one steady_timer is armed at the earliest deadline of a lazy TimerQueue
// (bfd/timer_queue.hpp says why). Before a session's detection time is allowed to expire, its link
// is drained once more, so packets that arrived while the thread was descheduled count before the
// timer does (FRR runs timers before I/O after a stall, which turns a stall into a false Down).
// Transmissions are queued per link and sent with one sendmmsg after each batch of work.
//
// Timer slack: the OS timer is armed at the earliest deadline plus 1 % of the fastest session's
// interval (at most 1 ms), and each wakeup serves every deadline that has passed. No deadline is ever
// served early, so the jitter floor of RFC 5880 §6.8.7 holds; packets leave at most 1 % of an
// interval late. Profiling 2000 sessions showed a third of the thread's time in timerfd_settime
// with one wakeup per deadline; sharing wakeups removes most of it.
//
// Receive rate limit: per source, in Session (session.hpp, kRxRateLimit). A packet reaches a session
// only from the session's configured peer address and interface; anything else is dropped by demux
// here, as cheaply as a bucket lookup would be, so spoofing cannot multiply the buckets.
//
// Interfaces: a session whose interface does not exist waits; interfaces are re-checked every
// second and a session whose interface vanished or changed index is reported Down (diag Path Down)
// and restarted when it returns. Faster link-down handling belongs to the controller (rtnetlink).

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bfd/io/asio.hpp"
#include "bfd/io/udp_link.hpp"
#include "bfd/session_table.hpp"
#include "bfd/timer_queue.hpp"

namespace wgfo::bfd::io {

struct SessionSpec {
  std::string name;    // the caller's identifier (the tunnel name)
  std::string ifname;  // tunnel interface the session is bound to
  SessionKey key;      // family, peer and local address; ifindex is filled in from ifname
  SessionConfig config;
  bool admin_down{false};

  bool operator==(const SessionSpec&) const = default;
};

struct SessionStatus {
  std::string name;
  std::string ifname;
  bool interface_present{false};
  State state{State::Down};
  State remote_state{State::Down};
  Discriminator local_discr{0};
  Discriminator remote_discr{0};
  Diag local_diag{Diag::None};
  Micros tx_interval{0};
  Micros rx_interval{0};
  Micros detection_time{0};
  std::uint8_t detect_mult{0};
  std::uint8_t remote_detect_mult{0};
  SessionCounters counters;
  AuthError last_auth_error{AuthError::None};                    // the latest failed authentication, if any
  std::optional<std::chrono::system_clock::time_point> last_rx;  // last accepted packet, wall clock
};

struct SessionEvent {
  std::string name;
  StateChange change;
  TimePoint at;                                   // monotonic
  std::chrono::system_clock::time_point wall_at;  // for display and logs
};

struct IoCounters {
  std::uint64_t rx_datagrams{};
  std::uint64_t rx_ttl_dropped{};    // RFC 5881 §5 GTSM
  std::uint64_t rx_parse_dropped{};  // failed a §6.8.6 packet check
  std::uint64_t rx_demux_dropped{};  // no session for it, or from the wrong source
  std::uint64_t rx_rate_dropped{};   // over its source's budget (Session's kRxRateLimit)
  std::uint64_t tx_packets{};
  std::uint64_t tx_errors{};
  std::uint64_t link_errors{};          // sockets that could not be opened
  std::uint64_t rx_overflow_dropped{};  // dropped by the kernel: receive buffer full (SO_RXQ_OVFL)
  // Timer lateness: how long after its deadline the BFD thread got to run an expired timer. Late
  // timers mean the thread is starved (CPU, a stall elsewhere in the process) and detection times
  // are at risk; FRR warns on the same condition.
  std::uint64_t timer_wakeups{};
  std::uint64_t timers_late_1ms{};
  std::uint64_t timers_late_10ms{};
  std::uint64_t timers_late_50ms{};
  Duration max_timer_lateness{};
};

// Why received datagrams were dropped: the labels of the metric wgfailover_bfd_rx_dropped_total and the
// parts of the API's bfd_rx_dropped come from this one table, so that the two always add up alike.
struct RxDropReason {
  const char* label;
  std::uint64_t IoCounters::*field;
};
inline constexpr std::array<RxDropReason, 5> kRxDropReasons{
    {{"ttl", &IoCounters::rx_ttl_dropped},
     {"parse", &IoCounters::rx_parse_dropped},
     {"demux", &IoCounters::rx_demux_dropped},
     {"rate", &IoCounters::rx_rate_dropped},
     {"buffer_full", &IoCounters::rx_overflow_dropped}}};
inline std::uint64_t rx_dropped(const IoCounters& c) {
  std::uint64_t sum = 0;
  for (const RxDropReason& r : kRxDropReasons) sum += c.*r.field;
  return sum;
}

class BfdService {
 public:
  using EventSink = std::function<void(const SessionEvent&)>;

  BfdService(EventSink sink, RandomSource& random);
  ~BfdService();
  BfdService(const BfdService&) = delete;
  BfdService& operator=(const BfdService&) = delete;

  void start();  // spawns the BFD thread
  // Real-time scheduling for the BFD thread (after start): SCHED_FIFO at `priority` 1..99, or back to
  // SCHED_OTHER with 0. A starved BFD thread sends late and declares false Downs at short detection
  // times. Returns why it could not be set (e.g. no CAP_SYS_NICE), or nullopt.
  std::optional<std::string> set_realtime_priority(int priority);
  // Sends AdminDown on every session (RFC 5882 §3.2: peers do not treat that as a path failure, so a
  // planned restart does not fail traffic over at the other site) and joins the thread.
  void stop();

  // Declarative: after this, exactly `desired` sessions exist. Unchanged specs keep their session;
  // a new config or admin state changes the live session (Poll Sequence, no flap); a new interface
  // or address replaces it.
  void apply(std::vector<SessionSpec> desired);
  // Calls done(status, counters) on the BFD thread.
  void snapshot(std::function<void(std::vector<SessionStatus>, IoCounters)> done);

 private:
  struct Link;
  struct Record;

  void reconcile(std::vector<SessionSpec> desired);
  void shutdown();
  void start_session(Record& r, unsigned ifindex);
  void stop_session(Record& r, bool report_down, bool say_admin_down);
  void drain_before_detection(Record& r, TimePoint now);
  Link* acquire_link(const std::string& ifname, std::uint32_t ifindex, std::uint8_t family,
                     std::string& error);
  void release_link(Link* link);
  void watch(Link& link);
  void on_readable(Link& link);
  void drain(Link& link, TimePoint now);
  void note_lateness(Duration late, TimePoint now);
  void on_datagram(const Datagram& d, TimePoint now);
  void warn_auth_failures(Record& r, TimePoint now);
  void on_timer();
  void handle(Record& r, const Actions& actions, TimePoint now);
  void reschedule(Record& r);
  void arm_timer();
  void flush_links();
  void check_interfaces();
  void watch_interfaces();
  void emit(Record& r, const StateChange& change, TimePoint now);

  EventSink sink_;
  RandomSource& random_;
  asio::io_context io_;
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;

  SessionTable table_;
  TimerQueue<Discriminator> timers_;
  asio::steady_timer timer_;
  TimePoint timer_at_{TimePoint::max()};
  Duration slack_{};  // how late a deadline may be served so that nearby ones share a wakeup
  asio::steady_timer interface_timer_;

  std::map<std::string, std::unique_ptr<Record>> records_;  // by name
  std::unordered_map<Discriminator, Record*> by_discr_;
  std::map<std::string, std::unique_ptr<Link>> links_;  // by interface and family
  std::uint64_t link_generation_{0};
  std::uint64_t drain_epoch_{0};
  TimePoint last_late_warning_{};
  IoCounters counters_;
};

}  // namespace wgfo::bfd::io

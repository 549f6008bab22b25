// The BFD thread: session reconciliation, the receive and timer paths, interface tracking.
// The design (threads, drain-before-detection, batching) is described in bfd_service.hpp.
#include "bfd/io/bfd_service.hpp"

#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>

#include <cstring>

namespace wgfo::bfd::io {

struct BfdService::Link {
  Link(asio::io_context& io, std::string k, std::uint64_t g, std::unique_ptr<UdpLink> u)
      : key(std::move(k)), gen(g), udp(std::move(u)), watcher(io, udp->rx_fd()) {}
  ~Link() { watcher.release(); }  // the fd belongs to UdpLink; release also aborts the pending wait

  std::string key;
  std::uint64_t gen;
  std::unique_ptr<UdpLink> udp;
  asio::posix::stream_descriptor watcher;
  int refs{0};
  bool dirty{false};
  std::uint64_t drained_epoch{0};
  std::uint32_t overflow_seen{0};
};

struct BfdService::Record {
  SessionSpec spec;
  Link* link{nullptr};
  Session* session{nullptr};  // owned by table_
  std::string last_error;     // to log a failing link once, not every second
  std::uint64_t auth_failures_logged{0};
  TimePoint auth_warned_at{};  // authentication failures are logged at most every 10 s
};

namespace {

constexpr auto kInterfaceCheck = std::chrono::seconds{1};

std::string link_key(const std::string& ifname, std::uint8_t family) {
  return ifname + (family == 6 ? "|6" : "|4");
}

SessionKey on_interface(SessionKey k, std::uint32_t ifindex) {
  k.ifindex = ifindex;
  return k;
}

}  // namespace

BfdService::BfdService(EventSink sink, RandomSource& random)
    : sink_(std::move(sink)), random_(random), table_(random), timer_(io_), interface_timer_(io_) {}

BfdService::~BfdService() {
  stop();
  records_.clear();
  links_.clear();
}

void BfdService::start() {
  work_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(io_.get_executor());
  asio::post(io_, [this] { watch_interfaces(); });
  thread_ = std::thread([this] { io_.run(); });
}

std::optional<std::string> BfdService::set_realtime_priority(int priority) {
  if (!thread_.joinable()) return "the BFD thread is not running";
  sched_param param{};
  param.sched_priority = priority;
  const int rc =
      pthread_setschedparam(thread_.native_handle(), priority > 0 ? SCHED_FIFO : SCHED_OTHER, &param);
  if (rc != 0)
    return std::string(priority > 0 ? "SCHED_FIFO priority " + std::to_string(priority) : "SCHED_OTHER") +
           ": " + std::strerror(rc);
  return std::nullopt;
}

void BfdService::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    shutdown();
    io_.stop();
  });
  thread_.join();
  work_.reset();
}

void BfdService::apply(std::vector<SessionSpec> desired) {
  asio::post(io_, [this, d = std::move(desired)]() mutable { reconcile(std::move(d)); });
}

void BfdService::snapshot(std::function<void(std::vector<SessionStatus>, IoCounters)> done) {
  asio::post(io_, [this, done = std::move(done)] {
    const TimePoint mono_now = Clock::now();
    const auto wall_now = std::chrono::system_clock::now();
    std::vector<SessionStatus> out;
    out.reserve(records_.size());
    for (const auto& [name, r] : records_) {
      SessionStatus s;
      s.name = name;
      s.ifname = r->spec.ifname;
      s.interface_present = r->link != nullptr;
      s.detect_mult = r->spec.config.detect_mult;
      if (const Session* x = r->session) {
        s.state = x->state();
        s.remote_state = x->remote_state();
        s.local_discr = x->local_discr();
        s.remote_discr = x->remote_discr();
        s.local_diag = x->local_diag();
        s.tx_interval = x->tx_interval();
        s.rx_interval = x->rx_interval();
        s.detection_time = x->detection_time();
        s.detect_mult = x->detect_mult();
        s.remote_detect_mult = x->remote_detect_mult();
        s.counters = x->counters();
        s.last_auth_error = x->last_auth_error();
        if (const auto rx = x->last_rx())
          s.last_rx =
              wall_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(mono_now - *rx);
      } else if (r->spec.admin_down) {
        s.state = State::AdminDown;
      }
      out.push_back(std::move(s));
    }
    done(std::move(out), counters_);
  });
}

// ---- reconciliation -------------------------------------------------------------------------------

void BfdService::reconcile(std::vector<SessionSpec> desired) {
  const TimePoint now = Clock::now();
  Micros fastest = std::chrono::milliseconds(100);  // -> at most 1 ms of slack
  for (const auto& s : desired)
    fastest = std::min({fastest, s.config.desired_min_tx, s.config.required_min_rx});
  slack_ = fastest / 100;
  std::map<std::string, SessionSpec> want;
  for (auto& s : desired) want.emplace(s.name, std::move(s));

  for (auto it = records_.begin(); it != records_.end();) {
    auto w = want.find(it->first);
    Record& r = *it->second;
    const bool same_path =
        w != want.end() && w->second.ifname == r.spec.ifname && w->second.key == r.spec.key;
    if (!same_path) {
      // Removed, or moved to another interface/address: tell the peer, then start over.
      stop_session(r, false, true);
      if (w == want.end()) {
        it = records_.erase(it);
        continue;
      }
      r.spec = w->second;  // started again below
    } else if (r.session != nullptr) {
      if (w->second.config != r.spec.config) handle(r, r.session->set_config(w->second.config, now), now);
      if (w->second.admin_down != r.spec.admin_down)
        handle(r, r.session->set_admin_down(w->second.admin_down, now), now);
      r.spec = w->second;
      reschedule(r);
    } else {
      r.spec = w->second;
    }
    want.erase(w);
    ++it;
  }
  for (auto& [name, spec] : want) {
    auto r = std::make_unique<Record>();
    r->spec = spec;
    records_.emplace(name, std::move(r));
  }
  check_interfaces();  // starts every session whose interface exists
}

void BfdService::start_session(Record& r, unsigned ifindex) {
  if (ifindex == 0) return;  // the interface may come later; check_interfaces() retries
  std::string error;
  Link* link = acquire_link(r.spec.ifname, ifindex, r.spec.key.family, error);
  if (link == nullptr) {
    if (error != r.last_error) spdlog::warn("bfd: session {}: {}; retrying every second", r.spec.name, error);
    r.last_error = error;
    return;
  }
  const TimePoint now = Clock::now();
  Session* s = table_.add(on_interface(r.spec.key, ifindex), r.spec.config, now);
  if (s == nullptr) {  // a second spec with the same addresses on the same interface; config forbids it
    release_link(link);
    return;
  }
  r.link = link;
  r.session = s;
  r.last_error.clear();
  by_discr_[s->local_discr()] = &r;
  spdlog::debug("bfd: session {} on {} started, local discriminator {}", r.spec.name, r.spec.ifname,
                s->local_discr());
  if (r.spec.admin_down) handle(r, s->set_admin_down(true, now), now);
  reschedule(r);
}

void BfdService::stop_session(Record& r, bool report_down, bool say_admin_down) {
  if (r.session == nullptr) return;
  const TimePoint now = Clock::now();
  const State before = r.session->state();
  if (say_admin_down && before != State::AdminDown) {
    handle(r, r.session->set_admin_down(true, now), now);  // one AdminDown packet, best effort
    flush_links();
  } else if (report_down && before != State::Down && before != State::AdminDown) {
    emit(r, StateChange{before, State::Down, Diag::PathDown}, now);
  }
  const Discriminator d = r.session->local_discr();
  timers_.cancel(d);
  by_discr_.erase(d);
  table_.remove(d);
  release_link(r.link);
  r.session = nullptr;
  r.link = nullptr;
}

void BfdService::shutdown() {
  const IoCounters& c = counters_;
  spdlog::info(
      "bfd: rx {} (dropped: ttl {}, parse {}, demux {}, rate {}, buffer full {}), tx {} (errors {}), timer "
      "wakeups {}"
      " (late >=1 ms {}, >=10 ms {}, >=50 ms {}, max {} us)",
      c.rx_datagrams, c.rx_ttl_dropped, c.rx_parse_dropped, c.rx_demux_dropped, c.rx_rate_dropped,
      c.rx_overflow_dropped, c.tx_packets, c.tx_errors, c.timer_wakeups, c.timers_late_1ms,
      c.timers_late_10ms, c.timers_late_50ms,
      std::chrono::duration_cast<std::chrono::microseconds>(c.max_timer_lateness).count());
  for (auto& [name, r] : records_) stop_session(*r, false, true);
  timer_.cancel();
  interface_timer_.cancel();
}

BfdService::Link* BfdService::acquire_link(const std::string& ifname, std::uint32_t ifindex,
                                           std::uint8_t family, std::string& error) {
  const std::string key = link_key(ifname, family);
  auto it = links_.find(key);
  if (it == links_.end()) {
    std::error_code ec;
    auto udp = UdpLink::open(ifname, ifindex, family, ec);
    if (!udp) {
      ++counters_.link_errors;
      error = "cannot open IPv" + std::to_string(family) + " sockets on " + ifname + ": " + ec.message();
      return nullptr;
    }
    auto link = std::make_unique<Link>(io_, key, ++link_generation_, std::move(udp));
    it = links_.emplace(key, std::move(link)).first;
    watch(*it->second);
  }
  ++it->second->refs;
  return it->second.get();
}

void BfdService::release_link(Link* link) {
  if (link == nullptr || --link->refs > 0) return;
  links_.erase(link->key);
}

// ---- receive path ---------------------------------------------------------------------------------

void BfdService::watch(Link& link) {
  link.watcher.async_wait(asio::posix::stream_descriptor::wait_read,
                          [this, key = link.key, gen = link.gen](const boost::system::error_code& ec) {
                            if (ec) return;
                            auto it = links_.find(key);
                            if (it == links_.end() || it->second->gen != gen) return;  // link replaced
                            on_readable(*it->second);
                          });
}

void BfdService::on_readable(Link& link) {
  const TimePoint now = Clock::now();
  drain(link, now);
  link.drained_epoch = drain_epoch_;
  watch(link);
  flush_links();
  arm_timer();
}

void BfdService::on_datagram(const Datagram& d, TimePoint now) {
  ++counters_.rx_datagrams;
  if (d.ttl != kGtsmTtl) {  // RFC 5881 §5: single hop without auth MUST discard TTL != 255
    ++counters_.rx_ttl_dropped;
    return;
  }
  const ParseResult p = parse(d.data);
  if (!p) {
    ++counters_.rx_parse_dropped;
    return;
  }
  const DemuxResult m = table_.demux(p.packet, d.key);
  if (m.session == nullptr) {
    ++counters_.rx_demux_dropped;
    return;
  }
  auto it = by_discr_.find(m.session->local_discr());
  if (it == by_discr_.end()) return;
  Record& r = *it->second;
  const std::uint64_t limited = r.session->counters().rx_rate_limited;
  handle(r, r.session->on_packet(p.packet, now, d.data), now);
  counters_.rx_rate_dropped += r.session->counters().rx_rate_limited - limited;
  reschedule(r);
  warn_auth_failures(r, now);
}

void BfdService::warn_auth_failures(Record& r, TimePoint now) {
  // A peer with the wrong key sends at its full rate; the log gets a line every 10 s, not each packet.
  const std::uint64_t failed = r.session->counters().rx_auth_failed;
  if (failed == r.auth_failures_logged || now - r.auth_warned_at < std::chrono::seconds(10)) return;
  spdlog::warn("bfd: {}: dropped {} packet(s) that failed authentication ({}); {} so far", r.spec.name,
               failed - r.auth_failures_logged, to_string(r.session->last_auth_error()), failed);
  r.auth_failures_logged = failed;
  r.auth_warned_at = now;
}

// ---- timer path -----------------------------------------------------------------------------------

void BfdService::on_timer() {
  const TimePoint now = Clock::now();
  note_lateness(now - timer_at_, now);
  timer_at_ = TimePoint::max();
  ++drain_epoch_;
  timers_.expire(now, [&](Discriminator d) {
    auto it = by_discr_.find(d);
    if (it == by_discr_.end()) return;
    Record& r = *it->second;
    drain_before_detection(r, now);
    handle(r, r.session->on_timer(now), now);
    reschedule(r);
  });
  flush_links();
  arm_timer();
}

void BfdService::note_lateness(Duration late, TimePoint now) {
  using std::chrono::milliseconds;
  ++counters_.timer_wakeups;
  if (late >= milliseconds(1)) ++counters_.timers_late_1ms;
  if (late >= milliseconds(10)) ++counters_.timers_late_10ms;
  if (late >= milliseconds(50)) ++counters_.timers_late_50ms;
  counters_.max_timer_lateness = std::max(counters_.max_timer_lateness, late);
  // A warning at most every 10 s: lateness comes in bursts and the log must not add to it.
  if (late >= milliseconds(10) && now - last_late_warning_ >= std::chrono::seconds(10)) {
    last_late_warning_ = now;
    spdlog::warn("bfd: timers ran {} ms late ({} late by 10 ms or more so far); detection times are at risk",
                 std::chrono::duration_cast<milliseconds>(late).count(), counters_.timers_late_10ms);
  }
}

void BfdService::drain_before_detection(Record& r, TimePoint now) {
  // Packets already queued on the socket must count before a detection timer may expire. Only a
  // due detection timer pays for the read, and only once per link per timer wakeup.
  const auto detect = r.session->detection_deadline();
  if (!detect || *detect > now) return;
  Link& link = *r.link;
  if (link.drained_epoch == drain_epoch_) return;
  link.drained_epoch = drain_epoch_;
  drain(link, now);
}

void BfdService::drain(Link& link, TimePoint now) {
  link.udp->drain([&](const Datagram& d) { on_datagram(d, now); });
  const std::uint32_t total = link.udp->overflow_drops();
  if (total != link.overflow_seen) {
    counters_.rx_overflow_dropped += total - link.overflow_seen;  // unsigned: survives wrap-around
    link.overflow_seen = total;
  }
}

void BfdService::handle(Record& r, const Actions& actions, TimePoint now) {
  if (actions.transmit && r.link != nullptr) {
    r.link->udp->queue(on_interface(r.spec.key, r.link->udp->ifindex()), *actions.transmit);
    r.link->dirty = true;
  }
  if (actions.state_change) emit(r, *actions.state_change, now);
}

void BfdService::emit(Record& r, const StateChange& change, TimePoint now) {
  sink_(SessionEvent{r.spec.name, change, now, std::chrono::system_clock::now()});
}

void BfdService::reschedule(Record& r) {
  if (r.session == nullptr) return;
  const TimePoint next = r.session->next_deadline();
  if (next != TimePoint::max()) timers_.schedule(r.session->local_discr(), next);
}

void BfdService::arm_timer() {
  const auto next = timers_.next();
  // An armed timer that fires too early is harmless (nothing is due); only an earlier deadline
  // needs a re-arm. This keeps timer churn away from the per-packet path.
  if (!next) return;
  const TimePoint fire = *next + slack_;
  if (fire >= timer_at_) return;
  timer_at_ = fire;
  timer_.expires_at(fire);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_timer();
  });
}

void BfdService::flush_links() {
  for (auto& [key, link] : links_) {
    if (!link->dirty) continue;
    link->dirty = false;
    const std::size_t n = link->udp->queued();
    const std::size_t failed = link->udp->flush();
    counters_.tx_packets += n - failed;
    counters_.tx_errors += failed;
  }
}

// ---- interfaces -----------------------------------------------------------------------------------

void BfdService::watch_interfaces() {
  check_interfaces();
  interface_timer_.expires_after(kInterfaceCheck);
  interface_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) watch_interfaces();
  });
}

void BfdService::check_interfaces() {
  // One lookup per interface, not per session: thousands of sessions usually share a few interfaces,
  // and each lookup costs a socket plus an ioctl on this thread.
  std::map<std::string, unsigned, std::less<>> index;
  for (auto& [name, r] : records_) {
    auto [it, fresh] = index.try_emplace(r->spec.ifname, 0U);
    if (fresh) it->second = if_nametoindex(r->spec.ifname.c_str());
    const unsigned ifindex = it->second;
    if (r->link != nullptr && ifindex != r->link->udp->ifindex()) {
      spdlog::warn("bfd: interface {} of session {} {}", r->spec.ifname, name,
                   ifindex == 0 ? "is gone" : "changed index");
      stop_session(*r, true, false);
    }
    if (r->link == nullptr && ifindex != 0) start_session(*r, ifindex);
  }
  flush_links();
  arm_timer();
}

}  // namespace wgfo::bfd::io

// Which structure should hold the deadlines of thousands of BFD sessions? This benchmark replays the
// same synthetic event stream through four candidates and prints the CPU cost per packet event.
//
// Stream: N sessions at interval T (jittered 75-100 %), each session transmits every ~T and receives
// a packet every ~T. A receive moves the session's detection deadline later (now + 3T); a transmit
// re-arms its transmit deadline. Candidates:
//   lazy-heap     bfd::TimerQueue (what the daemon uses): a later deadline is a no-op
//   eager-set     ordered set, erase + insert on every deadline change (FRR's heap delete + insert)
//   wheel-1ms     hashed timing wheel, 1 ms slots, lazy like the heap (rounds deadlines up to 1 ms)
//   asio-timers   one asio::steady_timer per session, cancel + re-arm on every change
// The asio variant runs on the real clock, so only its re-arm path is timed (the expiry path is not
// needed to show the per-packet cost).
//
// Run: build/tests/bench/scheduler_bench [sessions...]   (prints a table; not a pass/fail test)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "bfd/io/asio.hpp"
#include "bfd/timer_queue.hpp"

using namespace std::chrono;
using wgfo::bfd::TimePoint;
using wgfo::bfd::TimerQueue;

namespace {

constexpr auto kInterval = milliseconds(50);
constexpr auto kSimulated = seconds(20);

struct Event {
  TimePoint at;
  std::uint32_t id;
  bool rx;  // else: the session's transmit deadline came due
};

// Per-session deadlines that every candidate must honour.
struct Sessions {
  std::vector<TimePoint> next_tx, detect;
  TimePoint next(std::uint32_t id) const { return std::min(next_tx[id], detect[id]); }
};

std::vector<Event> make_rx_stream(std::uint32_t n, std::mt19937& rng) {
  std::uniform_int_distribution<long> jitter(75, 100);
  std::vector<Event> ev;
  const TimePoint start{};
  for (std::uint32_t id = 0; id < n; ++id) {
    for (TimePoint t = start + microseconds(rng() % 50000); t < start + kSimulated;
         t += duration_cast<nanoseconds>(kInterval) * jitter(rng) / 100)
      ev.push_back({t, id, true});
  }
  std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
  return ev;
}

// The common replay: RX events from the stream, TX events whenever the structure says a deadline is due.
template <typename Q>
double replay(Q& q, std::uint32_t n, const std::vector<Event>& rx, std::uint64_t& events) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<long> jitter(75, 100);
  Sessions s{std::vector<TimePoint>(n), std::vector<TimePoint>(n)};
  for (std::uint32_t id = 0; id < n; ++id) {
    s.next_tx[id] = TimePoint{} + microseconds(rng() % 50000);
    s.detect[id] = TimePoint{} + 3 * kInterval;
    q.schedule(id, s.next(id));
  }
  events = 0;
  const auto t0 = steady_clock::now();
  for (const Event& e : rx) {
    q.expire(e.at, [&](std::uint32_t id) {
      if (s.next_tx[id] <= e.at) {  // transmit and re-arm
        s.next_tx[id] += duration_cast<nanoseconds>(kInterval) * jitter(rng) / 100;
        ++events;
      }
      q.schedule(id, s.next(id));
    });
    s.detect[e.id] = e.at + 3 * kInterval;  // a received packet moves detection later
    q.schedule(e.id, s.next(e.id));
    ++events;
  }
  return static_cast<double>(duration_cast<nanoseconds>(steady_clock::now() - t0).count());
}

// Eager: the structure always holds exactly each session's current deadline.
struct EagerSet {
  std::set<std::pair<TimePoint, std::uint32_t>> set;
  std::map<std::uint32_t, TimePoint> at;
  void schedule(std::uint32_t id, TimePoint t) {
    auto it = at.find(id);
    if (it != at.end()) {
      if (it->second == t) return;
      set.erase({it->second, id});
    }
    at[id] = t;
    set.insert({t, id});
  }
  template <typename F>
  void expire(TimePoint now, F&& f) {
    while (!set.empty() && set.begin()->first <= now) {
      const auto id = set.begin()->second;
      set.erase(set.begin());
      at.erase(id);
      f(id);
    }
  }
};

// Hashed wheel, 1 ms slots, 4096 slots (longer deadlines wait for their round), lazy like TimerQueue.
struct Wheel {
  static constexpr std::size_t kSlots = 4096;
  std::vector<std::vector<std::pair<std::int64_t, std::uint32_t>>> slots{kSlots};
  std::vector<std::int64_t> due;  // per id: scheduled tick, or -1
  std::int64_t current{0};
  explicit Wheel(std::uint32_t n) : due(n, -1) {}
  static std::int64_t tick(TimePoint t) {
    return duration_cast<milliseconds>(t.time_since_epoch()).count() + 1;  // round up
  }
  void schedule(std::uint32_t id, TimePoint t) {
    const auto k = std::max(tick(t), current);
    if (due[id] != -1 && due[id] <= k) return;
    due[id] = k;
    slots[static_cast<std::size_t>(k) % kSlots].push_back({k, id});
  }
  template <typename F>
  void expire(TimePoint now, F&& f) {
    const auto target = duration_cast<milliseconds>(now.time_since_epoch()).count();
    for (; current <= target; ++current) {
      auto& slot = slots[static_cast<std::size_t>(current) % kSlots];
      std::vector<std::pair<std::int64_t, std::uint32_t>> fire, keep;
      for (auto& e : slot) (e.first == current ? fire : keep).push_back(e);
      slot.swap(keep);
      for (auto& [k, id] : fire) {
        if (due[id] != k) continue;  // stale
        due[id] = -1;
        f(id);
      }
    }
  }
};

// Cost of the per-packet re-arm with one Asio timer per session (cancel + async_wait + the aborted
// handler), timed over the same number of RX events.
double asio_rearm(std::uint32_t n, const std::vector<Event>& rx) {
  wgfo::asio::io_context io;
  std::vector<std::unique_ptr<wgfo::asio::steady_timer>> timers;
  for (std::uint32_t i = 0; i < n; ++i) {
    timers.push_back(std::make_unique<wgfo::asio::steady_timer>(io));
    timers.back()->expires_after(hours(1));
    timers.back()->async_wait([](const boost::system::error_code&) {});
  }
  const auto t0 = steady_clock::now();
  std::size_t k = 0;
  for (const Event& e : rx) {
    auto& t = *timers[e.id];
    t.expires_after(hours(1));
    t.async_wait([](const boost::system::error_code&) {});
    if (++k % 64 == 0) io.poll();  // run the aborted handlers, as a loop iteration would
  }
  io.poll();
  return static_cast<double>(duration_cast<nanoseconds>(steady_clock::now() - t0).count());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::uint32_t> sizes{100, 1000, 2000, 10000};
  if (argc > 1) {
    sizes.clear();
    for (int i = 1; i < argc; ++i) sizes.push_back(static_cast<std::uint32_t>(std::atoi(argv[i])));
  }
  std::printf("scheduler_bench: %lld s of simulated traffic at %lld ms intervals, median of 5 runs\n",
              static_cast<long long>(kSimulated.count()), static_cast<long long>(kInterval.count()));
  std::printf("%8s  %12s  %12s  %12s  %12s   (ns per packet event)\n", "sessions", "lazy-heap", "eager-set",
              "wheel-1ms", "asio-timers");
  for (const std::uint32_t n : sizes) {
    std::mt19937 rng(42);
    const auto rx = make_rx_stream(n, rng);
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::vector<double> lazy, eager, wheel, asio_ns;
    for (int run = 0; run < 5; ++run) {
      std::uint64_t ev = 0;
      TimerQueue<std::uint32_t> q;
      double ns = replay(q, n, rx, ev);
      lazy.push_back(ns / static_cast<double>(ev));
      EagerSet s;
      ns = replay(s, n, rx, ev);
      eager.push_back(ns / static_cast<double>(ev));
      Wheel w(n);
      ns = replay(w, n, rx, ev);
      wheel.push_back(ns / static_cast<double>(ev));
      asio_ns.push_back(asio_rearm(n, rx) / static_cast<double>(rx.size()));
    }
    std::printf("%8u  %12.1f  %12.1f  %12.1f  %12.1f\n", n, median(lazy), median(eager), median(wheel),
                median(asio_ns));
  }
  return 0;
}

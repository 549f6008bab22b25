#pragma once
// Deadlines of thousands of sessions in one structure, so the I/O thread arms a single OS timer at
// the earliest one. Pure: no clock, no sockets.
//
// Why a lazy binary heap. A session's detection deadline moves *later* on every received packet, by
// far the most frequent event. Here that costs nothing: schedule() with a later time than the entry
// already queued is a no-op, the early entry fires, Session::on_timer() finds nothing due (it is safe
// to call early) and the owner re-schedules at the session's real next deadline. Only transmissions
// (and the rare earlier deadline) push. Measured with tests/bench/scheduler_bench (the same event
// stream through each candidate, ns per packet event, median of 5; 2-vCPU VM, Release build):
//
//   sessions   lazy heap   eager ordered set   1 ms timing wheel   one asio timer per session
//        100          39                 112                  30                          144
//       2000          55                 212                  12                          177
//      10000          82                 314                  12                          306
//
// Structures that move the entry on every packet (FRR's heap delete + insert, or cancelling and
// re-arming an Asio timer per session) cost 3-4x more. A hashed wheel is cheaper still, but rounds
// every deadline up to its slot: at 10 ms intervals 1 ms of rounding sends packets up to 10 % later
// than the 75-100 % of RFC 5880 §6.8.7 allows, and adds as much to detection. And the difference
// does not matter: at 2000 sessions x 50 ms the heap
// handles ~91k events/s, 55 ns each = 0.5 % of a core, next to the kernel's several microseconds
// per packet (tests/bench/bfd_scale.sh). So: exact deadlines, lazy updates.
// Stale heap entries are recognised by comparing their time with the id's current schedule.

#include <cstdint>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "bfd/types.hpp"

namespace wgfo::bfd {

template <typename Id>
class TimerQueue {
 public:
  // Makes sure `id` is handed out by expire() no later than `at`.
  void schedule(Id id, TimePoint at) {
    auto [it, inserted] = scheduled_.try_emplace(id, at);
    if (!inserted) {
      if (it->second <= at) return;  // an earlier entry is queued; it fires and the owner re-schedules
      it->second = at;
    }
    heap_.push(Entry{at, id});
  }

  void cancel(Id id) { scheduled_.erase(id); }

  // Earliest live deadline; drops stale entries from the top on the way.
  std::optional<TimePoint> next() {
    drop_stale();
    if (heap_.empty()) return std::nullopt;
    return heap_.top().at;
  }

  // Calls fn(id) once for every id whose deadline is <= now, earliest first. fn may schedule()
  // again, also the same id; what it schedules is handed out by a later call, never by this one, so
  // a deadline that does not move forward cannot trap the caller in a loop.
  template <typename Fn>
  void expire(TimePoint now, Fn&& fn) {
    due_.clear();
    for (;;) {
      drop_stale();
      if (heap_.empty() || heap_.top().at > now) break;
      due_.push_back(heap_.top().id);
      scheduled_.erase(heap_.top().id);
      heap_.pop();
    }
    for (const Id id : due_) fn(id);
  }

  std::size_t size() const { return scheduled_.size(); }
  std::size_t heap_size() const { return heap_.size(); }

 private:
  struct Entry {
    TimePoint at;
    Id id;
    bool operator>(const Entry& o) const { return at > o.at; }
  };

  void drop_stale() {
    while (!heap_.empty()) {
      const Entry& top = heap_.top();
      auto it = scheduled_.find(top.id);
      if (it != scheduled_.end() && it->second == top.at) return;
      heap_.pop();
    }
  }

  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
  std::unordered_map<Id, TimePoint> scheduled_;
  std::vector<Id> due_;  // scratch for expire(), kept to avoid an allocation per call
};

}  // namespace wgfo::bfd

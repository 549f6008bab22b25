// Sliding-window RTT, loss and jitter; the definitions are in quality_window.hpp.
#include "controller/probe/quality_window.hpp"

#include <algorithm>

namespace wgfo::probe {

std::string validate(const WindowConfig& c) {
  if (c.size < 1 || c.size > kMaxWindowSize) {
    return "window size " + std::to_string(c.size) + " not in 1.." + std::to_string(kMaxWindowSize);
  }
  if (c.timeout <= Duration::zero() || c.timeout > kMaxTimeout) return "probe timeout must be in (0, 60s]";
  return {};
}

std::string_view to_string(ReplyOutcome o) {
  switch (o) {
    case ReplyOutcome::Accepted:
      return "accepted";
    case ReplyOutcome::Late:
      return "late";
    case ReplyOutcome::Duplicate:
      return "duplicate";
    case ReplyOutcome::Unknown:
      return "unknown";
    case ReplyOutcome::Mismatched:
      return "mismatched";
  }
  return "invalid";
}

QualityWindow::QualityWindow(WindowConfig config) : config_(config) {
  config_.size = std::clamp<std::size_t>(config_.size, 1, kMaxWindowSize);
  config_.timeout = std::clamp(config_.timeout, Duration{1}, kMaxTimeout);
}

QualityWindow::Entry* QualityWindow::find(std::uint32_t seq) {
  // Newest first: replies normally answer recent probes.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->seq == seq) return &*it;
  }
  return nullptr;
}

void QualityWindow::on_sent(std::uint32_t seq, TimePoint sent) {
  expire(sent);
  if (entries_.size() >= config_.size) {
    if (entries_.front().state == State::Pending) ++counters_.lost;  // never judged: the window is too short
    entries_.pop_front();
  }
  entries_.push_back(Entry{seq, sent, State::Pending, Duration{}});
  ++counters_.sent;
}

ReplyResult QualityWindow::on_reply(std::uint32_t seq, TimePoint sent_echo, TimePoint received,
                                    Duration hold) {
  Entry* e = find(seq);
  if (e == nullptr) {
    ++counters_.unknown;
    return {ReplyOutcome::Unknown, {}};
  }
  if (e->sent != sent_echo) {
    ++counters_.mismatched;
    return {ReplyOutcome::Mismatched, {}};
  }
  switch (e->state) {
    case State::Answered:
      ++counters_.duplicate;
      return {ReplyOutcome::Duplicate, {}};
    case State::Lost:
      ++counters_.late;
      return {ReplyOutcome::Late, {}};
    case State::Pending:
      break;
  }
  if (received - e->sent >= config_.timeout) {
    // Judged by its own receive time: lost, whether or not expire() has seen it yet.
    e->state = State::Lost;
    ++counters_.lost;
    ++counters_.late;
    return {ReplyOutcome::Late, {}};
  }
  const Duration raw = std::max(received - e->sent, Duration::zero());
  const Duration rtt = (hold >= Duration::zero() && hold < raw) ? raw - hold : raw;
  e->state = State::Answered;
  e->rtt = rtt;
  ++counters_.answered;
  return {ReplyOutcome::Accepted, rtt};
}

std::vector<std::uint32_t> QualityWindow::expire(TimePoint now) {
  std::vector<std::uint32_t> lost;
  for (Entry& e : entries_) {
    if (e.state == State::Pending && now - e.sent >= config_.timeout) {
      e.state = State::Lost;
      ++counters_.lost;
      lost.push_back(e.seq);
    }
  }
  return lost;
}

TimePoint QualityWindow::next_deadline() const {
  TimePoint earliest = TimePoint::max();
  for (const Entry& e : entries_) {
    if (e.state == State::Pending) earliest = std::min(earliest, e.sent + config_.timeout);
  }
  return earliest;
}

QualitySummary QualityWindow::summary(TimePoint now) const {
  QualitySummary s;
  s.probes = entries_.size();
  std::vector<Duration> rtts;  // send order
  rtts.reserve(entries_.size());
  for (const Entry& e : entries_) {
    switch (e.state) {
      case State::Answered:
        rtts.push_back(e.rtt);
        break;
      case State::Lost:
        ++s.lost;
        break;
      case State::Pending:
        if (now - e.sent >= config_.timeout) {
          ++s.lost;
        } else {
          ++s.pending;
        }
        break;
    }
  }
  s.samples = rtts.size();
  if (s.samples + s.lost > 0) {
    s.loss_percent = 100.0 * static_cast<double>(s.lost) / static_cast<double>(s.samples + s.lost);
  }
  if (rtts.empty()) return s;

  Duration::rep jitter_sum = 0;
  for (std::size_t i = 1; i < rtts.size(); ++i) {
    const Duration d = rtts[i] - rtts[i - 1];
    jitter_sum += (d < Duration::zero() ? -d : d).count();
  }
  if (rtts.size() > 1) s.jitter = Duration{jitter_sum / static_cast<Duration::rep>(rtts.size() - 1)};

  Duration::rep sum = 0;
  for (const Duration d : rtts) sum += d.count();
  s.rtt_mean = Duration{sum / static_cast<Duration::rep>(rtts.size())};

  std::sort(rtts.begin(), rtts.end());
  const std::size_t n = rtts.size();
  s.rtt_min = rtts.front();
  s.rtt_max = rtts.back();
  s.rtt_median = n % 2 == 1 ? rtts[n / 2] : (rtts[n / 2 - 1] + rtts[n / 2]) / 2;
  const std::size_t rank = (95 * n + 99) / 100;  // nearest rank, 1-based: ceil(0.95 n)
  s.rtt_p95 = rtts[rank - 1];
  return s;
}

}  // namespace wgfo::probe

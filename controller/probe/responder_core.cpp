// Responder decisions and rate limiting; the reasoning is in responder_core.hpp.
#include "controller/probe/responder_core.hpp"

#include <algorithm>
#include <cmath>

namespace wgfo::probe {
namespace {

constexpr std::uint16_t kMinSourcePort = 1024;

std::string validate(const RateLimit& r, const char* what) {
  if (!std::isfinite(r.per_second) || r.per_second <= 0) return std::string(what) + " rate must be positive";
  if (!std::isfinite(r.burst) || r.burst < 1) return std::string(what) + " burst must be at least 1";
  return {};
}

}  // namespace

double TokenBucket::level(const RateLimit& limit, TimePoint now) const {
  if (now <= last_) return tokens_;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  return std::min(limit.burst, tokens_ + elapsed * limit.per_second);
}

bool TokenBucket::take(const RateLimit& limit, TimePoint now) {
  tokens_ = level(limit, now);
  last_ = std::max(last_, now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

bool TokenBucket::full(const RateLimit& limit, TimePoint now) const {
  return level(limit, now) >= limit.burst;
}

std::string validate(const ResponderLimits& l) {
  if (std::string e = validate(l.per_source, "per-source"); !e.empty()) return e;
  if (std::string e = validate(l.global, "global"); !e.empty()) return e;
  if (l.max_sources < 1) return "max_sources must be at least 1";
  return {};
}

ResponderCore::ResponderCore(ResponderLimits limits) : limits_(limits) {}

bool ResponderCore::admit(const IpAddress& source, TimePoint now) {
  auto it = sources_.find(source);
  if (it == sources_.end()) {
    if (sources_.size() >= limits_.max_sources) {
      std::erase_if(sources_, [&](const auto& kv) { return kv.second.full(limits_.per_source, now); });
    }
    if (sources_.size() >= limits_.max_sources) {
      ++counters_.source_table_full;
      return false;
    }
    it = sources_.emplace(source, TokenBucket(limits_.per_source, now)).first;
  }
  if (!it->second.take(limits_.per_source, now)) {
    ++counters_.rate_limited;
    return false;
  }
  if (!global_) global_.emplace(limits_.global, now);
  if (!global_->take(limits_.global, now)) {
    ++counters_.rate_limited;
    return false;
  }
  return true;
}

ResponderDecision ResponderCore::handle(std::span<const std::uint8_t> datagram, const IpAddress& source,
                                        std::uint16_t source_port, TimePoint received, TimePoint now) {
  ResponderDecision d;
  ++counters_.received;
  const DecodeResult r = decode(datagram);
  if (!r) {
    ++counters_.malformed;
    d.error = r.error;
    return d;
  }
  if (r.message.type != MessageType::Request) {
    ++counters_.not_request;
    return d;
  }
  if (source_port < kMinSourcePort) {
    ++counters_.bad_source_port;
    return d;
  }
  if (!admit(source, now)) return d;
  const auto hold =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::max(now - received, Duration::zero()));
  d.reply = encode(make_reply(r.message, static_cast<std::uint64_t>(hold.count())));
  ++counters_.replied;
  return d;
}

}  // namespace wgfo::probe

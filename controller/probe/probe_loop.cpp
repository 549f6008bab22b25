// The probe I/O loop; the schedule and the drain-before-timeout rule are explained in probe_loop.hpp.
#include "controller/probe/probe_loop.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace wgfo::probe {
namespace {

constexpr std::size_t kRxBufferSize = 65536;     // any datagram whole: a raw socket sees others' pings too
constexpr std::size_t kMaxDrainPerWakeup = 256;  // then yield to the rest of the io_context

}  // namespace

std::string validate(const ProberConfig& c) {
  if (c.interval < std::chrono::milliseconds{1} || c.interval > std::chrono::minutes{1}) {
    return "probe interval must be between 1ms and 60s";
  }
  if (std::string e = validate(c.window); !e.empty()) return e;
  if (c.peer.is_unspecified() || c.peer.is_multicast())
    return "peer address " + c.peer.to_string() + " is not unicast";
  if (c.local && c.local->family() != c.peer.family()) {
    return "local address " + c.local->to_string() + " and peer address " + c.peer.to_string() +
           " are of different families";
  }
  if (c.device.size() >= 16) return "interface name '" + c.device + "' is too long";  // IFNAMSIZ
  return {};
}

ProbeLoop::~ProbeLoop() {
  stop();
}

void ProbeLoop::stop() {
  alive_.reset();
  timer_.cancel();
  socket_.reset();  // closes the fd
}

bool ProbeLoop::finished() const {
  return client_ && config_.count > 0 && sent_ >= config_.count &&
         client_->next_deadline() == TimePoint::max();
}

QualitySummary ProbeLoop::summary(TimePoint now) const {
  return client_ ? client_->summary(now) : QualitySummary{};
}

ProbeCounters ProbeLoop::counters() const {
  ProbeCounters c = client_ ? client_->counters() : ProbeCounters{};
  c.send_errors += send_errors_;
  c.receive_errors += receive_errors_;
  c.foreign += foreign_source_;
  return c;
}

void ProbeLoop::run(int fd, std::unique_ptr<ProbeClient> client, const ProberConfig& config,
                    const detail::SockAddr& destination, bool connected) {
  stop();
  socket_.emplace(io_, fd);
  alive_ = std::make_shared<char>();
  client_ = std::move(client);
  config_ = config;
  destination_ = destination;
  connected_ = connected;
  rx_buffer_.resize(kRxBufferSize);
  tx_buffer_.resize(client_->request_size());
  sent_ = 0;
  next_send_ = Clock::now();
  watch();
  serve(next_send_);
}

void ProbeLoop::watch() {
  socket_->async_wait(asio::posix::stream_descriptor::wait_read,
                      [this, token = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
                        if (ec || token.expired()) return;
                        on_readable();
                      });
}

void ProbeLoop::on_readable() {
  drain(Clock::now());
  if (!alive_) return;  // the callback stopped us
  watch();
  arm();
}

void ProbeLoop::drain(TimePoint now) {
  const std::weak_ptr<char> token = alive_;
  for (std::size_t i = 0; i < kMaxDrainPerWakeup && !token.expired(); ++i) {
    detail::Received r;
    const int got = detail::receive(socket_->native_handle(), rx_buffer_, r);
    if (got == 0) return;
    if (got < 0) {
      ++receive_errors_;  // ECONNREFUSED etc.: the error is consumed, go on
      continue;
    }
    // Unconnected sockets (ICMP) see every host's echo replies: only the peer's count.
    if (!connected_ && r.source != config_.peer) {
      ++foreign_source_;
      continue;
    }
    const TimePoint at = r.kernel_time ? estimate_receive_time(now, detail::wall_now(), *r.kernel_time) : now;
    const DatagramResult d =
        client_->on_datagram(std::span<const std::uint8_t>(rx_buffer_.data(), r.length), at);
    if (d.verdict == Verdict::Accepted) emit(ProbeEvent{ProbeEvent::Kind::Reply, d.sequence, d.rtt});
  }
}

void ProbeLoop::on_timer() {
  const TimePoint now = Clock::now();
  drain(now);
  if (!alive_) return;
  serve(now);
}

// Timeouts, then the transmission that is due, then the next wakeup.
void ProbeLoop::serve(TimePoint now) {
  const std::weak_ptr<char> token = alive_;
  for (const ProbeEvent& e : client_->expire(now)) {
    emit(e);
    if (token.expired()) return;
  }
  const bool sending = config_.count == 0 || sent_ < config_.count;
  if (sending && now >= next_send_) {
    send_probe(now);
    next_send_ += config_.interval;
    if (next_send_ <= now) {  // a stall: resume the schedule instead of catching up in a burst
      next_send_ = now + config_.interval;
    }
  }
  arm();
}

void ProbeLoop::send_probe(TimePoint now) {
  const std::size_t n = client_->make_request(now, tx_buffer_);
  ++sent_;
  const ssize_t rc = connected_ ? send(socket_->native_handle(), tx_buffer_.data(), n, MSG_DONTWAIT)
                                : sendto(socket_->native_handle(), tx_buffer_.data(), n, MSG_DONTWAIT,
                                         destination_.get(), destination_.length);
  // A failed send (ENETUNREACH while the tunnel is down, ENOBUFS, ...) is a lost probe: the window
  // judges it at its timeout like any other.
  if (rc < 0) ++send_errors_;
}

void ProbeLoop::arm() {
  TimePoint at = client_->next_deadline();
  if (config_.count == 0 || sent_ < config_.count) at = std::min(at, next_send_);
  if (at == TimePoint::max()) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(at);
  timer_.async_wait([this, token = std::weak_ptr<char>(alive_)](const boost::system::error_code& ec) {
    if (ec || token.expired()) return;
    on_timer();
  });
}

void ProbeLoop::emit(const ProbeEvent& e) {
  if (callback_) callback_(e);
}

}  // namespace wgfo::probe

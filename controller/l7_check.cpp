// L7Monitor (see l7_check.hpp).
#include "controller/l7_check.hpp"

#include <net/if.h>
#include <sys/socket.h>

namespace wgfo {

using tcp = asio::ip::tcp;

struct L7Monitor::Check : std::enable_shared_from_this<Check> {
  Check(asio::io_context& io, TunnelConfig t, Sink& s)
      : tunnel(std::move(t)),
        rf(tunnel.l7_check->fall, tunnel.l7_check->rise),
        sink(s),
        timer(io),
        deadline(io),
        socket(io) {}

  TunnelConfig tunnel;
  RiseFall rf;
  Sink& sink;
  asio::steady_timer timer;
  asio::steady_timer deadline;
  tcp::socket socket;
  bool stopped{false};
  std::string last_error;

  const L7CheckConfig& cfg() const { return *tunnel.l7_check; }

  void attempt() {
    if (stopped) return;
    boost::system::error_code ec;
    const auto local = asio::ip::make_address(tunnel.local_address.to_string(), ec);
    const auto target = asio::ip::make_address(cfg().target.host, ec);
    if (ec) return finish(false, "target is not an address");
    socket.open(target.is_v4() ? tcp::v4() : tcp::v6(), ec);
    if (!ec && ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, tunnel.interface.c_str(),
                            static_cast<socklen_t>(tunnel.interface.size())) != 0) {
      ec = boost::system::error_code(errno, boost::system::system_category());
    }
    if (!ec) socket.bind(tcp::endpoint(local, 0), ec);
    if (ec) return finish(false, "cannot open a socket on " + tunnel.interface + ": " + ec.message());
    deadline.expires_after(cfg().timeout);
    deadline.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
      if (!e) self->socket.cancel();
    });
    socket.async_connect(tcp::endpoint(target, cfg().target.port), [self = shared_from_this()](
                                                                       const boost::system::error_code& e) {
      self->deadline.cancel();
      if (e == asio::error::operation_aborted)
        return self->finish(
            false,
            "no answer within " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::milliseconds>(self->cfg().timeout).count()) +
                " ms");
      self->finish(!e, e ? e.message() : std::string());
    });
  }

  void finish(bool ok, const std::string& why) {
    boost::system::error_code ignored;
    socket.close(ignored);
    if (stopped) return;
    if (!ok) last_error = why;
    if (rf.feed(ok)) {
      const std::string target = cfg().target.to_string();
      sink(tunnel.name, rf.failed(),
           rf.failed() ? "l7 check " + target + " failed " + std::to_string(cfg().fall) +
                             " times in a row: " + last_error
                       : "l7 check " + target + " passed " + std::to_string(cfg().rise) + " times in a row");
    }
    timer.expires_after(cfg().interval);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
      if (!e) self->attempt();
    });
  }

  void stop() {
    stopped = true;
    boost::system::error_code ignored;
    timer.cancel();
    deadline.cancel();
    socket.close(ignored);
  }
};

void L7Monitor::stop() {
  for (auto& c : checks_) c->stop();
  checks_.clear();
}

void L7Monitor::apply(const Config& config) {
  stop();
  for (const TunnelConfig& t : config.tunnels) {
    if (!t.l7_check) continue;
    auto c = std::make_shared<Check>(io_, t, sink_);
    checks_.push_back(c);
    asio::post(io_, [c] { c->attempt(); });
  }
}

}  // namespace wgfo

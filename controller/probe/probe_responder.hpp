#pragma once
// ProbeResponder: answers our UDP probes (probe_packet.hpp) on one local address and port, optionally
// bound to a tunnel interface. All decisions (what to answer, rate limits) are ResponderCore's; this
// class moves datagrams on an io_context the caller owns (single thread, like ProbeLoop).
//
// Replies leave from the address the request was sent to (IP_PKTINFO / IPV6_PKTINFO), through the
// interface it arrived on, to the request's source address and port: with a wildcard bind the kernel
// could otherwise pick another source address, which the sender's connected socket would drop. The
// hold time runs from the kernel's receive timestamp to just before the send, so time the request
// spent queued behind other work on this thread is taken out of the sender's RTT.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bfd/io/asio.hpp"
#include "controller/ip.hpp"
#include "controller/probe/probe_packet.hpp"
#include "controller/probe/responder_core.hpp"

namespace wgfo::probe {

struct ResponderConfig {
  IpAddress local;                   // 0.0.0.0 or :: for every address of the family
  std::string device;                // the tunnel interface; empty: any
  std::uint16_t port{kDefaultPort};  // 0: the kernel's choice (tests)
  ResponderLimits limits{};
};

class ProbeResponder {
 public:
  ProbeResponder(asio::io_context& io, ResponderConfig config);
  ~ProbeResponder();
  ProbeResponder(const ProbeResponder&) = delete;
  ProbeResponder& operator=(const ProbeResponder&) = delete;

  // False with `error` set (and nothing running) when the limits are invalid or the socket cannot be
  // bound (port in use, address not ours, no such interface).
  bool start(std::string& error);
  void stop();
  bool running() const { return socket_.has_value(); }

  std::uint16_t port() const { return bound_port_; }  // after start()
  const ResponderCounters& counters() const { return core_.counters(); }
  // The reason the last malformed datagram was dropped (for a rate-limited debug log).
  const std::string& last_error() const { return last_error_; }

 private:
  void watch();
  void on_readable();
  void reply(const ProbeBytes& bytes, const IpAddress& to, std::uint16_t port,
             const std::optional<IpAddress>& from, std::uint32_t ifindex);

  asio::io_context& io_;
  ResponderConfig config_;
  ResponderCore core_;
  std::optional<asio::posix::stream_descriptor> socket_;
  std::shared_ptr<char> alive_;
  std::vector<std::uint8_t> buffer_;
  std::uint16_t bound_port_{0};
  std::string last_error_;
};

}  // namespace wgfo::probe

#pragma once
// ProbeSender: measures one tunnel with our UDP probe (probe_packet.hpp) against a ProbeResponder on
// the peer. The socket is bound to the tunnel interface and our tunnel address and connected to
// peer:port, so the kernel drops datagrams from anyone else and the probes take the tunnel even while
// routing steers other traffic away from it. The session id is drawn at random on every start().

#include <cstdint>
#include <string>

#include "bfd/io/asio.hpp"
#include "controller/probe/probe_loop.hpp"
#include "controller/probe/probe_packet.hpp"

namespace wgfo::probe {

struct SenderConfig : ProberConfig {
  std::uint16_t port{kDefaultPort};  // the responder's
};

class ProbeSender final : public ProbeLoop {
 public:
  ProbeSender(asio::io_context& io, SenderConfig config) : ProbeLoop(io), config_(std::move(config)) {}

  // Opens the socket and sends the first probe at once. False with `error` set (and nothing running)
  // when the config is invalid or the socket cannot be set up (no such interface, address not ours).
  bool start(std::string& error);

  std::string kind() const override { return "udp"; }
  const SenderConfig& config() const { return config_; }

 private:
  SenderConfig config_;
};

}  // namespace wgfo::probe

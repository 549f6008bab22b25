// UDP probe sender: socket setup around ProbeLoop; see probe_sender.hpp.
#include "controller/probe/probe_sender.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

namespace wgfo::probe {

bool ProbeSender::start(std::string& error) {
  stop();
  if (error = validate(config_); !error.empty()) return false;
  if (config_.port == 0) {
    error = "responder port must not be 0";
    return false;
  }
  const IpFamily family = config_.peer.family();
  const int fd = detail::open_socket(family, SOCK_DGRAM, IPPROTO_UDP, config_.device, error);
  if (fd < 0) return false;
  const std::uint32_t scope = detail::interface_index(config_.device);
  if (config_.local) {
    const detail::SockAddr local = detail::to_sockaddr(*config_.local, 0, scope);
    if (bind(fd, local.get(), local.length) != 0) {
      error = detail::errno_text("bind " + config_.local->to_string());
      close(fd);
      return false;
    }
  }
  const detail::SockAddr peer = detail::to_sockaddr(config_.peer, config_.port, scope);
  if (connect(fd, peer.get(), peer.length) != 0) {
    error = detail::errno_text("connect " + config_.peer.to_string());
    close(fd);
    return false;
  }
  std::random_device rd;
  auto client = std::make_unique<UdpProbeClient>(config_.window, static_cast<std::uint32_t>(rd()));
  run(fd, std::move(client), config_, peer, true);
  return true;
}

}  // namespace wgfo::probe

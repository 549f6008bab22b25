#pragma once
// The daemon's one view of WireGuard, whichever implementation runs an interface: the kernel module
// (generic netlink) or a userspace one (the UAPI socket). The daemon holds a WireguardSource per
// interface and never learns which is behind it; tests substitute a fake.
//
// set_endpoint first reads the interface and refuses a key it has no peer for (Kind::NotFound), so a
// typo in a config key is reported instead of silently doing nothing (both backends send the update
// as update-only, so even a peer removed in between is never re-created). Note that WireGuard roams:
// once a packet from the peer arrives from another address, the endpoint follows it again.

#include <memory>
#include <string>
#include <string_view>

#include "controller/wireguard/genl.hpp"
#include "controller/wireguard/uapi.hpp"
#include "controller/wireguard/wg_types.hpp"

namespace wgfo::wg {

class WireguardSource {
 public:
  virtual ~WireguardSource() = default;
  virtual Result<DeviceStats> read(const std::string& ifname) = 0;
  virtual Result<void> set_endpoint(const std::string& ifname, const Key& peer, const HostPort& endpoint) = 0;
  virtual std::string_view backend() const = 0;  // "uapi" or "genl", for logs and `show`
};

struct SourceOptions {
  UapiClient::Options uapi;
  GenlClient::Options genl;
};

std::unique_ptr<WireguardSource> make_uapi_source(UapiClient::Options options = {});
std::unique_ptr<WireguardSource> make_genl_source(GenlClient::Options options = {});

// UAPI when SOCKET_DIR/IFNAME.sock exists (wireguard-go and friends create it next to the interface),
// otherwise generic netlink. Decided once, when the daemon sets up the interface: a kernel interface
// has no socket, and a userspace one keeps its socket while it lives.
std::unique_ptr<WireguardSource> make_source(std::string_view ifname, const SourceOptions& options = {});

}  // namespace wgfo::wg

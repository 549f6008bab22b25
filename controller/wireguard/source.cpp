// The two WireguardSource backends and the factory that picks between them.

#include "controller/wireguard/source.hpp"

namespace wgfo::wg {
namespace {

// Both backends share the read-before-set check; Client is UapiClient or GenlClient.
template <typename Client>
class ClientSource final : public WireguardSource {
 public:
  ClientSource(typename Client::Options options, std::string_view name) : client_(options), name_(name) {}

  Result<DeviceStats> read(const std::string& ifname) override { return client_.get(ifname); }

  Result<void> set_endpoint(const std::string& ifname, const Key& peer, const HostPort& endpoint) override {
    auto device = client_.get(ifname);
    if (const Error* e = error_of(device)) return *e;
    if (std::get<DeviceStats>(device).find(peer) == nullptr) {
      return Error{Error::Kind::NotFound, ifname + " has no peer " + key_to_base64(peer)};
    }
    return client_.set_endpoint(ifname, peer, endpoint);
  }

  std::string_view backend() const override { return name_; }

 private:
  Client client_;
  std::string_view name_;
};

}  // namespace

std::unique_ptr<WireguardSource> make_uapi_source(UapiClient::Options options) {
  return std::make_unique<ClientSource<UapiClient>>(std::move(options), "uapi");
}

std::unique_ptr<WireguardSource> make_genl_source(GenlClient::Options options) {
  return std::make_unique<ClientSource<GenlClient>>(options, "genl");
}

std::unique_ptr<WireguardSource> make_source(std::string_view ifname, const SourceOptions& options) {
  if (UapiClient(options.uapi).has_socket(ifname)) return make_uapi_source(options.uapi);
  return make_genl_source(options.genl);
}

}  // namespace wgfo::wg

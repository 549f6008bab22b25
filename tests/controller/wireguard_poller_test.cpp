// WireguardPoller (controller/wireguard_poller.hpp) against a fake WireguardSource: what it reads, what
// it reports, and that endpoint changes reach the source. The poller is a thread; the test waits for
// its reports on a condition variable (bounded), it never sleeps for a fixed time.
#include "controller/wireguard_poller.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace wgfo {
namespace {

using namespace std::chrono_literals;
const std::string kKey = "SeNunjce1ayuplf8vtoUI2ofTr31cVoZDH75atV4Wvg=";

struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, wg::PeerProgress>> reports;
  std::vector<std::string> endpoints_set;  // "ifname key endpoint"
  int reads{0};

  template <typename Pred>
  bool wait(Pred pred) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, pred);
  }
};

class FakeSource : public wg::WireguardSource {
 public:
  explicit FakeSource(Shared& s) : s_(s) {}
  wg::Result<wg::DeviceStats> read(const std::string& ifname) override {
    std::lock_guard lock(s_.mu);
    ++s_.reads;
    if (ifname == "wg9") return wg::Error{wg::Error::Kind::NotFound, "no such interface"};
    wg::DeviceStats d;
    d.ifname = ifname;
    wg::PeerStats p;
    p.public_key = std::get<wg::Key>(wg::key_from_base64(kKey));
    p.tx_bytes = 1000 * static_cast<std::uint64_t>(s_.reads);  // sending, never receiving
    d.peers.push_back(p);
    return d;
  }
  wg::Result<void> set_endpoint(const std::string& ifname, const wg::Key& peer, const HostPort& ep) override {
    {
      std::lock_guard lock(s_.mu);
      s_.endpoints_set.push_back(ifname + " " + wg::key_to_base64(peer) + " " + ep.to_string());
    }
    s_.cv.notify_all();
    return std::monostate{};
  }
  std::string_view backend() const override { return "fake"; }

 private:
  Shared& s_;
};

WireguardPoller make_poller(Shared& s) {
  return WireguardPoller(
      [&s](const std::string& tunnel, const wg::PeerProgress& p) {
        {
          std::lock_guard lock(s.mu);
          s.reports.emplace_back(tunnel, p);
        }
        s.cv.notify_all();
      },
      [&s](const std::string&) { return std::make_unique<FakeSource>(s); }, 10ms);
}

TEST(WireguardPoller, ReportsEveryWatchedPeer) {
  Shared s;
  auto poller = make_poller(s);
  poller.set_watches({{"primary", "wg0", kKey}, {"ghost", "wg9", kKey}});
  ASSERT_TRUE(s.wait([&] { return s.reports.size() >= 4; }));
  poller.stop();
  std::lock_guard lock(s.mu);
  EXPECT_EQ(s.reports[0].first, "primary");
  EXPECT_TRUE(s.reports[0].second.first_sample);
  EXPECT_EQ(s.reports[1].first, "ghost");  // unreadable: reported, with no stall claimed
  EXPECT_FALSE(s.reports[1].second.rx_stalled);
  EXPECT_FALSE(s.reports[2].second.first_sample);  // the tracker keeps state between rounds
  EXPECT_GT(s.reports[2].second.unanswered_tx_bytes, 0U);
}

TEST(WireguardPoller, SetsEndpointsOnItsThread) {
  Shared s;
  auto poller = make_poller(s);
  poller.set_endpoint("wg0", kKey, HostPort{"198.51.100.2", 51820});
  poller.set_endpoint("wg0", "not a key", HostPort{"198.51.100.3", 51820});  // refused, logged
  ASSERT_TRUE(s.wait([&] { return !s.endpoints_set.empty(); }));
  poller.stop();
  std::lock_guard lock(s.mu);
  EXPECT_EQ(s.endpoints_set, std::vector<std::string>{"wg0 " + kKey + " 198.51.100.2:51820"});
}

TEST(WireguardPoller, StopsWithNothingToDo) {
  Shared s;
  auto poller = make_poller(s);
  poller.stop();
  poller.stop();  // idempotent
  EXPECT_TRUE(s.reports.empty());
}

}  // namespace
}  // namespace wgfo

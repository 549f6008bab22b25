// The L7 check (controller/l7_check.hpp): RiseFall's counting, and L7Monitor against a real TCP listener
// on loopback (bound to `lo` like a tunnel interface; needs root for SO_BINDTODEVICE, as tests/run.sh
// runs). The io_context runs until the expected verdict arrives or a bound passes; nothing sleeps.
#include "controller/l7_check.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace wgfo {
namespace {

using namespace std::chrono_literals;

TEST(RiseFall, FailsAfterFallInARowAndClearsAfterRiseInARow) {
  RiseFall rf(3, 2);
  EXPECT_FALSE(rf.failed());  // starts passing
  EXPECT_FALSE(rf.feed(false));
  EXPECT_FALSE(rf.feed(false));
  EXPECT_FALSE(rf.feed(true));  // the streak breaks
  EXPECT_FALSE(rf.feed(false));
  EXPECT_FALSE(rf.feed(false));
  EXPECT_TRUE(rf.feed(false));  // 3 in a row
  EXPECT_TRUE(rf.failed());
  EXPECT_FALSE(rf.feed(true));
  EXPECT_FALSE(rf.feed(false));
  EXPECT_FALSE(rf.feed(true));
  EXPECT_TRUE(rf.feed(true));  // 2 in a row
  EXPECT_FALSE(rf.failed());
}

struct Verdict {
  bool failed;
  std::string cause;
};

TEST(L7Monitor, SeesTheServiceGoAndComeBackThroughTheInterface) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  std::vector<Verdict> seen;
  L7Monitor monitor(io, [&](const std::string& tunnel, bool failed, const std::string& cause) {
    EXPECT_EQ(tunnel, "primary");
    seen.push_back({failed, cause});
  });
  Config c;
  TunnelConfig t;
  t.name = "primary";
  t.interface = "lo";
  t.local_address = *IpAddress::parse("127.0.0.1");
  t.peer_address = *IpAddress::parse("127.0.0.2");
  t.l7_check = L7CheckConfig{HostPort{"127.0.0.1", port}, 50ms, 40ms, 2, 1};
  c.tunnels.push_back(t);
  monitor.apply(c);
  const auto run_until = [&](std::size_t n) {
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (seen.size() < n && std::chrono::steady_clock::now() < end) io.run_one_for(100ms);
  };
  run_until(1);
  EXPECT_TRUE(seen.empty()) << seen[0].cause;  // a listening service: the check keeps passing
  acceptor.close();                            // refused from now on
  run_until(1);
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_TRUE(seen[0].failed);
  EXPECT_EQ(
      seen[0].cause.rfind("l7 check 127.0.0.1:" + std::to_string(port) + " failed 2 times in a row: ", 0), 0U)
      << seen[0].cause;
  asio::ip::tcp::acceptor again(io, {asio::ip::make_address("127.0.0.1"), port});
  run_until(2);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_FALSE(seen[1].failed);
  EXPECT_EQ(seen[1].cause, "l7 check 127.0.0.1:" + std::to_string(port) + " passed 1 times in a row");
  monitor.stop();
  io.run_for(100ms);  // handlers of the stopped checker run and do nothing
  EXPECT_EQ(seen.size(), 2U);
}

}  // namespace
}  // namespace wgfo

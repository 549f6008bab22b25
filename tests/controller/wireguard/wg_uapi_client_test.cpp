// UapiClient and the WireguardSource factory against a fake UAPI server: a unix socket in a temporary
// directory, served by a thread that records each request and plays a scripted reply. The misbehaving
// peers a daemon must survive are scripted too: one that never accepts, one that stops mid-reply, one
// that hangs up mid-reply, one that never stops talking. Deadlines are short (100 ms) and only ever
// expire against a peer that is silent on purpose, so no outcome depends on timing.

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "controller/wireguard/source.hpp"
#include "controller/wireguard/uapi.hpp"

namespace wgfo::wg {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr std::string_view kKeyA = "b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33";
constexpr std::string_view kKeyB = "58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376";

Key key(std::string_view hex) {
  return std::get<Key>(key_from_hex(hex));
}

std::string reply_with_peer(std::string_view hex) {
  return "listen_port=51820\npublic_key=" + std::string(hex) +
         "\nendpoint=192.0.2.2:51820\ntx_bytes=10\nrx_bytes=20\nerrno=0\n\n";
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "wgfo-uapi-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int listen_at(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, 1) != 0) {
    throw std::runtime_error("cannot listen at " + path);
  }
  return fd;
}

// Waits up to 5 s for fd to become readable (a safety net: a broken test must not hang ctest).
bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 5000) > 0;
}

struct Script {
  std::string reply;
  bool hold{false};  // after the reply, keep the connection open until the client hangs up
};

// Serves one connection per script entry, in order, on its own thread.
class FakeUapi {
 public:
  FakeUapi(const std::string& dir, const std::string& ifname, std::vector<Script> scripts)
      : listener_(listen_at(dir + "/" + ifname + ".sock")),
        thread_([this, s = std::move(scripts)] { run(s); }) {}
  ~FakeUapi() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }
  // The requests received; waits for the scripts to finish (call after the client's last operation).
  std::vector<std::string> done() {
    if (thread_.joinable()) thread_.join();
    return requests_;
  }

 private:
  void run(const std::vector<Script>& scripts) {
    for (const Script& s : scripts) {
      if (!readable(listener_)) return;
      const int conn = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) return;
      std::string request;
      char buf[256];
      while (!uapi_reply_complete(request) && readable(conn)) {
        const ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      requests_.push_back(request);
      if (!s.reply.empty()) (void)::send(conn, s.reply.data(), s.reply.size(), MSG_NOSIGNAL);
      if (s.hold) {
        while (readable(conn) && ::recv(conn, buf, sizeof(buf), 0) > 0) {
        }
      }
      ::close(conn);
    }
  }

  int listener_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

UapiClient client_in(const TempDir& dir, std::size_t max_reply = 1 << 20) {
  return UapiClient(
      UapiClient::Options{.socket_dir = dir.path(), .timeout = 100ms, .max_reply_bytes = max_reply});
}

TEST(WgUapiClient, GetsAndParses) {
  TempDir dir;
  FakeUapi server(dir.path(), "wg0", {{reply_with_peer(kKeyA)}});
  const auto r = client_in(dir).get("wg0");
  ASSERT_EQ(error_of(r), nullptr) << error_of(r)->message;
  const auto& d = std::get<DeviceStats>(r);
  EXPECT_EQ(d.ifname, "wg0");
  ASSERT_EQ(d.peers.size(), 1U);
  EXPECT_EQ(d.peers[0].rx_bytes, 20U);
  EXPECT_EQ(server.done(), std::vector<std::string>{"get=1\n\n"});
}

TEST(WgUapiClient, SetsAnEndpoint) {
  TempDir dir;
  FakeUapi server(dir.path(), "wg0", {{"errno=0\n\n"}});
  const auto r = client_in(dir).set_endpoint("wg0", key(kKeyA), HostPort{"2001:db8::7", 51999});
  EXPECT_EQ(error_of(r), nullptr);
  EXPECT_EQ(server.done(), std::vector<std::string>{"set=1\npublic_key=" + std::string(kKeyA) +
                                                    "\nupdate_only=true\nendpoint=[2001:db8::7]:51999\n\n"});
}

TEST(WgUapiClient, ReportsARejectedSet) {
  TempDir dir;
  FakeUapi server(dir.path(), "wg0", {{"errno=-22\n\n"}});
  const auto r = client_in(dir).set_endpoint("wg0", key(kKeyA), HostPort{"192.0.2.9", 1});
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_EQ(error_of(r)->kind, Error::Kind::Rejected);
}

TEST(WgUapiClient, AListenerThatNeverAcceptsTimesOut) {
  TempDir dir;
  const int listener = listen_at(dir.path() + "/wg0.sock");  // connect succeeds into the backlog
  const auto r = client_in(dir).get("wg0");
  ::close(listener);
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_EQ(error_of(r)->kind, Error::Kind::Timeout);
  EXPECT_THAT(error_of(r)->message, HasSubstr("100 ms"));
}

TEST(WgUapiClient, APeerThatStopsMidReplyTimesOut) {
  TempDir dir;
  FakeUapi server(dir.path(), "wg0", {{"listen_port=51820\npublic_key=", true}});
  const auto r = client_in(dir).get("wg0");
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_EQ(error_of(r)->kind, Error::Kind::Timeout);
  EXPECT_THAT(error_of(r)->message, HasSubstr("29 bytes received"));
}

TEST(WgUapiClient, APeerThatHangsUpMidReplyIsATruncation) {
  TempDir dir;
  FakeUapi server(dir.path(), "wg0", {{"listen_port=51820\n"}});
  const auto r = client_in(dir).get("wg0");
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed);
  EXPECT_THAT(error_of(r)->message, HasSubstr("truncated"));
}

TEST(WgUapiClient, CapsTheReplySize) {
  TempDir dir;
  std::string endless;
  for (int i = 0; i < 100; ++i) endless += "allowed_ip=10.0.0.0/8\n";
  FakeUapi server(dir.path(), "wg0", {{endless, true}});
  const auto r = client_in(dir, 256).get("wg0");
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed);
  EXPECT_THAT(error_of(r)->message, HasSubstr("larger than 256 bytes"));
}

TEST(WgUapiClient, MissingOrStaleSocketIsNotFound) {
  TempDir dir;
  const auto missing = client_in(dir).get("wg0");
  ASSERT_NE(error_of(missing), nullptr);
  EXPECT_EQ(error_of(missing)->kind, Error::Kind::NotFound);
  ::close(listen_at(dir.path() + "/wg1.sock"));  // the file stays, nobody listens: ECONNREFUSED
  const auto stale = client_in(dir).get("wg1");
  ASSERT_NE(error_of(stale), nullptr);
  EXPECT_EQ(error_of(stale)->kind, Error::Kind::NotFound);
  EXPECT_THAT(error_of(stale)->message, HasSubstr("running"));
}

TEST(WgUapiClient, RefusesABadInterfaceName) {
  TempDir dir;
  const auto r = client_in(dir).get("../wg0");
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed);
}

TEST(WgUapiClient, HasSocketOnlyForSockets) {
  TempDir dir;
  const int listener = listen_at(dir.path() + "/wg0.sock");
  std::ofstream(dir.path() + "/wg1.sock") << "not a socket";
  const UapiClient c = client_in(dir);
  EXPECT_TRUE(c.has_socket("wg0"));
  EXPECT_FALSE(c.has_socket("wg1"));
  EXPECT_FALSE(c.has_socket("wg2"));
  EXPECT_FALSE(c.has_socket(".."));
  EXPECT_EQ(c.socket_path("wg0"), dir.path() + "/wg0.sock");
  ::close(listener);
}

TEST(WgSource, FactoryPicksUapiWhenTheSocketExists) {
  TempDir dir;
  const int listener = listen_at(dir.path() + "/wg0.sock");
  const SourceOptions options{.uapi = {.socket_dir = dir.path(), .timeout = 100ms}};
  EXPECT_EQ(make_source("wg0", options)->backend(), "uapi");
  EXPECT_EQ(make_source("wg1", options)->backend(), "genl");
  ::close(listener);
}

TEST(WgSource, SetEndpointRefusesAnUnknownPeerAndSendsNothing) {
  TempDir dir;
  FakeUapi server(dir.path(), "wg0", {{reply_with_peer(kKeyA)}});
  auto source = make_uapi_source({.socket_dir = dir.path(), .timeout = 100ms});
  const auto r = source->set_endpoint("wg0", key(kKeyB), HostPort{"192.0.2.9", 51820});
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_EQ(error_of(r)->kind, Error::Kind::NotFound);
  EXPECT_THAT(error_of(r)->message, HasSubstr(key_to_base64(key(kKeyB))));
  EXPECT_EQ(server.done(), std::vector<std::string>{"get=1\n\n"});  // no set was sent
}

TEST(WgSource, SetEndpointOfAKnownPeer) {
  TempDir dir;
  FakeUapi server(dir.path(), "wg0", {{reply_with_peer(kKeyA)}, {"errno=0\n\n"}});
  auto source = make_uapi_source({.socket_dir = dir.path(), .timeout = 100ms});
  const auto r = source->set_endpoint("wg0", key(kKeyA), HostPort{"192.0.2.9", 51820});
  EXPECT_EQ(error_of(r), nullptr);
  const auto requests = server.done();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_THAT(requests[1], HasSubstr("endpoint=192.0.2.9:51820\n\n"));
}

TEST(WgSource, SetEndpointDoesNotTouchTheSocketForABadEndpoint) {
  TempDir dir;
  FakeUapi server(dir.path(), "wg0", {{reply_with_peer(kKeyA)}});
  auto source = make_uapi_source({.socket_dir = dir.path(), .timeout = 100ms});
  const auto r = source->set_endpoint("wg0", key(kKeyA), HostPort{"vpn.example.net", 51820});
  ASSERT_NE(error_of(r), nullptr);
  EXPECT_EQ(error_of(r)->kind, Error::Kind::Malformed);
  EXPECT_EQ(server.done(), std::vector<std::string>{"get=1\n\n"});
}

}  // namespace
}  // namespace wgfo::wg

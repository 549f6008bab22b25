// ApiServer over a real unix socket with a fake backend: permissions, stale and busy sockets, the
// one-line handlers and their status codes.
#include "controller/api/api_server.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "wgfailover/v1/failover.grpc.pb.h"

namespace wgfo::api {
namespace {

ApiConfig socket_config(const std::string& path, const std::string& group) {
  ApiConfig c;
  c.socket = path;
  c.socket_group = group;
  return c;
}

class FakeBackend final : public ApiBackend {
 public:
  grpc::Status list_tunnels(const v1::ListTunnelsRequest&, v1::ListTunnelsResponse* resp) override {
    resp->add_tunnels()->set_name("primary");
    return grpc::Status::OK;
  }
  grpc::Status get_tunnel(const v1::GetTunnelRequest& req, v1::GetTunnelResponse* resp) override {
    if (req.name() != "primary")
      return {grpc::StatusCode::NOT_FOUND, "no tunnel named \"" + req.name() + "\""};
    resp->mutable_tunnel()->set_name("primary");
    return grpc::Status::OK;
  }
  grpc::Status list_routes(const v1::ListRoutesRequest&, v1::ListRoutesResponse* resp) override {
    resp->add_routes()->set_prefix("10.20.0.0/16");
    return grpc::Status::OK;
  }
  grpc::Status get_status(const v1::GetStatusRequest&, v1::GetStatusResponse* resp) override {
    resp->set_node("site-a");
    return grpc::Status::OK;
  }
  grpc::Status list_events(const v1::ListEventsRequest& req, v1::ListEventsResponse* resp) override {
    resp->add_events()->set_tunnel(req.tunnel());
    return grpc::Status::OK;
  }
  // Streams the initial state (if asked) and two events, then ends as the daemon does when stopping.
  grpc::Status watch_events(const v1::WatchEventsRequest& req, EventStream& stream) override {
    v1::WatchEventsResponse m;
    if (req.initial_state()) {
      m.mutable_tunnel()->set_name("primary");
      if (!stream.write(m)) return grpc::Status::OK;
    }
    for (const char* cause : {"bfd down", "bfd up"}) {
      m.mutable_event()->set_cause(cause);
      if (!stream.write(m)) return grpc::Status::OK;
    }
    return {grpc::StatusCode::UNAVAILABLE, "wg-failoverd is stopping"};
  }
  grpc::Status drain_tunnel(const v1::DrainTunnelRequest& req, v1::DrainTunnelResponse* resp) override {
    if (req.dry_run()) resp->add_route_changes()->set_prefix("10.20.0.0/16");
    resp->mutable_tunnel()->set_name(req.name());
    return grpc::Status::OK;
  }
  grpc::Status undrain_tunnel(const v1::UndrainTunnelRequest&, v1::UndrainTunnelResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status set_override(const v1::SetOverrideRequest& req, v1::SetOverrideResponse*) override {
    if (req.ttl_ms() <= 0)
      return {grpc::StatusCode::INVALID_ARGUMENT, "override duration must be more than 0s"};
    return grpc::Status::OK;
  }
  grpc::Status clear_override(const v1::ClearOverrideRequest&, v1::ClearOverrideResponse*) override {
    return {grpc::StatusCode::FAILED_PRECONDITION, "tunnel \"primary\" has no override"};
  }
  grpc::Status reload(const v1::ReloadRequest&, v1::ReloadResponse* resp) override {
    resp->add_warnings("frr section changes take effect at the next restart");
    return grpc::Status::OK;
  }
};

struct ApiServerTest : ::testing::Test {
  void SetUp() override {
    char tmpl[] = "/tmp/wgfo-api-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    path = dir + "/sub/api.sock";
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::unique_ptr<v1::FailoverService::Stub> stub() {
    return v1::FailoverService::NewStub(
        grpc::CreateChannel("unix:" + path, grpc::InsecureChannelCredentials()));
  }

  std::string dir;
  std::string path;
  FakeBackend backend;
};

TEST_F(ApiServerTest, ServesOnAUnixSocketWithMode0660) {
  ApiServer server(backend);
  std::string error;
  ASSERT_TRUE(server.start(socket_config(path, ""), error)) << error;
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660U);

  grpc::ClientContext ctx;
  v1::ListTunnelsResponse resp;
  ASSERT_TRUE(stub()->ListTunnels(&ctx, {}, &resp).ok());
  ASSERT_EQ(resp.tunnels_size(), 1);
  EXPECT_EQ(resp.tunnels(0).name(), "primary");

  grpc::ClientContext ctx2;
  v1::GetTunnelRequest req;
  req.set_name("nope");
  v1::GetTunnelResponse got;
  const grpc::Status s = stub()->GetTunnel(&ctx2, req, &got);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "no tunnel named \"nope\"");

  server.stop();
  EXPECT_FALSE(std::filesystem::exists(path));  // removed on stop
}

TEST_F(ApiServerTest, RefusesASocketAnotherDaemonServes) {
  ApiServer first(backend);
  std::string error;
  ASSERT_TRUE(first.start(socket_config(path, ""), error)) << error;
  ApiServer second(backend);
  EXPECT_FALSE(second.start(socket_config(path, ""), error));
  EXPECT_NE(error.find("already running"), std::string::npos) << error;
  grpc::ClientContext ctx;
  v1::ListTunnelsResponse resp;
  EXPECT_TRUE(stub()->ListTunnels(&ctx, {}, &resp).ok());  // the first one still serves
}

TEST_F(ApiServerTest, ReplacesAStaleSocketLeftByACrash) {
  std::filesystem::create_directories(dir + "/sub");
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  close(fd);  // bound, never listening: what a crashed daemon leaves
  ApiServer server(backend);
  std::string error;
  ASSERT_TRUE(server.start(socket_config(path, ""), error)) << error;
  grpc::ClientContext ctx;
  v1::ListTunnelsResponse resp;
  EXPECT_TRUE(stub()->ListTunnels(&ctx, {}, &resp).ok());
}

TEST_F(ApiServerTest, RefusesAPathThatIsNotASocket) {
  std::filesystem::create_directories(dir + "/sub");
  std::ofstream(path) << "not a socket";
  ApiServer server(backend);
  std::string error;
  EXPECT_FALSE(server.start(socket_config(path, ""), error));
  EXPECT_NE(error.find("is not a socket"), std::string::npos) << error;
}

TEST_F(ApiServerTest, UnknownGroupIsReportedButServes) {
  ApiServer server(backend);
  std::string error;
  ASSERT_TRUE(server.start(socket_config(path, "no-such-group-wgfo"), error));
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

// Every handler is a one-line adapter: request fields in, response and status out, unchanged.
TEST_F(ApiServerTest, EveryRpcReachesItsBackendMethod) {
  ApiServer server(backend);
  std::string error;
  ASSERT_TRUE(server.start(socket_config(path, ""), error)) << error;
  auto s = stub();
  {
    grpc::ClientContext ctx;
    v1::GetStatusResponse r;
    ASSERT_TRUE(s->GetStatus(&ctx, {}, &r).ok());
    EXPECT_EQ(r.node(), "site-a");
  }
  {
    grpc::ClientContext ctx;
    v1::ListEventsRequest req;
    req.set_tunnel("backup");
    v1::ListEventsResponse r;
    ASSERT_TRUE(s->ListEvents(&ctx, req, &r).ok());
    ASSERT_EQ(r.events_size(), 1);
    EXPECT_EQ(r.events(0).tunnel(), "backup");
  }
  {
    grpc::ClientContext ctx;
    v1::DrainTunnelRequest req;
    req.set_name("primary");
    req.set_dry_run(true);
    v1::DrainTunnelResponse r;
    ASSERT_TRUE(s->DrainTunnel(&ctx, req, &r).ok());
    EXPECT_EQ(r.tunnel().name(), "primary");
    EXPECT_EQ(r.route_changes_size(), 1);
  }
  {
    grpc::ClientContext ctx;
    v1::UndrainTunnelResponse r;
    EXPECT_TRUE(s->UndrainTunnel(&ctx, {}, &r).ok());
  }
  {
    grpc::ClientContext ctx;
    v1::SetOverrideRequest req;
    req.set_ttl_ms(-5);
    v1::SetOverrideResponse r;
    EXPECT_EQ(s->SetOverride(&ctx, req, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext ctx;
    v1::ClearOverrideResponse r;
    const grpc::Status st = s->ClearOverride(&ctx, {}, &r);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(st.error_message(), "tunnel \"primary\" has no override");
  }
  {
    grpc::ClientContext ctx;
    v1::ReloadResponse r;
    ASSERT_TRUE(s->Reload(&ctx, {}, &r).ok());
    EXPECT_EQ(r.warnings_size(), 1);
  }
}

TEST_F(ApiServerTest, WatchEventsStreamsInOrderAndEndsWithTheBackendsStatus) {
  ApiServer server(backend);
  std::string error;
  ASSERT_TRUE(server.start(socket_config(path, ""), error)) << error;
  auto s = stub();
  grpc::ClientContext ctx;
  v1::WatchEventsRequest req;
  req.set_initial_state(true);
  auto reader = s->WatchEvents(&ctx, req);
  std::vector<std::string> got;
  v1::WatchEventsResponse m;
  while (reader->Read(&m)) got.push_back(m.has_tunnel() ? "state " + m.tunnel().name() : m.event().cause());
  const grpc::Status st = reader->Finish();
  EXPECT_EQ(got, (std::vector<std::string>{"state primary", "bfd down", "bfd up"}));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(st.error_message(), "wg-failoverd is stopping");
}

}  // namespace
}  // namespace wgfo::api

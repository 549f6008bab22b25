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

#include "wgfailover/v1/failover.grpc.pb.h"

namespace wgfo::api {
namespace {

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
  ASSERT_TRUE(server.start(path, "", error)) << error;
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
  ASSERT_TRUE(first.start(path, "", error)) << error;
  ApiServer second(backend);
  EXPECT_FALSE(second.start(path, "", error));
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
  ASSERT_TRUE(server.start(path, "", error)) << error;
  grpc::ClientContext ctx;
  v1::ListTunnelsResponse resp;
  EXPECT_TRUE(stub()->ListTunnels(&ctx, {}, &resp).ok());
}

TEST_F(ApiServerTest, RefusesAPathThatIsNotASocket) {
  std::filesystem::create_directories(dir + "/sub");
  std::ofstream(path) << "not a socket";
  ApiServer server(backend);
  std::string error;
  EXPECT_FALSE(server.start(path, "", error));
  EXPECT_NE(error.find("is not a socket"), std::string::npos) << error;
}

TEST_F(ApiServerTest, UnknownGroupIsReportedButServes) {
  ApiServer server(backend);
  std::string error;
  ASSERT_TRUE(server.start(path, "no-such-group-wgfo", error));
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

}  // namespace
}  // namespace wgfo::api

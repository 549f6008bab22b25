// Config loader: tunnels[].bfd.authentication and its secret file. The secret must load exactly (no
// trailing newline), and no error about the file may ever print its contents.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "controller/config.hpp"
#include "tests/controller/config_test_util.hpp"

namespace wgfo {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace config_test;

class ConfigAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "wgfo-auth-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const std::string& f : files_) ::unlink(f.c_str());
    ::rmdir(dir_.c_str());
  }

  std::string secret_file(const std::string& name, const std::string& contents, mode_t mode = 0600) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << contents;
    ::chmod(path.c_str(), mode);
    files_.push_back(path);
    return path;
  }

  static std::string with_auth(const std::string& auth) {
    return "node: lab\ntunnels:\n  - {name: t1, interface: wg0, local_address: 10.0.0.1, peer_address: "
           "10.0.0.2,\n"
           "     bfd: {authentication: " +
           auth + "}}\n";
  }

  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(ConfigAuthTest, LoadsTypeKeyIdAndTheSecretWithoutItsNewline) {
  const std::string f = secret_file("k", "correct horse\n");
  const LoadResult r = load(with_auth("{type: keyed-sha1, key_id: 7, secret_file: " + f + "}"));
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto& a = r.config->tunnels[0].bfd.authentication;
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->type, BfdAuthentication::Type::KeyedSha1);
  EXPECT_EQ(a->key_id, 7);
  EXPECT_EQ(a->secret, "correct horse");
  EXPECT_EQ(a->secret_file, f);
}

TEST_F(ConfigAuthTest, DefaultsToMeticulousWithKeyIdOne) {
  const std::string f = secret_file("k", std::string(20, 'x'));
  const LoadResult r = load(with_auth("{secret_file: " + f + "}"));
  ASSERT_TRUE(r.config) << all_errors(r);
  const auto& a = r.config->tunnels[0].bfd.authentication;
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->type, BfdAuthentication::Type::MeticulousKeyedSha1);
  EXPECT_EQ(a->key_id, 1);
  EXPECT_EQ(a->secret.size(), 20u);
  EXPECT_FALSE(load(kMinimal).config->tunnels[0].bfd.authentication.has_value());
}

struct BadSecret {
  const char* name;
  const char* contents;
  mode_t mode;
  const char* message;
};

TEST_F(ConfigAuthTest, BadSecretFilesAreRefusedWithoutShowingTheSecret) {
  const BadSecret cases[] = {
      {"world_readable", "s3cret-value\n", 0644, "readable by other users"},
      {"too_long", "s3cret-value-that-is-too-long\n", 0600, "must hold 1..20 bytes"},
      {"empty", "\n", 0600, "must hold 1..20 bytes"},
  };
  for (const BadSecret& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string f = secret_file(c.name, c.contents, c.mode);
    const LoadResult r = load(with_auth("{secret_file: " + f + "}"));
    EXPECT_FALSE(r.config);
    ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
    EXPECT_EQ(r.errors[0].key, "tunnels[0].bfd.authentication.secret_file");
    EXPECT_THAT(all_errors(r), HasSubstr(c.message));
    EXPECT_THAT(all_errors(r), Not(HasSubstr("s3cret")));
  }
}

TEST_F(ConfigAuthTest, OtherMistakesNameTheirKey) {
  const std::string f = secret_file("k", "s3cret");
  const struct {
    std::string yaml;
    std::string key;
    std::string message;
  } cases[] = {
      {with_auth("{secret_file: " + dir_ + "/missing}"), "tunnels[0].bfd.authentication.secret_file",
       "cannot open"},
      {with_auth("{secret_file: " + dir_ + "}"), "tunnels[0].bfd.authentication.secret_file",
       "not a regular file"},
      {with_auth("{secret_file: bfd.key}"), "tunnels[0].bfd.authentication.secret_file",
       "must be an absolute path to a file"},
      {with_auth("{type: keyed-md5, secret_file: " + f + "}"), "tunnels[0].bfd.authentication.type",
       "is not offered; use keyed-sha1 or meticulous-keyed-sha1"},
      {with_auth("{key_id: 256, secret_file: " + f + "}"), "tunnels[0].bfd.authentication.key_id", "0..255"},
      {with_auth("{type: keyed-sha1}"), "tunnels[0].bfd.authentication.secret_file", "missing required key"},
      {"node: lab\nbfd_defaults: {authentication: {secret_file: " + f +
           "}}\ntunnels:\n  - {name: t1, interface: wg0, local_address: 10.0.0.1, peer_address: 10.0.0.2}\n",
       "bfd_defaults.authentication", "authentication is set per tunnel"},
      {"node: lab\ntunnels:\n  - {name: t1, interface: wg0, local_address: 10.0.0.1, peer_address: "
       "10.0.0.2,\n"
       "     quality: {degraded_loss: 5%}, bfd: {enabled: false, authentication: {secret_file: " +
           f + "}}}\n",
       "tunnels[0].bfd.authentication", "has no effect with bfd.enabled: false"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    const LoadResult r = load(c.yaml);
    EXPECT_FALSE(r.config);
    ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
    EXPECT_EQ(r.errors[0].key, c.key);
    EXPECT_THAT(all_errors(r), HasSubstr(c.message));
    EXPECT_THAT(all_errors(r), Not(HasSubstr("s3cret")));
  }
}

}  // namespace
}  // namespace wgfo

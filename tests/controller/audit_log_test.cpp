// Audit log (controller/audit_log.hpp): the exact line for a full record, escaping of hostile names and
// cause texts, that nothing beyond the record's fields can appear, which prefixes count as changed, and
// the file: mode 0640, appending, reopen after a rotation, and failures that are counted, not thrown.

#include "controller/audit_log.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace wgfo {
namespace {

using namespace std::chrono_literals;
using Sys = std::chrono::system_clock;

// 2026-11-24T21:30:27.123Z
const Sys::time_point kWhen = Sys::time_point{} + 1795555827s + 123ms;

IpPrefix pfx(const char* text) {
  return *IpPrefix::parse(text);
}

RouteView view(const char* prefix, std::vector<std::string> active, bool kill_switch = false,
               bool signalled = false) {
  return RouteView{pfx(prefix), std::move(active), kill_switch, signalled};
}

AuditRecord failover_record() {
  AuditRecord r;
  r.time = kWhen;
  r.version = 7;
  r.prefix = pfx("10.20.0.0/16");
  r.before = view("10.20.0.0/16", {"primary"});
  r.after = view("10.20.0.0/16", {"backup"}, false, true);
  r.cause = {{kWhen - 150ms, "primary", TunnelState::Up, TunnelState::Down,
              "bfd down: control-detection-time-expired"}};
  r.tunnels = {{"primary", TunnelState::Down}, {"backup", TunnelState::Degraded}};
  r.staticd_transaction_id = 42;
  return r;
}

TEST(AuditLine, FullRecordHasTheDocumentedShapeAndOrder) {
  EXPECT_EQ(audit_line(failover_record()),
            R"({"time":"2026-11-24T21:30:27.123Z","version":7,"prefix":"10.20.0.0/16",)"
            R"("before":{"active":["primary"],"kill_switch":false,"signalled":false},)"
            R"("after":{"active":["backup"],"kill_switch":false,"signalled":true},)"
            R"("cause":[{"time":"2026-11-24T21:30:26.973Z","tunnel":"primary","from":"up","to":"down",)"
            R"("cause":"bfd down: control-detection-time-expired"}],)"
            R"("tunnels":{"primary":"down","backup":"degraded"},)"
            R"("frr":{"staticd":{"transaction_id":42},"bgpd":null}})");
}

TEST(AuditLine, AbsentSidesAndUncommittedDaemonsAreNull) {
  AuditRecord r;
  r.time = kWhen;
  r.prefix = pfx("2001:db8:20::/48");
  r.after = view("2001:db8:20::/48", {}, true);
  r.bgpd_transaction_id = 0;  // committed, FRR found nothing to change
  const auto j = nlohmann::json::parse(audit_line(r));
  EXPECT_TRUE(j["before"].is_null());
  EXPECT_EQ(j["after"]["active"], nlohmann::json::array());
  EXPECT_EQ(j["after"]["kill_switch"], true);
  EXPECT_EQ(j["prefix"], "2001:db8:20::/48");
  EXPECT_EQ(j["cause"], nlohmann::json::array());
  EXPECT_EQ(j["tunnels"], nlohmann::json::object());
  EXPECT_TRUE(j["frr"]["staticd"].is_null());
  ASSERT_TRUE(j["frr"]["bgpd"].is_object());                  // committed ...
  EXPECT_TRUE(j["frr"]["bgpd"]["transaction_id"].is_null());  // ... without an id to look up
}

TEST(AuditLine, EveryStateHasItsDesignName) {
  AuditRecord r;
  r.tunnels = {{"a", TunnelState::Up},
               {"b", TunnelState::Degraded},
               {"c", TunnelState::Down},
               {"d", TunnelState::AdminDown}};
  const auto j = nlohmann::json::parse(audit_line(r));
  EXPECT_EQ(j["tunnels"],
            (nlohmann::json{{"a", "up"}, {"b", "degraded"}, {"c", "down"}, {"d", "admin-down"}}));
}

TEST(AuditLine, HostileNamesAndCausesAreEscapedIntoOneLine) {
  AuditRecord r = failover_record();
  const std::string tunnel = "private_key\": \"SeNunjce1ayuplf8vtoUI2ofTr31cVoZDH75atV4Wvg=";
  const std::string cause = "quote \" backslash \\ newline \n tab \t bell \x07 end";
  r.tunnels = {{tunnel, TunnelState::Up}};
  r.cause = {{kWhen, tunnel, TunnelState::Down, TunnelState::Up, cause}};
  r.before->active = {tunnel};
  const std::string line = audit_line(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);  // one record, one line
  EXPECT_EQ(line.find('\x07'), std::string::npos);
  EXPECT_NE(line.find(R"(newline \n tab \t bell \u0007)"), std::string::npos);
  const auto j = nlohmann::json::parse(line);  // and it reads back as exactly what went in
  EXPECT_EQ(j["tunnels"].size(), 1U);
  EXPECT_EQ(j["tunnels"][tunnel], "up");
  EXPECT_EQ(j["cause"][0]["tunnel"], tunnel);
  EXPECT_EQ(j["cause"][0]["cause"], cause);
  EXPECT_EQ(j["before"]["active"][0], tunnel);
  EXPECT_FALSE(j.contains("private_key"));  // the name stayed a value, not a key of the record
}

TEST(AuditLine, InvalidUtf8IsReplacedNotThrown) {
  AuditRecord r = failover_record();
  r.cause[0].cause = "bad \xff\xfe byte";
  std::string line;
  ASSERT_NO_THROW(line = audit_line(r));
  EXPECT_NE(line.find("bad \xEF\xBF\xBD"), std::string::npos);  // U+FFFD
  EXPECT_TRUE(nlohmann::json::accept(line));
}

TEST(AuditLine, HoldsOnlyTheRecordsFieldsSoNoSecretCanAppear) {
  // A record built from everything a route change has (views, decisions, states, commits). A WireGuard
  // key is none of those: AuditRecord has no free-form field it could travel in.
  const std::string key = "SeNunjce1ayuplf8vtoUI2ofTr31cVoZDH75atV4Wvg=";
  TunnelConfig t{.name = "primary", .interface = "wg0"};
  t.wireguard = WireguardConfig{.peer_public_key = key, .endpoints = {}};
  AuditRecord r = failover_record();
  r.tunnels = {{t.name, TunnelState::Up}};
  r.bgpd_transaction_id = 9;
  const std::string line = audit_line(r);
  EXPECT_EQ(line.find(key), std::string::npos);
  const auto j = nlohmann::ordered_json::parse(line);  // keys in file order
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"time", "version", "prefix", "before", "after", "cause",
                                            "tunnels", "frr"}));
}

TEST(AuditTime, MillisecondsUtcAndBeforeTheEpoch) {
  EXPECT_EQ(audit_time(kWhen), "2026-11-24T21:30:27.123Z");
  EXPECT_EQ(audit_time(Sys::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(audit_time(Sys::time_point{} - 1ms), "1969-12-31T23:59:59.999Z");
}

TEST(AuditChanges, OnlyPrefixesThatChangedInOrder) {
  const std::vector<RouteView> before = {view("10.30.0.0/16", {"primary"}), view("10.20.0.0/16", {"primary"}),
                                         view("10.40.0.0/16", {"primary"}), view("10.50.0.0/16", {"a"})};
  const std::vector<RouteView> after = {view("10.20.0.0/16", {"backup"}), view("10.30.0.0/16", {"primary"}),
                                        view("10.40.0.0/16", {"primary"}, false, true),
                                        view("10.60.0.0/16", {}, true)};
  const auto changes = audit_changes(before, after);
  ASSERT_EQ(changes.size(), 4U);
  EXPECT_EQ(changes[0].prefix, pfx("10.20.0.0/16"));  // active path moved
  EXPECT_EQ(changes[0].before->active, std::vector<std::string>{"primary"});
  EXPECT_EQ(changes[0].after->active, std::vector<std::string>{"backup"});
  EXPECT_EQ(changes[1].prefix, pfx("10.40.0.0/16"));  // BGP signal only
  EXPECT_TRUE(changes[1].after->signalled);
  EXPECT_EQ(changes[2].prefix, pfx("10.50.0.0/16"));  // removed
  EXPECT_FALSE(changes[2].after);
  EXPECT_EQ(changes[3].prefix, pfx("10.60.0.0/16"));  // added
  EXPECT_FALSE(changes[3].before);
  EXPECT_TRUE(audit_changes(after, after).empty());
}

// ---- the file ----

class AuditLogFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "audit_log_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::vector<std::string> lines(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }

  std::filesystem::path dir_;
};

TEST_F(AuditLogFile, AppendsOneLinePerRecordToA0640File) {
  const auto file = dir_ / "audit.log";
  { std::ofstream(file) << "{\"earlier\":1}\n"; }  // an existing log is appended to, not truncated
  std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read);
  const auto fresh = dir_ / "fresh.log";
  {
    AuditLog log(fresh.string());
    EXPECT_TRUE(log.is_open());
  }
  struct stat st {};
  ASSERT_EQ(::stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0137, 0U);  // at most 0640 (a umask may take more away)
  EXPECT_EQ(st.st_mode & 0600, 0600U);

  AuditLog log(file.string());
  EXPECT_TRUE(log.write(failover_record()));
  AuditRecord second = failover_record();
  second.version = 8;
  EXPECT_TRUE(log.write(second));
  const auto got = lines(file);
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0], "{\"earlier\":1}");
  EXPECT_EQ(got[1], audit_line(failover_record()));
  EXPECT_EQ(nlohmann::json::parse(got[2])["version"], 8);
  EXPECT_EQ(log.lines_written(), 2U);
  EXPECT_EQ(log.write_errors(), 0U);
}

TEST_F(AuditLogFile, ReopenFollowsALogrotateMove) {
  const auto file = dir_ / "audit.log";
  AuditLog log(file.string());
  ASSERT_TRUE(log.write_line(R"({"n":1})"));
  std::filesystem::rename(file, dir_ / "audit.log.1");
  ASSERT_TRUE(log.write_line(R"({"n":2})"));  // still the old file until told
  ASSERT_TRUE(log.reopen());
  ASSERT_TRUE(log.write_line(R"({"n":3})"));
  EXPECT_EQ(lines(dir_ / "audit.log.1"), (std::vector<std::string>{R"({"n":1})", R"({"n":2})"}));
  EXPECT_EQ(lines(file), std::vector<std::string>{R"({"n":3})"});
}

TEST_F(AuditLogFile, FailuresAreCountedAndNeverThrown) {
  const auto file = dir_ / "missing" / "audit.log";
  AuditLog log(file.string());  // the directory does not exist yet
  EXPECT_FALSE(log.is_open());
  EXPECT_EQ(log.write_errors(), 1U);
  EXPECT_FALSE(log.write(failover_record()));
  EXPECT_FALSE(log.write(failover_record()));
  EXPECT_EQ(log.write_errors(), 3U);
  EXPECT_FALSE(log.reopen());
  EXPECT_EQ(log.write_errors(), 4U);
  std::filesystem::create_directory(dir_ / "missing");
  ASSERT_TRUE(log.reopen());  // e.g. after the operator created the directory
  EXPECT_TRUE(log.write(failover_record()));
  EXPECT_EQ(lines(file).size(), 1U);
  EXPECT_EQ(log.lines_written(), 1U);
  EXPECT_EQ(log.write_errors(), 4U);
}

TEST_F(AuditLogFile, AFailedReopenKeepsWritingToTheOldFile) {
  const auto sub = dir_ / "sub";
  std::filesystem::create_directory(sub);
  AuditLog log((sub / "audit.log").string());
  ASSERT_TRUE(log.write_line("{}"));
  std::filesystem::rename(sub, dir_ / "moved");  // the path no longer leads anywhere
  EXPECT_FALSE(log.reopen());
  EXPECT_TRUE(log.write_line("{}"));
  EXPECT_EQ(lines(dir_ / "moved" / "audit.log").size(), 2U);
}

}  // namespace
}  // namespace wgfo

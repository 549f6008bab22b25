// NorthboundClient against FakeNorthbound (a real gRPC server on loopback): the exact requests it sends
// (Get shape, the Create -> Edit -> Commit(ALL) -> Delete transaction), that the candidate is deleted
// on every way out of commit(), the mapping of FRR's statuses to NbError kinds, and the connection epoch
// across a simulated daemon restart (stop() + start() on the same port).
// No sleeps: timeouts come from the fake delaying its answer past a short client deadline, and the
// restart tests wait for the epoch through await_connection_epoch() (a condition variable, bounded).

#include "frr-integration/northbound_client.hpp"

#include <gmock/gmock.h>
#include <grpc/grpc.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tests/support/fake_northbound.hpp"

namespace wgfo::frr {
namespace {

using namespace std::chrono_literals;
// Inside wgfo::frr a bare `testing` is the fake's namespace; GoogleTest's is ::testing.
namespace fake = wgfo::frr::testing;
using fake::Rpc;
using ::testing::HasSubstr;
using Kind = NbError::Kind;

// gRPC 1.51 can hang for seconds in grpc_shutdown() when the last library reference goes away (see
// controller/main.cpp); one reference held for the whole process avoids it.
class GrpcLifetime : public ::testing::Environment {
 public:
  void SetUp() override { grpc_init(); }
};
[[maybe_unused]] ::testing::Environment* const kGrpcLifetime =
    ::testing::AddGlobalTestEnvironment(new GrpcLifetime);

template <typename T>
std::optional<NbError> error_of(const NbResult<T>& result) {
  if (const auto* e = std::get_if<NbError>(&result)) return *e;
  return std::nullopt;
}

template <typename T>
std::optional<T> value_of(const NbResult<T>& result) {
  if (const auto* v = std::get_if<T>(&result)) return *v;
  return std::nullopt;
}

const std::string kRoutes =
    "/frr-routing:routing/control-plane-protocols/control-plane-protocol[type='frr-staticd:staticd']"
    "[name='staticd'][vrf='default']/frr-staticd:staticd";

Edit sample_edit() {
  Edit edit;
  edit.update = {{kRoutes + "/route-list[prefix='10.20.0.0/16'][afi-safi='frr-routing:ipv4-unicast']"
                            "/path-list[table-id='0'][distance='10']/tag",
                  "4242"},
                 {kRoutes + "/route-list[prefix='10.20.0.0/16'][afi-safi='frr-routing:ipv4-unicast']"
                            "/path-list[table-id='0'][distance='10']/frr-nexthops/nexthop[nh-type='ifindex']"
                            "[vrf='default'][gateway=''][interface='wg0']",
                  ""}};
  edit.remove = {{kRoutes + "/route-list[prefix='10.30.0.0/16'][afi-safi='frr-routing:ipv4-unicast']", ""},
                 {kRoutes + "/route-list[prefix='10.40.0.0/16'][afi-safi='frr-routing:ipv4-unicast']", ""}};
  return edit;
}

class NorthboundClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(fake_.start()); }

  // Created on first use so that a test can change options_ first.
  NorthboundClient& client() {
    if (!client_) client_ = std::make_unique<NorthboundClient>(fake_.target(), options_);
    return *client_;
  }

  // Commits sample_edit() and checks the one thing every path must end with: no live candidate.
  NbResult<CommitInfo> commit_and_expect_cleanup() {
    auto result = client().commit(sample_edit(), "wgfo:test");
    EXPECT_EQ(fake_.live_candidates(), 0U);
    EXPECT_EQ(fake_.deleted_candidates(), fake_.created_candidates());
    return result;
  }

  fake::FakeNorthbound fake_;
  NorthboundClientOptions options_{.deadline = 5s, .max_reconnect_backoff = 100ms};
  std::unique_ptr<NorthboundClient> client_;  // after fake_: goes first
};

// ---- get_capabilities / get_config ----

TEST_F(NorthboundClientTest, GetCapabilitiesReturnsVersionAndModuleNames) {
  fake_.set_capabilities("8.4.9-test", {"frr-route-map", "frr-bgp-route-map"});
  const auto caps = value_of(client().get_capabilities());
  ASSERT_TRUE(caps);
  EXPECT_EQ(caps->frr_version, "8.4.9-test");
  EXPECT_EQ(caps->modules, (std::vector<std::string>{"frr-route-map", "frr-bgp-route-map"}));
  EXPECT_EQ(fake_.calls(), std::vector<Rpc>{Rpc::GetCapabilities});
}

TEST_F(NorthboundClientTest, GetConfigSendsOneConfigJsonPathWithDefaults) {
  const std::string json = R"({"frr-routing:routing":{"control-plane-protocols":{}}})";
  fake_.set_config("/frr-routing:routing", json);
  const auto text = value_of(client().get_config("/frr-routing:routing"));
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, json);

  const auto gets = fake_.gets();
  ASSERT_EQ(gets.size(), 1U);
  EXPECT_EQ(gets[0].type, ::frr::GetRequest::CONFIG);
  EXPECT_EQ(gets[0].encoding, ::frr::JSON);
  EXPECT_TRUE(gets[0].with_defaults);
  EXPECT_EQ(gets[0].paths, std::vector<std::string>{"/frr-routing:routing"});
}

TEST_F(NorthboundClientTest, GetConfigRefusesEmptyPathWithoutAnyRpc) {
  const auto error = error_of(client().get_config(""));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Rejected);
  EXPECT_FALSE(error->retryable());
  EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(NorthboundClientTest, GetConfigOfAbsentPathIsEmptyObject) {
  // The fake answers INVALID_ARGUMENT "Data path not found" for paths without set_config, as FRR does.
  const auto text = value_of(client().get_config("/frr-route-map:lib"));
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "{}");
  EXPECT_EQ(fake_.count(Rpc::Get), 1U);
}

TEST_F(NorthboundClientTest, GetConfigOtherErrorsKeepFrrText) {
  fake_.fail(Rpc::Get, grpc::StatusCode::INTERNAL, "Failed to dump data");
  const auto error = error_of(client().get_config("/frr-route-map:lib"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Internal);
  EXPECT_THAT(error->message, HasSubstr("Failed to dump data"));
}

// ---- commit: request shapes and candidate cleanup ----

TEST_F(NorthboundClientTest, CommitSendsCreateEditCommitAllDelete) {
  const Edit edit = sample_edit();
  const auto info = value_of(commit_and_expect_cleanup());
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->changed);
  EXPECT_EQ(info->transaction_id, 1U);

  EXPECT_EQ(fake_.calls(),
            (std::vector<Rpc>{Rpc::CreateCandidate, Rpc::EditCandidate, Rpc::Commit, Rpc::DeleteCandidate}));
  ASSERT_EQ(fake_.created_candidates(), std::vector<std::uint32_t>{1});
  const auto edits = fake_.edits();
  ASSERT_EQ(edits.size(), 1U);
  EXPECT_EQ(edits[0].candidate_id, 1U);
  EXPECT_EQ(edits[0].edit.update, edit.update);  // same entries, same order
  EXPECT_EQ(edits[0].edit.remove, edit.remove);
  const auto commits = fake_.commits();
  ASSERT_EQ(commits.size(), 1U);
  EXPECT_EQ(commits[0].candidate_id, 1U);
  EXPECT_EQ(commits[0].phase, ::frr::CommitRequest::ALL);
  EXPECT_EQ(commits[0].comment, "wgfo:test");
}

TEST_F(NorthboundClientTest, CommitDurationCoversTheWholeSequence) {
  // Lower bounds only: the fake holds its answers back this long, so the client cannot have been faster.
  fake_.script(Rpc::Commit, fake::Outcome{.delay = 30ms});
  fake_.script(Rpc::DeleteCandidate, fake::Outcome{.delay = 20ms});
  const auto info = value_of(commit_and_expect_cleanup());
  ASSERT_TRUE(info);
  EXPECT_GE(info->duration, 50ms);                                         // DeleteCandidate included
  EXPECT_EQ(value_of(client().commit(Edit{}, "nothing"))->duration, 0ns);  // nothing sent, nothing timed
}

TEST_F(NorthboundClientTest, FailedCommitCarriesItsDuration) {
  fake_.script(Rpc::Commit,
               fake::Outcome{.code = grpc::StatusCode::INVALID_ARGUMENT, .message = "no", .delay = 30ms});
  const auto error = error_of(commit_and_expect_cleanup());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Rejected);
  EXPECT_GE(error->duration, 30ms);
}

TEST_F(NorthboundClientTest, EachCommitUsesAFreshCandidate) {
  ASSERT_TRUE(value_of(client().commit(sample_edit(), "one")));
  ASSERT_TRUE(value_of(client().commit(sample_edit(), "two")));
  EXPECT_EQ(fake_.created_candidates(), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(fake_.deleted_candidates(), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(fake_.live_candidates(), 0U);
}

TEST_F(NorthboundClientTest, EmptyEditSendsNoRpc) {
  const auto info = value_of(client().commit(Edit{}, "nothing"));
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->changed);
  EXPECT_EQ(info->transaction_id, 0U);
  EXPECT_TRUE(fake_.calls().empty());
}

TEST_F(NorthboundClientTest, EditFailureDeletesCandidateAndKeepsFrrText) {
  const std::string frr_text = "Failed to update \"" + kRoutes + "/route-list\"";
  fake_.fail(Rpc::EditCandidate, grpc::StatusCode::INVALID_ARGUMENT, frr_text);
  const auto error = error_of(commit_and_expect_cleanup());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Rejected);
  EXPECT_THAT(error->message, HasSubstr(frr_text));
  EXPECT_EQ(fake_.calls(),
            (std::vector<Rpc>{Rpc::CreateCandidate, Rpc::EditCandidate, Rpc::DeleteCandidate}));
}

TEST_F(NorthboundClientTest, CommitRejectedDeletesCandidateAndKeepsFrrText) {
  const std::string frr_text = "YANG error(s): Too few \"nexthop\" instances.";
  fake_.fail(Rpc::Commit, grpc::StatusCode::INVALID_ARGUMENT, frr_text);
  const auto error = error_of(commit_and_expect_cleanup());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Rejected);
  EXPECT_FALSE(error->retryable());
  EXPECT_THAT(error->message, HasSubstr(frr_text));
  EXPECT_EQ(fake_.count(Rpc::DeleteCandidate), 1U);
}

TEST_F(NorthboundClientTest, AbortedCommitIsNoChangeAndDeletesCandidate) {
  fake_.fail(Rpc::Commit, grpc::StatusCode::ABORTED,
             "No changes to apply were found during preparation phase");
  const auto info = value_of(commit_and_expect_cleanup());
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->changed);
  EXPECT_EQ(info->transaction_id, 0U);
  EXPECT_EQ(fake_.count(Rpc::DeleteCandidate), 1U);
}

TEST_F(NorthboundClientTest, CommitOkWithErrorMessageIsApplyFailed) {
  fake_.script(Rpc::Commit, fake::Outcome{.commit_error = "Failed to set community: malformed"});
  const auto error = error_of(commit_and_expect_cleanup());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::ApplyFailed);
  EXPECT_THAT(error->message, HasSubstr("Failed to set community: malformed"));
}

TEST_F(NorthboundClientTest, CreateCandidateFailureSendsNothingElse) {
  fake_.fail(Rpc::CreateCandidate, grpc::StatusCode::RESOURCE_EXHAUSTED, "out of memory");
  const auto error = error_of(client().commit(sample_edit(), "x"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Internal);
  EXPECT_EQ(fake_.calls(), std::vector<Rpc>{Rpc::CreateCandidate});
}

TEST_F(NorthboundClientTest, FailedDeleteCandidateIsCountedAsOrphan) {
  fake_.fail(Rpc::DeleteCandidate, grpc::StatusCode::INTERNAL, "boom");
  const auto info = value_of(client().commit(sample_edit(), "x"));
  ASSERT_TRUE(info);  // the change itself went in
  EXPECT_TRUE(info->changed);
  EXPECT_EQ(client().orphaned_candidates(), 1U);
  EXPECT_EQ(fake_.live_candidates(), 1U);
  // The next commit deletes its own candidate; the count stays.
  ASSERT_TRUE(value_of(client().commit(sample_edit(), "y")));
  EXPECT_EQ(client().orphaned_candidates(), 1U);
  EXPECT_EQ(fake_.live_candidates(), 1U);
}

// ---- error mapping ----

TEST_F(NorthboundClientTest, LockedConfigIsBusy) {
  fake_.fail(Rpc::Commit, grpc::StatusCode::UNAVAILABLE, "running configuration is locked by another client");
  const auto error = error_of(commit_and_expect_cleanup());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Busy);
  EXPECT_TRUE(error->retryable());
}

TEST_F(NorthboundClientTest, TransactionInProgressIsBusy) {
  fake_.fail(Rpc::Commit, grpc::StatusCode::UNAVAILABLE, "there's already another transaction in progress");
  const auto error = error_of(commit_and_expect_cleanup());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Busy);
}

TEST_F(NorthboundClientTest, OtherUnavailableTextIsUnavailable) {
  fake_.fail(Rpc::GetCapabilities, grpc::StatusCode::UNAVAILABLE, "the unlocked door is closed");
  const auto error = error_of(client().get_capabilities());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Unavailable);
}

TEST_F(NorthboundClientTest, StoppedServerIsUnavailable) {
  ASSERT_TRUE(value_of(client().get_capabilities()));
  fake_.stop();
  const auto caps_error = error_of(client().get_capabilities());
  ASSERT_TRUE(caps_error);
  EXPECT_EQ(caps_error->kind, Kind::Unavailable);
  const auto commit_error = error_of(client().commit(sample_edit(), "x"));
  ASSERT_TRUE(commit_error);
  EXPECT_EQ(commit_error->kind, Kind::Unavailable);
  EXPECT_EQ(fake_.calls(), std::vector<Rpc>{Rpc::GetCapabilities});  // nothing reached the daemon
}

TEST_F(NorthboundClientTest, AnswerAfterDeadlineIsTimeout) {
  options_.deadline = 250ms;
  ASSERT_TRUE(value_of(client().get_capabilities()));  // connected: the deadline below is all RPC
  fake_.script(Rpc::GetCapabilities, fake::Outcome{.delay = 60s});
  const auto error = error_of(client().get_capabilities());
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Timeout);
  EXPECT_TRUE(error->retryable());
  // The fixture's fake_.stop() ends the fake's 60 s wait, so the test does not last that long.
}

TEST_F(NorthboundClientTest, CommitTimeoutStillDeletesCandidate) {
  // The DeleteCandidate after the timeout runs under the same deadline, and the fake's server must
  // start a thread for it while one sleeps in Commit: 250 ms was sometimes too short under ctest -j2
  // with ASan. 2 s still tells a timeout from the 60 s Commit.
  options_.deadline = 2s;
  ASSERT_TRUE(value_of(client().get_capabilities()));
  fake_.script(Rpc::Commit, fake::Outcome{.delay = 60s});
  const auto error = error_of(client().commit(sample_edit(), "slow"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Timeout);
  EXPECT_EQ(fake_.count(Rpc::DeleteCandidate), 1U);
  EXPECT_EQ(fake_.live_candidates(), 0U);
  EXPECT_EQ(client().orphaned_candidates(), 0U);
}

// ---- restart and connection epoch ----

TEST_F(NorthboundClientTest, CallsWorkAgainAfterDaemonRestart) {
  ASSERT_TRUE(value_of(client().commit(sample_edit(), "before")));
  const int port = fake_.port();
  const std::uint64_t before = client().connection_epoch();

  fake_.stop();
  ASSERT_TRUE(error_of(client().get_capabilities()));
  ASSERT_TRUE(fake_.start());
  ASSERT_EQ(fake_.port(), port);

  // The watcher reconnects on its own; wait (bounded) for that instead of retrying calls.
  ASSERT_GT(client().await_connection_epoch(before, 10s), before);
  ASSERT_TRUE(value_of(client().get_capabilities()));
  const auto info = value_of(client().commit(sample_edit(), "after"));
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->changed);
  // The restarted "daemon" counts candidate ids from 1 again, and the client follows it.
  EXPECT_EQ(fake_.created_candidates(), (std::vector<std::uint32_t>{1, 1}));
  EXPECT_EQ(fake_.live_candidates(), 0U);
}

TEST_F(NorthboundClientTest, ConnectionEpochGrowsWithEachNewConnection) {
  ASSERT_TRUE(value_of(client().get_capabilities()));
  const std::uint64_t first = client().connection_epoch();
  EXPECT_GE(first, 1U);
  ASSERT_TRUE(value_of(client().get_capabilities()));
  EXPECT_EQ(client().connection_epoch(), first);  // same connection, same epoch

  fake_.stop();
  ASSERT_TRUE(fake_.start());
  const std::uint64_t after = client().await_connection_epoch(first, 10s);
  ASSERT_TRUE(value_of(client().get_capabilities()));
  EXPECT_GT(after, first);
  EXPECT_GE(client().connection_epoch(), after);

  // Through the interface the programmer uses.
  const Northbound& nb = client();
  EXPECT_EQ(nb.connection_epoch(), client().connection_epoch());
}

TEST_F(NorthboundClientTest, ConnectionEpochStaysZeroWithoutDaemon) {
  fake_.stop();
  ASSERT_TRUE(error_of(client().get_capabilities()));
  EXPECT_EQ(client().await_connection_epoch(0, 300ms), 0U);  // bounded wait; nothing to connect to
}

TEST(NorthboundInterfaceTest, DefaultConnectionEpochIsZero) {
  class Minimal final : public Northbound {
   public:
    NbResult<Capabilities> get_capabilities() override { return Capabilities{}; }
    NbResult<std::string> get_config(const std::string&) override { return std::string{}; }
    NbResult<CommitInfo> commit(const Edit&, const std::string&) override { return CommitInfo{}; }
  };
  const Minimal minimal;
  EXPECT_EQ(minimal.connection_epoch(), 0U);
}

}  // namespace
}  // namespace wgfo::frr

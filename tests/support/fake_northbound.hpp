#pragma once
// FakeNorthbound: an in-process FRR northbound gRPC server (service frr.Northbound) for unit tests.
//
// It is a real grpc::Server on 127.0.0.1 with a kernel-chosen port, so the code under test runs its
// real gRPC client, channel, deadlines and reconnects; only FRR's daemon behind the service is faked.
// Why a server and not a mock stub: the client's error mapping, deadlines and the connection epoch
// are properties of the transport, and they are what the tests must exercise.
//
// Usage:
//   FakeNorthbound fake;
//   ASSERT_TRUE(fake.start());
//   NorthboundClient client(fake.target());
//   fake.script(Rpc::Commit, {.code = grpc::StatusCode::ABORTED, .message = "No changes"});
//   ... call the client ...
//   EXPECT_EQ(fake.calls(), (std::vector<Rpc>{Rpc::CreateCandidate, Rpc::EditCandidate, ...}));
//
// Scripting: every RPC has a FIFO queue of Outcomes; each call takes the next one. An outcome may
// delay the answer (the server waits, the test does not sleep; stop() cuts the wait short) and then
// either fail with a status or behave as the default with small changes (Commit error_message, Get
// data). With an empty queue the default behaviour, close to FRR 8.4's (frr-grpc.md §1.1), is:
//   GetCapabilities  OK, set_capabilities() values (default "8.4.4" and staticd's modules)
//   Get              one message per path, in reverse order as FRR does, with the set_config() text for
//                    that path; a path without text -> INVALID_ARGUMENT "Data path not found"
//   CreateCandidate  OK, ids 1, 2, 3, ... (restarting at 1 after start(), like a restarted daemon)
//   EditCandidate    OK for a live candidate, NOT_FOUND otherwise
//   Commit           OK with transaction_id 1, 2, 3, ... for a live candidate, NOT_FOUND otherwise
//   DeleteCandidate  OK for a live candidate (it stops being live), NOT_FOUND otherwise
// The other RPCs of the service (UpdateCandidate, LoadToCandidate, Lock..., Execute, ...) answer
// UNIMPLEMENTED: the client never sends them.
//
// Observation: every request is recorded as it arrives, whatever its outcome, and kept across
// stop()/start() until clear_records().
//
// Restart: stop() shuts the server down (in-flight calls are cancelled), start() serves again on the
// SAME port, which is how an FRR daemon restarted by watchfrr looks to a client. Live candidates are
// forgotten, as FRR forgets them.
//
// All member functions are thread-safe (call start() and stop() from one thread). None throws.
// Namespace note: inside namespace wgfo::frr a bare `testing::` names this namespace, not
// GoogleTest's; write ::testing:: there (or alias this one, e.g. `namespace fake = wgfo::frr::testing;`).

#include <grpcpp/support/status_code_enum.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "frr-integration/northbound.hpp"
#include "frr/northbound.pb.h"

namespace wgfo::frr::testing {

enum class Rpc : std::uint8_t {
  GetCapabilities,
  Get,
  CreateCandidate,
  DeleteCandidate,
  EditCandidate,
  Commit
};

std::string_view to_string(Rpc rpc);

// What one call of an RPC does. The default-constructed Outcome is the default behaviour.
struct Outcome {
  grpc::StatusCode code{grpc::StatusCode::OK};
  std::string message;                  // status message when code != OK (FRR's text)
  std::chrono::milliseconds delay{0};   // answer only after this long (or when stop() is called)
  std::string commit_error;             // Commit with code OK: CommitResponse.error_message
  std::optional<std::string> get_data;  // Get with code OK: data text for every path, replacing set_config
};

struct GetCall {
  ::frr::GetRequest::DataType type{};
  ::frr::Encoding encoding{};
  bool with_defaults{false};
  std::vector<std::string> paths;
};

struct EditCall {
  std::uint32_t candidate_id{0};
  Edit edit;  // update and delete PathValues, in request order
};

struct CommitCall {
  std::uint32_t candidate_id{0};
  ::frr::CommitRequest::Phase phase{};
  std::string comment;
};

class FakeNorthbound {
 public:
  FakeNorthbound();
  ~FakeNorthbound();  // stops the server
  FakeNorthbound(const FakeNorthbound&) = delete;
  FakeNorthbound& operator=(const FakeNorthbound&) = delete;

  // Serves on 127.0.0.1: the first time on a port chosen by the kernel, afterwards on that same port.
  // False if the server could not be started (e.g. someone took the port while it was stopped).
  // Starting a running server is a no-op that returns true.
  bool start();
  // Shuts the server down; calls in progress are cancelled and scripted delays end at once.
  void stop();
  bool running() const;

  int port() const;            // 0 before the first successful start()
  std::string target() const;  // "127.0.0.1:PORT"

  // --- scripting ---
  void script(Rpc rpc, Outcome outcome);  // appended to that RPC's queue
  void fail(Rpc rpc, grpc::StatusCode code, std::string message) {
    script(rpc, Outcome{.code = code, .message = std::move(message)});
  }
  void set_config(std::string path, std::string json);  // Get(CONFIG) answer for exactly this path
  void set_capabilities(std::string frr_version, std::vector<std::string> modules);

  // --- observation ---
  std::vector<Rpc> calls() const;  // every RPC received, in arrival order
  std::size_t count(Rpc rpc) const;
  std::vector<GetCall> gets() const;
  std::vector<EditCall> edits() const;
  std::vector<CommitCall> commits() const;
  std::vector<std::uint32_t> created_candidates() const;  // ids handed out by CreateCandidate
  std::vector<std::uint32_t> deleted_candidates() const;  // ids of every DeleteCandidate request
  std::size_t live_candidates() const;                    // created and not yet deleted
  void clear_records();                                   // forgets the records above, not the state

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wgfo::frr::testing

// NorthboundClient: the gRPC side of Northbound (see the header for the request shapes). What lives
// here and why:
//   - to_error() is the single mapping from FRR's gRPC statuses to NbError kinds; FRR overloads
//     UNAVAILABLE for "config busy", so the message text decides (frr-grpc.md §1.2).
//   - CandidateGuard deletes the candidate on every way out of commit(): FRR never expires candidates,
//     and each one is a full copy of the running config.
//   - Requests that crash FRR 8.4 (an empty Get path, an encoding other than JSON/XML, the two-phase
//     commit phases) are never built (frr-grpc.md §0 #5, #7).
//   - commit() times the whole sequence, DeleteCandidate included, for the commit-latency metric.
//   - The connection watcher waits on the channel with a short deadline rather than forever, so the
//     destructor can stop it within kWatchTick without any way to interrupt a blocking gRPC wait.
// No retries: a failed call returns at once and NbError::retryable() tells the caller what to do.

#include "frr-integration/northbound_client.hpp"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>
#include <climits>
#include <string_view>
#include <system_error>
#include <utility>

#include "frr/northbound.grpc.pb.h"

namespace wgfo::frr {

// Inside wgfo::frr a bare `frr::` names this namespace; FRR's generated code lives in ::frr.
namespace pb = ::frr;

namespace {

using Kind = NbError::Kind;

// How long the watcher blocks on the channel before looking at stopping_: the destructor's worst-case wait.
constexpr std::chrono::milliseconds kWatchTick{50};

void arm(grpc::ClientContext& context, std::chrono::milliseconds deadline) {
  context.set_deadline(std::chrono::system_clock::now() + deadline);
}

int to_int_ms(std::chrono::milliseconds ms) {
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(ms.count(), 0, INT_MAX));
}

std::string_view code_name(grpc::StatusCode code) {
  static constexpr std::array<std::string_view, 17> kNames{
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  const auto index = static_cast<std::size_t>(code);
  return index < kNames.size() ? kNames[index] : "UNKNOWN_CODE";
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// FRR's two "busy" texts (lib/northbound.c, nb_transaction_new): "running configuration is locked by
// another client" and "there's already another transaction in progress".
bool is_busy(std::string_view message) {
  return contains(message, "running configuration is locked") ||
         contains(message, "another transaction in progress");
}

// The one place where gRPC statuses become NbError kinds (frr-grpc.md §1.2, §1.3). The message keeps
// FRR's own text, prefixed with the RPC and the status name: "Commit: INVALID_ARGUMENT: ...".
NbError to_error(std::string_view rpc, const grpc::Status& status) {
  std::string message{rpc};
  message.append(": ").append(code_name(status.error_code())).append(": ").append(status.error_message());
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return {is_busy(status.error_message()) ? Kind::Busy : Kind::Unavailable, std::move(message)};
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return {Kind::Timeout, std::move(message)};
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::NOT_FOUND:
      return {Kind::Rejected, std::move(message)};
    default:  // RESOURCE_EXHAUSTED, INTERNAL, UNIMPLEMENTED (not an FRR server?), ...
      return {Kind::Internal, std::move(message)};
  }
}

// One unary RPC under its own deadline.
template <typename Request, typename Response>
grpc::Status unary(pb::Northbound::Stub& rpc, std::chrono::milliseconds deadline,
                   grpc::Status (pb::Northbound::Stub::*method)(grpc::ClientContext*, const Request&,
                                                                Response*),
                   const Request& request, Response* response) {
  grpc::ClientContext context;
  arm(context, deadline);
  return (rpc.*method)(&context, request, response);
}

void set(pb::PathValue* out, const PathValue& in) {
  out->set_path(in.path);
  out->set_value(in.value);
}

}  // namespace

struct NorthboundClient::Stub {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::Northbound::Stub> rpc;
  std::chrono::milliseconds deadline;

  template <typename Request, typename Response>
  grpc::Status call(grpc::Status (pb::Northbound::Stub::*method)(grpc::ClientContext*, const Request&,
                                                                 Response*),
                    const Request& request, Response* response) const {
    return unary(*rpc, deadline, method, request, response);
  }
};

namespace {

// Deletes one candidate when commit() leaves, whatever the outcome. A failed delete is counted (the
// caller can export it), never thrown or retried.
class CandidateGuard {
 public:
  CandidateGuard(pb::Northbound::Stub& rpc, std::chrono::milliseconds deadline, std::uint32_t id,
                 std::atomic<std::uint64_t>& orphaned)
      : rpc_(rpc), deadline_(deadline), id_(id), orphaned_(orphaned) {}
  ~CandidateGuard() {
    pb::DeleteCandidateRequest request;
    request.set_candidate_id(id_);
    pb::DeleteCandidateResponse response;
    if (!unary(rpc_, deadline_, &pb::Northbound::Stub::DeleteCandidate, request, &response).ok()) ++orphaned_;
  }
  CandidateGuard(const CandidateGuard&) = delete;
  CandidateGuard& operator=(const CandidateGuard&) = delete;

 private:
  pb::Northbound::Stub& rpc_;
  std::chrono::milliseconds deadline_;
  std::uint32_t id_;
  std::atomic<std::uint64_t>& orphaned_;
};

// The commit sequence proper; commit() times it.
NbResult<CommitInfo> transact(pb::Northbound::Stub& rpc, std::chrono::milliseconds deadline,
                              std::atomic<std::uint64_t>& orphaned, const Edit& edit,
                              const std::string& comment) {
  pb::CreateCandidateRequest create;
  pb::CreateCandidateResponse created;
  if (auto status = unary(rpc, deadline, &pb::Northbound::Stub::CreateCandidate, create, &created);
      !status.ok()) {
    // A CreateCandidate that timed out may still have made a candidate whose id we never learn.
    return to_error("CreateCandidate", status);
  }
  const std::uint32_t id = created.candidate_id();
  const CandidateGuard guard(rpc, deadline, id, orphaned);

  pb::EditCandidateRequest change;
  change.set_candidate_id(id);
  for (const auto& pv : edit.update) set(change.add_update(), pv);
  for (const auto& pv : edit.remove) set(change.add_delete_(), pv);
  pb::EditCandidateResponse changed;
  if (auto status = unary(rpc, deadline, &pb::Northbound::Stub::EditCandidate, change, &changed);
      !status.ok()) {
    return to_error("EditCandidate", status);
  }

  // Phase ALL only: PREPARE/APPLY/ABORT leave a dangling transaction that crashes 8.4 (§1.3).
  pb::CommitRequest request;
  request.set_candidate_id(id);
  request.set_phase(pb::CommitRequest::ALL);
  request.set_comment(comment);
  pb::CommitResponse response;
  const grpc::Status status = unary(rpc, deadline, &pb::Northbound::Stub::Commit, request, &response);
  if (status.error_code() == grpc::StatusCode::ABORTED) return CommitInfo{};  // no changes to apply
  if (!status.ok()) return to_error("Commit", status);
  // OK with a message: running config took the change but an APPLY callback failed (§0 #8). The
  // error text only ever arrives this way, since a non-OK status carries no response body.
  if (!response.error_message().empty()) {
    return NbError{Kind::ApplyFailed, "Commit: applied with errors: " + response.error_message()};
  }
  // transaction_id stays 0 on builds without the transaction database (Debian's).
  return CommitInfo{.transaction_id = response.transaction_id(), .changed = true};
}

}  // namespace

NorthboundClient::NorthboundClient(std::string target, NorthboundClientOptions options)
    : target_(std::move(target)), options_(options) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, to_int_ms(std::max(options_.keepalive, kMinKeepalive)));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, to_int_ms(options_.keepalive_timeout));
  // Ping only while a call is active. FRR's server keeps gRPC's default of allowing roughly one ping
  // per two hours on an idle connection and answers more with GOAWAY "too_many_pings".
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, to_int_ms(options_.max_reconnect_backoff));
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              to_int_ms(std::min(options_.max_reconnect_backoff, std::chrono::milliseconds{1000})));
  // FRR's server is plaintext only (frr-grpc.md §1.5); it is reached over loopback in the daemon's netns.
  auto channel = grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args);
  stub_ = std::make_unique<Stub>(Stub{channel, pb::Northbound::NewStub(channel), options_.deadline});
  try {
    watcher_ = std::thread([this] { watch(); });
  } catch (const std::system_error&) {
    // No thread to spare: connection_epoch() still counts the connections it sees itself, it just no
    // longer notices a restart between calls.
  }
}

NorthboundClient::~NorthboundClient() {
  stopping_ = true;
  if (watcher_.joinable()) watcher_.join();
}

void NorthboundClient::watch() {
  grpc::Channel& channel = *stub_->channel;
  while (!stopping_) {
    // try_to_connect: an idle channel (after the daemon closed it) reconnects now rather than at the
    // next call, so the epoch moves as soon as a restarted daemon serves again.
    const grpc_connectivity_state state = channel.GetState(true);
    observe(state);
    channel.WaitForStateChange(state, std::chrono::system_clock::now() + kWatchTick);
  }
}

void NorthboundClient::observe(int state) const {
  const std::lock_guard lock(epoch_mutex_);
  if (state == last_state_) return;
  const bool became_ready = state == GRPC_CHANNEL_READY;
  last_state_ = state;
  if (became_ready) {
    ++epoch_;
    epoch_changed_.notify_all();
  }
}

std::uint64_t NorthboundClient::connection_epoch() const {
  observe(stub_->channel->GetState(false));
  const std::lock_guard lock(epoch_mutex_);
  return epoch_;
}

std::uint64_t NorthboundClient::await_connection_epoch(std::uint64_t above,
                                                       std::chrono::milliseconds timeout) const {
  observe(stub_->channel->GetState(false));
  std::unique_lock lock(epoch_mutex_);
  epoch_changed_.wait_for(lock, timeout, [&] { return epoch_ > above; });
  return epoch_;
}

NbResult<Capabilities> NorthboundClient::get_capabilities() {
  pb::GetCapabilitiesRequest request;
  pb::GetCapabilitiesResponse response;
  if (auto status = stub_->call(&pb::Northbound::Stub::GetCapabilities, request, &response); !status.ok()) {
    return to_error("GetCapabilities", status);
  }
  Capabilities caps{.frr_version = response.frr_version()};
  caps.modules.reserve(static_cast<std::size_t>(response.supported_modules_size()));
  for (const auto& module : response.supported_modules()) caps.modules.push_back(module.name());
  return caps;
}

NbResult<std::string> NorthboundClient::get_config(const std::string& path) {
  // An empty path makes 8.4 dereference a NULL XPath (SIGSEGV, frr-grpc.md §1.4).
  if (path.empty()) return NbError{Kind::Rejected, "Get: empty path refused (it crashes FRR 8.4)"};

  pb::GetRequest request;
  request.set_type(pb::GetRequest::CONFIG);
  request.set_encoding(pb::JSON);
  // Defaults included: without them 8.4 trims leaves equal to their default even when set explicitly.
  request.set_with_defaults(true);
  request.add_path(path);

  grpc::ClientContext context;
  arm(context, options_.deadline);
  auto reader = stub_->rpc->Get(&context, request);
  pb::GetResponse response;
  std::string data;
  int trees = 0;
  while (reader->Read(&response)) {  // drain the stream: Finish() needs it
    if (++trees == 1) data = std::move(*response.mutable_data()->mutable_data());
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) {
    // CONFIG data that does not exist: nothing is configured under the path.
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
        contains(status.error_message(), "Data path not found")) {
      return std::string{"{}"};
    }
    return to_error("Get", status);
  }
  // FRR answers one message per path; anything else is not the server we think it is.
  if (trees != 1) {
    return NbError{Kind::Internal, "Get: expected 1 data tree for 1 path, got " + std::to_string(trees)};
  }
  return data;
}

NbResult<CommitInfo> NorthboundClient::commit(const Edit& edit, const std::string& comment) {
  if (edit.empty()) return CommitInfo{};  // FRR would only answer ABORTED "no changes"
  const auto start = std::chrono::steady_clock::now();
  NbResult<CommitInfo> result = transact(*stub_->rpc, options_.deadline, orphaned_candidates_, edit, comment);
  // Stamped here, after transact() has returned: its CandidateGuard's DeleteCandidate is part of the
  // sequence the caller waited for.
  const auto took = std::chrono::steady_clock::now() - start;
  std::visit([&](auto& r) { r.duration = took; }, result);
  return result;
}

}  // namespace wgfo::frr

// FakeNorthbound (see the header for the behaviour). One mutex guards all state; handlers hold it
// only to record and to act, never while they wait out a scripted delay or write to the stream, so a
// delayed call never blocks other calls, and stop() can wake every waiting handler through one
// condition variable (a sync server's Shutdown() waits for its handlers to return).

#include "tests/support/fake_northbound.hpp"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "frr/northbound.grpc.pb.h"

namespace wgfo::frr::testing {

namespace pb = ::frr;

namespace {
constexpr std::size_t kRpcCount = 6;
std::size_t index_of(Rpc rpc) {
  return static_cast<std::size_t>(rpc);
}
}  // namespace

std::string_view to_string(Rpc rpc) {
  static constexpr std::array<std::string_view, kRpcCount> kNames{
      "GetCapabilities", "Get", "CreateCandidate", "DeleteCandidate", "EditCandidate", "Commit"};
  return index_of(rpc) < kNames.size() ? kNames[index_of(rpc)] : "?";
}

struct FakeNorthbound::Impl {
  class Service;

  mutable std::mutex mutex;
  std::condition_variable wake;  // stop() ends scripted delays
  bool stopping{false};

  // Settings and scripts.
  std::array<std::deque<Outcome>, kRpcCount> scripts;
  std::map<std::string, std::string, std::less<>> config;
  std::string frr_version{"8.4.4"};
  std::vector<std::string> modules{"frr-filter", "frr-interface", "frr-routing", "frr-staticd", "frr-vrf"};

  // Daemon state.
  std::set<std::uint32_t> live;
  std::uint32_t next_candidate{1};
  std::uint32_t next_transaction{1};

  // Records.
  std::vector<Rpc> calls;
  std::vector<GetCall> gets;
  std::vector<EditCall> edits;
  std::vector<CommitCall> commits;
  std::vector<std::uint32_t> created;
  std::vector<std::uint32_t> deleted;

  // Server.
  int port{0};
  std::unique_ptr<Service> service;
  std::unique_ptr<grpc::Server> server;

  // Records the call (under the lock, by `record`) and returns its outcome.
  template <typename Record>
  Outcome begin(Rpc rpc, Record&& record) {
    const std::lock_guard lock(mutex);
    calls.push_back(rpc);
    record();
    auto& queue = scripts[index_of(rpc)];
    if (queue.empty()) return Outcome{};
    Outcome outcome = std::move(queue.front());
    queue.pop_front();
    return outcome;
  }

  // Waits out a scripted delay. False when stop() cut it short: the call is then cancelled.
  bool pause(std::chrono::milliseconds delay) {
    if (delay.count() <= 0) return true;
    std::unique_lock lock(mutex);
    return !wake.wait_for(lock, delay, [this] { return stopping; });
  }

  static grpc::Status stopped() { return {grpc::StatusCode::CANCELLED, "fake northbound stopped"}; }
  static grpc::Status not_found() {
    return {grpc::StatusCode::NOT_FOUND, "candidate configuration not found"};
  }
};

class FakeNorthbound::Impl::Service final : public pb::Northbound::Service {
 public:
  explicit Service(Impl& impl) : impl_(impl) {}

  grpc::Status GetCapabilities(grpc::ServerContext*, const pb::GetCapabilitiesRequest*,
                               pb::GetCapabilitiesResponse* response) override {
    const Outcome outcome = impl_.begin(Rpc::GetCapabilities, [] {});
    if (!impl_.pause(outcome.delay)) return Impl::stopped();
    if (outcome.code != grpc::StatusCode::OK) return {outcome.code, outcome.message};
    const std::lock_guard lock(impl_.mutex);
    response->set_frr_version(impl_.frr_version);
    response->set_rollback_support(false);
    for (const auto& name : impl_.modules) {
      auto* module = response->add_supported_modules();
      module->set_name(name);
      module->set_organization("FRRouting");
    }
    response->add_supported_encodings(pb::JSON);
    response->add_supported_encodings(pb::XML);
    return grpc::Status::OK;
  }

  grpc::Status Get(grpc::ServerContext*, const pb::GetRequest* request,
                   grpc::ServerWriter<pb::GetResponse>* writer) override {
    const Outcome outcome = impl_.begin(Rpc::Get, [&] {
      impl_.gets.push_back(GetCall{.type = request->type(),
                                   .encoding = request->encoding(),
                                   .with_defaults = request->with_defaults(),
                                   .paths = {request->path().begin(), request->path().end()}});
    });
    if (!impl_.pause(outcome.delay)) return Impl::stopped();
    if (outcome.code != grpc::StatusCode::OK) return {outcome.code, outcome.message};

    // FRR pops paths from the back (frr-grpc.md §1.1) and stops at the first one that fails.
    std::vector<std::string> texts;
    grpc::Status status = grpc::Status::OK;
    {
      const std::lock_guard lock(impl_.mutex);
      for (auto it = request->path().rbegin(); it != request->path().rend(); ++it) {
        if (outcome.get_data) {
          texts.push_back(*outcome.get_data);
          continue;
        }
        const auto found = impl_.config.find(*it);
        if (found == impl_.config.end()) {
          status = {grpc::StatusCode::INVALID_ARGUMENT, "Data path not found"};
          break;
        }
        texts.push_back(found->second);
      }
    }
    for (auto& text : texts) {
      pb::GetResponse response;
      response.set_timestamp(0);
      response.mutable_data()->set_encoding(request->encoding());
      response.mutable_data()->set_data(std::move(text));
      if (!writer->Write(response)) return Impl::stopped();
    }
    return status;
  }

  grpc::Status CreateCandidate(grpc::ServerContext*, const pb::CreateCandidateRequest*,
                               pb::CreateCandidateResponse* response) override {
    const Outcome outcome = impl_.begin(Rpc::CreateCandidate, [] {});
    if (!impl_.pause(outcome.delay)) return Impl::stopped();
    if (outcome.code != grpc::StatusCode::OK) return {outcome.code, outcome.message};
    const std::lock_guard lock(impl_.mutex);
    const std::uint32_t id = impl_.next_candidate++;
    impl_.live.insert(id);
    impl_.created.push_back(id);
    response->set_candidate_id(id);
    return grpc::Status::OK;
  }

  grpc::Status DeleteCandidate(grpc::ServerContext*, const pb::DeleteCandidateRequest* request,
                               pb::DeleteCandidateResponse*) override {
    const Outcome outcome =
        impl_.begin(Rpc::DeleteCandidate, [&] { impl_.deleted.push_back(request->candidate_id()); });
    if (!impl_.pause(outcome.delay)) return Impl::stopped();
    if (outcome.code != grpc::StatusCode::OK) return {outcome.code, outcome.message};
    const std::lock_guard lock(impl_.mutex);
    if (impl_.live.erase(request->candidate_id()) == 0) return Impl::not_found();
    return grpc::Status::OK;
  }

  grpc::Status EditCandidate(grpc::ServerContext*, const pb::EditCandidateRequest* request,
                             pb::EditCandidateResponse*) override {
    const Outcome outcome = impl_.begin(Rpc::EditCandidate, [&] {
      EditCall call{.candidate_id = request->candidate_id(), .edit = {}};
      for (const auto& pv : request->update()) call.edit.update.push_back({pv.path(), pv.value()});
      for (const auto& pv : request->delete_()) call.edit.remove.push_back({pv.path(), pv.value()});
      impl_.edits.push_back(std::move(call));
    });
    if (!impl_.pause(outcome.delay)) return Impl::stopped();
    if (outcome.code != grpc::StatusCode::OK) return {outcome.code, outcome.message};
    const std::lock_guard lock(impl_.mutex);
    if (!impl_.live.contains(request->candidate_id())) return Impl::not_found();
    return grpc::Status::OK;
  }

  grpc::Status Commit(grpc::ServerContext*, const pb::CommitRequest* request,
                      pb::CommitResponse* response) override {
    const Outcome outcome = impl_.begin(Rpc::Commit, [&] {
      impl_.commits.push_back(CommitCall{
          .candidate_id = request->candidate_id(), .phase = request->phase(), .comment = request->comment()});
    });
    if (!impl_.pause(outcome.delay)) return Impl::stopped();
    if (outcome.code != grpc::StatusCode::OK) return {outcome.code, outcome.message};
    const std::lock_guard lock(impl_.mutex);
    if (!impl_.live.contains(request->candidate_id())) return Impl::not_found();
    response->set_transaction_id(impl_.next_transaction++);
    response->set_error_message(outcome.commit_error);
    return grpc::Status::OK;
  }

 private:
  Impl& impl_;
};

FakeNorthbound::FakeNorthbound() : impl_(std::make_unique<Impl>()) {}

FakeNorthbound::~FakeNorthbound() {
  stop();
}

bool FakeNorthbound::start() {
  const std::lock_guard lock(impl_->mutex);
  if (impl_->server) return true;
  // A fresh service per server: a grpc::Service is bound to the server it was registered with.
  auto service = std::make_unique<Impl::Service>(*impl_);
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(impl_->port), grpc::InsecureServerCredentials(),
                           &bound);
  // No SO_REUSEPORT: a second server on our port (another test binary) would split our calls (§0 #3).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(service.get());
  auto server = builder.BuildAndStart();
  if (!server || bound == 0) return false;
  impl_->port = bound;
  impl_->stopping = false;
  // A restarted daemon has no candidates and counts ids from 1 again (frr-grpc.md §1.7).
  impl_->live.clear();
  impl_->next_candidate = 1;
  impl_->service = std::move(service);
  impl_->server = std::move(server);
  return true;
}

void FakeNorthbound::stop() {
  // Declared in this order so that the server goes before the service it calls.
  std::unique_ptr<Impl::Service> service;
  std::unique_ptr<grpc::Server> server;
  {
    const std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    server = std::move(impl_->server);
    service = std::move(impl_->service);
  }
  impl_->wake.notify_all();
  if (server) {
    // Deadline now: cancel what is in flight instead of waiting for clients to finish.
    server->Shutdown(std::chrono::system_clock::now());
    server->Wait();
  }
}

bool FakeNorthbound::running() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->server != nullptr;
}

int FakeNorthbound::port() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->port;
}

std::string FakeNorthbound::target() const {
  return "127.0.0.1:" + std::to_string(port());
}

void FakeNorthbound::script(Rpc rpc, Outcome outcome) {
  const std::lock_guard lock(impl_->mutex);
  impl_->scripts[index_of(rpc)].push_back(std::move(outcome));
}

void FakeNorthbound::set_config(std::string path, std::string json) {
  const std::lock_guard lock(impl_->mutex);
  impl_->config.insert_or_assign(std::move(path), std::move(json));
}

void FakeNorthbound::set_capabilities(std::string frr_version, std::vector<std::string> modules) {
  const std::lock_guard lock(impl_->mutex);
  impl_->frr_version = std::move(frr_version);
  impl_->modules = std::move(modules);
}

std::vector<Rpc> FakeNorthbound::calls() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->calls;
}

std::size_t FakeNorthbound::count(Rpc rpc) const {
  const std::lock_guard lock(impl_->mutex);
  return static_cast<std::size_t>(std::count(impl_->calls.begin(), impl_->calls.end(), rpc));
}

std::vector<GetCall> FakeNorthbound::gets() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->gets;
}

std::vector<EditCall> FakeNorthbound::edits() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->edits;
}

std::vector<CommitCall> FakeNorthbound::commits() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->commits;
}

std::vector<std::uint32_t> FakeNorthbound::created_candidates() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->created;
}

std::vector<std::uint32_t> FakeNorthbound::deleted_candidates() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->deleted;
}

std::size_t FakeNorthbound::live_candidates() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->live.size();
}

void FakeNorthbound::clear_records() {
  const std::lock_guard lock(impl_->mutex);
  impl_->calls.clear();
  impl_->gets.clear();
  impl_->edits.clear();
  impl_->commits.clear();
  impl_->created.clear();
  impl_->deleted.clear();
}

}  // namespace wgfo::frr::testing

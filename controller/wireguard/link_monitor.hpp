#pragma once
// The rtnetlink link monitor: one NETLINK_ROUTE socket subscribed to RTNLGRP_LINK, driven by the core
// io_context (an asio::posix::stream_descriptor and async_wait, then non-blocking reads), so every
// callback runs on the core thread and needs no locking.
//
// The initial state comes from an RTM_GETLINK dump sent on the same socket after subscribing. Dump
// replies and notifications then arrive in one queue in the order the kernel produced them, so a
// change that races the dump is applied after the dump's older view, never before it.
// When the socket overruns (ENOBUFS: the kernel dropped notifications because we read too slowly, e.g.
// a burst of thousands of links), events are lost; the monitor reports it and dumps again, and the
// LinkTable reports links that disappeared in the gap as deleted. A dump interrupted by concurrent
// changes (NLM_F_DUMP_INTR) is redone the same way.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bfd/io/asio.hpp"
#include "controller/wireguard/link.hpp"

namespace wgfo::link {

struct LinkMonitorOptions {
  int receive_buffer_bytes = 1 << 20;  // SO_RCVBUF(FORCE); the kernel default overruns on large bursts
};

class LinkMonitor {
 public:
  using EventHandler = std::function<void(const LinkEvent&)>;
  enum class Status : std::uint8_t {
    DumpComplete,  // the table is now complete (after start() and after every re-dump)
    Overrun,       // notifications were lost; a re-dump follows
    Error,         // a malformed batch (a re-dump follows) or a socket failure (the monitor stops)
  };
  using StatusHandler = std::function<void(Status, const std::string& detail)>;

  using Options = LinkMonitorOptions;

  // Handlers run on `io`'s thread; they may call stop() but must not destroy the monitor.
  LinkMonitor(asio::io_context& io, EventHandler on_event, StatusHandler on_status = {},
              Options options = {});
  ~LinkMonitor();
  LinkMonitor(const LinkMonitor&) = delete;
  LinkMonitor& operator=(const LinkMonitor&) = delete;

  // Opens and subscribes the socket in the calling thread's network namespace and sends the first
  // dump request; the dump's links arrive as events (from_dump) once the io_context runs, then
  // Status::DumpComplete. nullopt on success, else why it could not start.
  std::optional<std::string> start();
  void stop();

  const LinkTable& table() const { return table_; }
  std::uint64_t overruns() const { return overruns_; }
  std::uint64_t dumps() const { return dumps_; }

 private:
  void arm();
  void on_readable();
  void handle_datagram(std::span<const std::uint8_t> bytes);
  void request_dump();
  void report(Status s, const std::string& detail);
  void fail(const std::string& detail);

  asio::posix::stream_descriptor socket_;
  EventHandler on_event_;
  StatusHandler on_status_;
  Options options_;
  LinkTable table_;
  std::vector<std::uint8_t> buf_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards handlers queued past stop()
  std::uint32_t seq_{0};
  bool running_{false};
  bool redump_pending_{false};
  std::uint64_t overruns_{0};
  std::uint64_t dumps_{0};
};

// A blocking one-shot RTM_GETLINK dump on its own socket (tools, tests, or a caller that wants the state
// before its io_context runs). Events are in the kernel's order, all with from_dump set.
std::variant<std::vector<LinkEvent>, std::string> dump_links();

}  // namespace wgfo::link

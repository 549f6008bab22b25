#pragma once
// systemd integration for Type=notify (deploy/systemd/wg-failoverd.service): READY=1 once the API
// socket serves and BFD runs, RELOADING=1 / READY=1 around a reload, STOPPING=1 on the way out, and
// the watchdog. The watchdog pings come from a timer on the core thread's io_context, so they stop
// when the core thread is stuck (a blocked handler, a deadlock), which is what WatchdogSec must
// catch; a busy BFD thread alone does not stop them. Without NOTIFY_SOCKET (run by hand, in tests)
// every call is a no-op.

#include <chrono>
#include <string>

#include "bfd/io/asio.hpp"

namespace wgfo {

class SystemdNotifier {
 public:
  explicit SystemdNotifier(asio::io_context& io) : timer_(io) {}

  void ready(const std::string& status);
  void reloading();
  void stopping();
  // Starts the watchdog pings if systemd asked for them (WATCHDOG_USEC); returns the interval of the
  // pings, or zero when the watchdog is off.
  std::chrono::microseconds start_watchdog();
  void stop_watchdog() { timer_.cancel(); }

 private:
  void ping();
  asio::steady_timer timer_;
  std::chrono::microseconds interval_{0};
};

}  // namespace wgfo

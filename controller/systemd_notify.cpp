// sd_notify messages and the watchdog timer (see systemd_notify.hpp).
#include "controller/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace wgfo {

void SystemdNotifier::ready(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void SystemdNotifier::reloading() {
  sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
}

void SystemdNotifier::stopping() {
  sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

std::chrono::microseconds SystemdNotifier::start_watchdog() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::chrono::microseconds{0};
  // Half the interval, as sd_watchdog_enabled(3) recommends: one late ping is not yet a failure.
  interval_ = std::chrono::microseconds(static_cast<std::int64_t>(usec / 2));
  ping();
  return interval_;
}

void SystemdNotifier::ping() {
  sd_notify(0, "WATCHDOG=1");
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ping();
  });
}

}  // namespace wgfo

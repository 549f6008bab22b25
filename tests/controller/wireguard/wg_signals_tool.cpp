// wg_signals_tool: drives the WireGuard and link signal sources against a real interface, for the lab
// test (lab_wg_signals.sh) and for trying them by hand. Every command prints what it saw, one line per
// observation, and exits 0 when the expectation held, 1 when it did not (or timed out), 2 on an error
// from the source itself.
//   read IFNAME                         the device as the source reads it
//   check-wg-show IFNAME                compare a UAPI read with `wg show IFNAME ...` (bracketed by two
//                                       wg show runs, so it compares a quiet moment); needs traffic
//   set-endpoint IFNAME KEY HOST:PORT   set a peer's endpoint, then check `wg show IFNAME endpoints`
//   watch-progress IFNAME --until advancing|stalled|stall-cleared [--stall-ms N] [--timeout-ms N]
//                                       sample every 200 ms into a ProgressTracker until the condition
//   watch-links --expect NAME:down|NAME:deleted|NAME:created|overrun ... [--timeout-ms N]
//               [--rcvbuf BYTES] [--block-ms N]
//                                       run a LinkMonitor until every expectation was seen; --block-ms
//                                       stalls the io_context right after the first dump (to overrun a
//                                       small --rcvbuf on purpose)
// "ready" is printed once the first sample / first dump is in, so a script can start its changes then.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "bfd/io/asio.hpp"
#include "controller/wireguard/link_monitor.hpp"
#include "controller/wireguard/progress.hpp"
#include "controller/wireguard/source.hpp"

namespace {

using namespace wgfo;
using namespace std::chrono_literals;

void say(const std::string& line) {
  std::cout << line << std::endl;  // flushed: the lab script reads the log while we run
}

std::string describe(const wg::PeerStats& p) {
  std::ostringstream s;
  s << "peer=" << wg::key_to_base64(p.public_key)
    << " endpoint=" << (p.endpoint ? p.endpoint->to_string() : "none") << " rx=" << p.rx_bytes
    << " tx=" << p.tx_bytes << " handshake=" << p.last_handshake.seconds << "."
    << p.last_handshake.nanoseconds << " keepalive=" << p.persistent_keepalive_interval;
  return s.str();
}

std::string run(const std::string& command) {
  std::string out;
  FILE* f = ::popen(command.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  ::pclose(f);
  return out;
}

std::string sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// `wg show IFNAME X` for the fields the sources read.
std::string wg_show(const std::string& ifname) {
  std::string out;
  for (const char* what :
       {"listen-port", "peers", "transfer", "latest-handshakes", "endpoints", "persistent-keepalive"}) {
    out += std::string("# ") + what + "\n" + sorted_lines(run("wg show " + ifname + " " + what + " 2>&1"));
  }
  return out;
}

// The same text from a DeviceStats, formatted as wg(8) prints it.
std::string as_wg_show(const wg::DeviceStats& d) {
  std::string listen = std::to_string(d.listen_port) + "\n";
  std::string peers, transfer, handshakes, endpoints, keepalive;
  for (const wg::PeerStats& p : d.peers) {
    const std::string k = wg::key_to_base64(p.public_key);
    peers += k + "\n";
    transfer += k + "\t" + std::to_string(p.rx_bytes) + "\t" + std::to_string(p.tx_bytes) + "\n";
    handshakes += k + "\t" + std::to_string(p.last_handshake.seconds) + "\n";
    endpoints += k + "\t" + (p.endpoint ? p.endpoint->to_string() : "(none)") + "\n";
    keepalive += k + "\t" +
                 (p.persistent_keepalive_interval ? std::to_string(p.persistent_keepalive_interval) : "off") +
                 "\n";
  }
  return "# listen-port\n" + listen + "# peers\n" + sorted_lines(peers) + "# transfer\n" +
         sorted_lines(transfer) + "# latest-handshakes\n" + sorted_lines(handshakes) + "# endpoints\n" +
         sorted_lines(endpoints) + "# persistent-keepalive\n" + sorted_lines(keepalive);
}

int read_cmd(const std::string& ifname) {
  auto source = wg::make_source(ifname);
  auto r = source->read(ifname);
  if (const wg::Error* e = wg::error_of(r)) {
    say("error (" + std::string(source->backend()) + "): " + e->message);
    return 2;
  }
  const auto& d = std::get<wg::DeviceStats>(r);
  say("backend=" + std::string(source->backend()) + " ifname=" + d.ifname +
      " listen_port=" + std::to_string(d.listen_port) + " peers=" + std::to_string(d.peers.size()));
  for (const auto& p : d.peers) say(describe(p));
  return 0;
}

int check_wg_show(const std::string& ifname) {
  auto source = wg::make_source(ifname);
  if (source->backend() != "uapi") {
    say("expected the UAPI backend for " + ifname + ", got " + std::string(source->backend()));
    return 1;
  }
  for (int attempt = 1; attempt <= 5; ++attempt) {
    const std::string before = wg_show(ifname);
    auto r = source->read(ifname);
    const std::string after = wg_show(ifname);
    if (const wg::Error* e = wg::error_of(r)) {
      say("error: " + e->message);
      return 2;
    }
    if (before != after) {
      say("attempt " + std::to_string(attempt) + ": counters moved during the read, again");
      continue;
    }
    const auto& d = std::get<wg::DeviceStats>(r);
    for (const auto& p : d.peers) say(describe(p));
    const std::string ours = as_wg_show(d);
    if (ours != before) {
      say("MISMATCH\n--- wg show\n" + before + "--- uapi\n" + ours);
      return 1;
    }
    const bool traffic = std::any_of(d.peers.begin(), d.peers.end(), [](const wg::PeerStats& p) {
      return p.rx_bytes > 0 && p.tx_bytes > 0 && !p.last_handshake.never();
    });
    if (!traffic) {
      say("no peer with traffic and a handshake");
      return 1;
    }
    say("match: " + std::to_string(d.peers.size()) + " peers, keys, transfer, handshakes, endpoints");
    return 0;
  }
  say("counters never held still");
  return 1;
}

int set_endpoint_cmd(const std::string& ifname, const std::string& key_text,
                     const std::string& endpoint_text) {
  auto key = wg::key_from_base64(key_text);
  if (const wg::Error* e = wg::error_of(key)) {
    say("bad key: " + e->message);
    return 2;
  }
  std::string why;
  auto endpoint = HostPort::parse(endpoint_text, HostPort::Host::IpOnly, &why);
  if (!endpoint) {
    say("bad endpoint: " + why);
    return 2;
  }
  auto source = wg::make_source(ifname);
  auto r = source->set_endpoint(ifname, std::get<wg::Key>(key), *endpoint);
  if (const wg::Error* e = wg::error_of(r)) {
    say("error (" + std::string(source->backend()) + "): " + e->message);
    return 2;
  }
  const std::string want = key_text + "\t" + endpoint->to_string() + "\n";
  const std::string shown = run("wg show " + ifname + " endpoints");
  say("set via " + std::string(source->backend()) + "; wg show " + ifname + " endpoints: " + shown);
  return shown.find(want) != std::string::npos ? 0 : 1;
}

int watch_progress(const std::string& ifname, const std::string& until, int stall_ms, int timeout_ms) {
  if (until != "advancing" && until != "stalled" && until != "stall-cleared") {
    say("--until must be advancing, stalled or stall-cleared");
    return 2;
  }
  wg::ProgressConfig config;
  config.stall_time = std::chrono::milliseconds(stall_ms);
  wg::ProgressTracker tracker(config);
  auto source = wg::make_source(ifname);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  bool ready = false;
  bool seen_stall = false;
  std::map<wg::Key, std::string> last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = source->read(ifname);
    if (const wg::Error* e = wg::error_of(r)) {
      say("error: " + e->message);
      return 2;
    }
    const auto progress = tracker.observe(std::get<wg::DeviceStats>(r), std::chrono::steady_clock::now(),
                                          std::chrono::system_clock::now());
    for (const wg::PeerProgress& p : progress) {
      const std::string state = std::string("stalled=") + (p.rx_stalled ? "1" : "0") +
                                " advancing=" + (p.handshake_advancing ? "1" : "0") +
                                " reset=" + (p.counters_reset ? "1" : "0");
      if (last[p.public_key] != state) {
        say("peer=" + wg::key_to_base64(p.public_key) + " " + state +
            " unanswered_tx=" + std::to_string(p.unanswered_tx_bytes) +
            " unanswered_ms=" + std::to_string(p.unanswered_for.count()) +
            " handshake_age_ms=" + (p.handshake_age ? std::to_string(p.handshake_age->count()) : "never"));
        last[p.public_key] = state;
      }
      seen_stall = seen_stall || p.rx_stalled;
      const bool met = (until == "advancing" && p.handshake_advancing) ||
                       (until == "stalled" && p.rx_stalled) ||
                       (until == "stall-cleared" && seen_stall && !p.rx_stalled);
      if (met) {
        say("met: " + until);
        return 0;
      }
    }
    if (!ready) say("ready");
    ready = true;
    std::this_thread::sleep_for(200ms);
  }
  say("timeout waiting for " + until);
  return 1;
}

int watch_links(const std::vector<std::string>& expects, int timeout_ms, int rcvbuf, int block_ms) {
  auto oneshot = link::dump_links();
  if (auto* err = std::get_if<std::string>(&oneshot)) {
    say("dump_links: " + *err);
    return 2;
  }
  for (const auto& e : std::get<std::vector<link::LinkEvent>>(oneshot)) {
    say("oneshot " + link::to_string(e) + (e.usable() ? " usable" : " unusable"));
  }

  std::set<std::string> pending(expects.begin(), expects.end());
  std::set<std::string> initial;
  bool ready = false;
  bool overrun = false;
  int rc = 1;
  asio::io_context io;
  asio::steady_timer timeout(io, std::chrono::milliseconds(timeout_ms));
  link::LinkMonitor* monitor_ptr = nullptr;
  const auto satisfy = [&](const std::string& what) {
    if (pending.erase(what) != 0) say("seen: " + what);
    if (ready && pending.empty()) {
      rc = 0;
      monitor_ptr->stop();
      timeout.cancel();
    }
  };
  link::LinkMonitor monitor(
      io,
      [&](const link::LinkEvent& e) {
        say(std::string("event ") + link::to_string(e) + (e.from_dump ? " (dump)" : ""));
        if (!ready) {
          if (!e.deleted) initial.insert(e.ifname);
          return;
        }
        if (e.deleted) {
          satisfy(e.ifname + ":deleted");
        } else {
          if (!e.up) satisfy(e.ifname + ":down");
          if (!initial.contains(e.ifname)) satisfy(e.ifname + ":created");
        }
      },
      [&](link::LinkMonitor::Status s, const std::string& detail) {
        using S = link::LinkMonitor::Status;
        say(std::string("status ") +
            (s == S::DumpComplete ? "dump-complete"
             : s == S::Overrun    ? "overrun"
                                  : "error") +
            ": " + detail);
        if (s == S::Overrun) overrun = true;
        if (s == S::DumpComplete && !ready) {
          ready = true;
          say("ready");
          if (block_ms > 0) {
            asio::post(io, [block_ms] { std::this_thread::sleep_for(std::chrono::milliseconds(block_ms)); });
          }
        } else if (s == S::DumpComplete && overrun) {
          satisfy("overrun");  // lost events reported, and the re-dump that repairs them finished
        }
        if (s == S::Error) io.stop();
      },
      link::LinkMonitorOptions{.receive_buffer_bytes = rcvbuf});
  monitor_ptr = &monitor;
  if (auto err = monitor.start()) {
    say("start: " + *err);
    return 2;
  }
  timeout.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    std::string left;
    for (const auto& p : pending) left += " " + p;
    say("timeout; still expecting:" + left);
    monitor.stop();
  });
  io.run();
  say("overruns=" + std::to_string(monitor.overruns()) + " dumps=" + std::to_string(monitor.dumps()));
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wg_signals_tool: exercise the WireGuard and link signal sources"};
  app.require_subcommand(1);
  std::string ifname, key, endpoint, until = "advancing";
  int stall_ms = 15000, timeout_ms = 10000, rcvbuf = 1 << 20, block_ms = 0;
  std::vector<std::string> expects;

  auto* read = app.add_subcommand("read", "read a device");
  read->add_option("ifname", ifname)->required();
  auto* check = app.add_subcommand("check-wg-show", "compare a UAPI read with wg show");
  check->add_option("ifname", ifname)->required();
  auto* set = app.add_subcommand("set-endpoint", "set a peer's endpoint");
  set->add_option("ifname", ifname)->required();
  set->add_option("key", key)->required();
  set->add_option("endpoint", endpoint)->required();
  auto* progress = app.add_subcommand("watch-progress", "sample into a ProgressTracker");
  progress->add_option("ifname", ifname)->required();
  progress->add_option("--until", until);
  progress->add_option("--stall-ms", stall_ms);
  progress->add_option("--timeout-ms", timeout_ms);
  auto* links = app.add_subcommand("watch-links", "run a LinkMonitor");
  links->add_option("--expect", expects)->required();
  links->add_option("--timeout-ms", timeout_ms);
  links->add_option("--rcvbuf", rcvbuf);
  links->add_option("--block-ms", block_ms);
  CLI11_PARSE(app, argc, argv);

  if (*read) return read_cmd(ifname);
  if (*check) return check_wg_show(ifname);
  if (*set) return set_endpoint_cmd(ifname, key, endpoint);
  if (*progress) return watch_progress(ifname, until, stall_ms, timeout_ms);
  return watch_links(expects, timeout_ms, rcvbuf, block_ms);
}

// wgfo_stream: the continuous, sequence-numbered probe stream the failover tests and the failover
// benchmark run between hosts behind two sites. The sender paces datagrams on an absolute schedule
// (one every --interval-us, catching up after a stall instead of drifting); the receiver records when
// each sequence number arrived and, when its time is up, prints one JSON object:
//   {"received", "first_seq", "last_seq", "lost", "duplicates", "reordered", "max_gap_ms",
//    "gaps": [{"after_seq", "next_seq", "missing", "gap_ms", "at_ms"}, ...]}
// A gap is two consecutive arrivals further apart than --gap-ms (default 5 ms); gap_ms is their
// distance in time, the traffic interruption an application would see; at_ms is when the gap began,
// in ms since the receiver started. Both ends stop by themselves (--count / --duration); SIGTERM makes
// the receiver stop early and still print its summary.
//
//   wgfo_stream send --to ADDR --port P [--bind ADDR] [--interval-us 1000] --count N
//   wgfo_stream recv --listen ADDR --port P --duration SECONDS [--gap-ms 5]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;  // SIGTERM/SIGINT: the receiver stops early and still reports
void on_stop_signal(int) {
  g_stop = 1;
}

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kMagic = 0x57475354;  // "WGST"

struct Args {
  std::string mode, to, bind, listen;
  std::uint16_t port{0};
  long interval_us{1000};
  long count{0};
  double duration{0};
  double gap_ms{5};
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "wgfo_stream: %s\n", why);
  std::exit(2);
}

Args parse(int argc, char** argv) {
  if (argc < 2) usage("send|recv expected");
  Args a;
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + k).c_str());
    const char* v = argv[++i];
    if (k == "--to")
      a.to = v;
    else if (k == "--bind")
      a.bind = v;
    else if (k == "--listen")
      a.listen = v;
    else if (k == "--port")
      a.port = static_cast<std::uint16_t>(std::stoul(v));
    else if (k == "--interval-us")
      a.interval_us = std::stol(v);
    else if (k == "--count")
      a.count = std::stol(v);
    else if (k == "--duration")
      a.duration = std::stod(v);
    else if (k == "--gap-ms")
      a.gap_ms = std::stod(v);
    else
      usage(("unknown option " + k).c_str());
  }
  if (a.port == 0) usage("--port is required");
  return a;
}

// Fills a sockaddr for an IPv4 or IPv6 literal.
socklen_t address(const std::string& ip, std::uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof *v4;
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return sizeof *v6;
  }
  usage(("not an IP address: " + ip).c_str());
}

int send_mode(const Args& a) {
  if (a.to.empty() || a.count <= 0 || a.interval_us <= 0)
    usage("send needs --to, --count > 0, --interval-us > 0");
  sockaddr_storage dst{};
  const socklen_t dlen = address(a.to, a.port, dst);
  const int fd = ::socket(dst.ss_family, SOCK_DGRAM, 0);
  if (fd < 0) return std::perror("socket"), 1;
  if (!a.bind.empty()) {
    sockaddr_storage src{};
    const socklen_t slen = address(a.bind, 0, src);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), slen) != 0) return std::perror("bind"), 1;
  }
  const auto start = Clock::now();
  long errors = 0;
  for (long seq = 0; seq < a.count; ++seq) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(a.interval_us * seq));
    std::uint8_t buf[16];
    const std::uint32_t magic = htonl(kMagic);
    const std::uint64_t s = static_cast<std::uint64_t>(seq);
    std::memcpy(buf, &magic, 4);
    std::memcpy(buf + 4, &s, 8);
    std::memset(buf + 12, 0, 4);
    // Sends fail while there is no route (kill switch: blackhole) — that is the point, count them.
    if (::sendto(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&dst), dlen) < 0) ++errors;
  }
  std::printf("{\"sent\": %ld, \"send_errors\": %ld}\n", a.count, errors);
  ::close(fd);
  return 0;
}

int recv_mode(const Args& a) {
  if (a.listen.empty() || a.duration <= 0) usage("recv needs --listen and --duration > 0");
  sockaddr_storage addr{};
  const socklen_t len = address(a.listen, a.port, addr);
  const int fd = ::socket(addr.ss_family, SOCK_DGRAM, 0);
  if (fd < 0) return std::perror("socket"), 1;
  const int big = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) return std::perror("bind"), 1;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  std::printf("{\"listening\": true}\n");
  std::fflush(stdout);

  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.duration));
  struct Arrival {
    std::uint64_t seq;
    double at_ms;
  };
  std::vector<Arrival> arrivals;
  arrivals.reserve(1 << 20);
  std::map<std::uint64_t, int> seen;
  long duplicates = 0, reordered = 0;
  std::uint64_t highest = 0;
  bool any = false;
  for (;;) {
    const auto now = Clock::now();
    if (now >= end || g_stop) break;
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now).count() + 1;
    if (::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100))) <= 0) continue;
    std::uint8_t buf[64];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n != 16) continue;
    std::uint32_t magic;
    std::memcpy(&magic, buf, 4);
    if (ntohl(magic) != kMagic) continue;
    std::uint64_t seq;
    std::memcpy(&seq, buf + 4, 8);
    const double at = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (seen[seq]++ > 0) {
      ++duplicates;
      continue;
    }
    if (any && seq < highest) ++reordered;
    highest = any ? std::max(highest, seq) : seq;
    any = true;
    arrivals.push_back({seq, at});
  }
  std::uint64_t first = 0, last = 0;
  if (any) {
    first = seen.begin()->first;
    last = seen.rbegin()->first;
  }
  const long lost = any ? static_cast<long>(last - first + 1) - static_cast<long>(seen.size()) : 0;
  double max_gap = 0;
  std::string gaps;
  for (std::size_t i = 1; i < arrivals.size(); ++i) {
    const double gap = arrivals[i].at_ms - arrivals[i - 1].at_ms;
    max_gap = std::max(max_gap, gap);
    if (gap <= a.gap_ms) continue;
    char item[200];
    const long missing = arrivals[i].seq > arrivals[i - 1].seq
                             ? static_cast<long>(arrivals[i].seq - arrivals[i - 1].seq - 1)
                             : 0;
    std::snprintf(
        item, sizeof item,
        "%s{\"after_seq\": %llu, \"next_seq\": %llu, \"missing\": %ld, \"gap_ms\": %.3f, \"at_ms\": %.3f}",
        gaps.empty() ? "" : ", ", static_cast<unsigned long long>(arrivals[i - 1].seq),
        static_cast<unsigned long long>(arrivals[i].seq), missing, gap, arrivals[i - 1].at_ms);
    gaps += item;
  }
  std::printf(
      "{\"received\": %zu, \"first_seq\": %llu, \"last_seq\": %llu, \"lost\": %ld, \"duplicates\": %ld, "
      "\"reordered\": %ld, \"max_gap_ms\": %.3f, \"gaps\": [%s]}\n",
      seen.size(), static_cast<unsigned long long>(first), static_cast<unsigned long long>(last), lost,
      duplicates, reordered, max_gap, gaps.c_str());
  ::close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  if (a.mode == "send") return send_mode(a);
  if (a.mode == "recv") return recv_mode(a);
  usage("send|recv expected");
}

// Audit log: see the header for the line shape. Notes on choices made here:
//   - nlohmann's ordered_json keeps the keys in the documented order, so lines read the same way every
//     time (and diff well); dump() runs with error_handler_t::replace, because a throwing formatter on
//     the core thread would be worse than a replaced byte.
//   - One write() per line, retried only for EINTR and for what a partial write left over: with
//     O_APPEND the kernel places each write at the end, so a line is never split by another writer
//     (a second daemon by mistake, or logrotate's copytruncate).
//   - reopen() opens the new file before closing the old one: if the new open fails, lines keep going
//     to the rotated file rather than nowhere.

#include "controller/audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <system_error>

namespace wgfo {

namespace {

using Json = nlohmann::ordered_json;

Json route_json(const std::optional<RouteView>& view) {
  if (!view) return nullptr;
  return Json{{"active", view->active}, {"kill_switch", view->kill_switch}, {"signalled", view->signalled}};
}

Json commit_json(const std::optional<std::uint32_t>& transaction_id) {
  if (!transaction_id) return nullptr;
  // FRR answers 0 when it found nothing to change or keeps no transaction database (Debian's build):
  // committed, but no id to look up, so null rather than a 0 that reads like a real transaction.
  if (*transaction_id == 0) return Json{{"transaction_id", nullptr}};
  return Json{{"transaction_id", *transaction_id}};
}

bool same(const RouteView& a, const RouteView& b) {
  return a.active == b.active && a.kill_switch == b.kill_switch && a.signalled == b.signalled;
}

}  // namespace

std::string audit_time(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto s = floor<seconds>(ms);  // floor, not truncation: times before 1970 stay well-formed
  const auto secs = static_cast<std::time_t>(s.time_since_epoch().count());
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) return "";
  char buf[96];  // sized for any int fields, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((ms - s).count()));
  return buf;
}

std::vector<AuditRecord> audit_changes(const std::vector<RouteView>& before,
                                       const std::vector<RouteView>& after) {
  std::map<IpPrefix, std::pair<const RouteView*, const RouteView*>> by_prefix;
  for (const auto& v : before) by_prefix[v.prefix].first = &v;
  for (const auto& v : after) by_prefix[v.prefix].second = &v;
  std::vector<AuditRecord> out;
  for (const auto& [prefix, views] : by_prefix) {
    const auto [was, is] = views;
    if (was != nullptr && is != nullptr && same(*was, *is)) continue;
    AuditRecord r;
    r.prefix = prefix;
    if (was != nullptr) r.before = *was;
    if (is != nullptr) r.after = *is;
    out.push_back(std::move(r));
  }
  return out;
}

std::string audit_line(const AuditRecord& record) {
  Json cause = Json::array();
  for (const TunnelEvent& e : record.cause) {
    cause.push_back(Json{{"time", audit_time(e.time)},
                         {"tunnel", e.tunnel},
                         {"from", to_string(e.from)},
                         {"to", to_string(e.to)},
                         {"cause", e.cause}});
  }
  Json tunnels = Json::object();
  for (const auto& [name, state] : record.tunnels) tunnels[name] = to_string(state);
  Json line{{"time", audit_time(record.time)},
            {"version", record.version},
            {"prefix", record.prefix.to_string()},
            {"before", route_json(record.before)},
            {"after", route_json(record.after)},
            {"cause", std::move(cause)},
            {"tunnels", std::move(tunnels)},
            {"frr",
             {{"staticd", commit_json(record.staticd_transaction_id)},
              {"bgpd", commit_json(record.bgpd_transaction_id)}}}};
  if (!record.repair.empty()) line["repair"] = record.repair;
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// ---- AuditLog ----

namespace {

int open_log(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0640);
}

}  // namespace

AuditLog::AuditLog(std::string path) : path_(std::move(path)) {
  fd_ = open_log(path_);
  if (fd_ < 0) failed("cannot open", errno);
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::failed(std::string_view what, int error) {
  ++write_errors_;
  if (failing_) return;
  failing_ = true;
  spdlog::error("audit log {}: {}: {}; lines are lost until it works again", path_, what,
                std::system_category().message(error));
}

bool AuditLog::reopen() {
  const int fd = open_log(path_);
  if (fd < 0) {
    failed("cannot reopen", errno);
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return true;
}

bool AuditLog::write(const AuditRecord& record) {
  return write_line(audit_line(record));
}

bool AuditLog::write_line(std::string_view json) {
  if (fd_ < 0) {
    failed("not open", EBADF);
    return false;
  }
  std::string line(json);
  line.push_back('\n');
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed("cannot write", n < 0 ? errno : EIO);
      return false;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  ++lines_written_;
  if (failing_) {
    failing_ = false;
    spdlog::info("audit log {}: writing again", path_);
  }
  return true;
}

}  // namespace wgfo

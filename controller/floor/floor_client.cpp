// The floor's rtnetlink socket (see floor.hpp): dump the rules of both families, plan, apply with one
// acknowledged request per rule.
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "controller/floor/floor.hpp"
#include "controller/wireguard/nl_decode.hpp"

namespace wgfo::floor {
namespace {

struct SocketCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using Socket = std::unique_ptr<mnl_socket, SocketCloser>;

std::string errno_text(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Reads until the answer to `seq` is complete: NLMSG_DONE for a dump, the ACK for a request. Dump
// messages are appended to `dump`.
std::string receive(mnl_socket* sock, std::uint32_t seq, bool is_dump, std::vector<std::uint8_t>& dump) {
  std::vector<std::uint8_t> buf(64 * 1024);
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(sock, buf.data(), buf.size());
    if (n < 0) return errno_text("rtnetlink recv");
    auto split = nl::split_messages(nl::Bytes(buf.data(), static_cast<std::size_t>(n)));
    if (auto* err = std::get_if<std::string>(&split)) return *err;
    for (const nl::Message& m : std::get<std::vector<nl::Message>>(split)) {
      if (m.seq != seq) continue;
      if (m.type == NLMSG_ERROR) {
        const auto status = nl::status_of(m);
        if (!status) return "truncated NLMSG_ERROR";
        return *status == 0 ? "" : std::strerror(nl::errno_of(*status));
      }
      if (m.type == NLMSG_DONE) return "";
      if (is_dump) {
        // Re-frame the message so that parse_rule_messages sees what the kernel sent.
        nlmsghdr hdr{};
        hdr.nlmsg_len = static_cast<std::uint32_t>(sizeof hdr + m.payload.size());
        hdr.nlmsg_type = m.type;
        hdr.nlmsg_seq = m.seq;
        const auto* h = reinterpret_cast<const std::uint8_t*>(&hdr);
        dump.insert(dump.end(), h, h + sizeof hdr);
        dump.insert(dump.end(), m.payload.begin(), m.payload.end());
        dump.resize(nl::align4(dump.size()), 0);
      }
    }
  }
}

std::string dump_rules(mnl_socket* sock, std::uint8_t family, std::uint32_t seq, std::vector<Rule>& out) {
  alignas(nlmsghdr) std::array<char, 64> req{};
  nlmsghdr* nlh = mnl_nlmsg_put_header(req.data());
  nlh->nlmsg_type = RTM_GETRULE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = seq;
  auto* frh = static_cast<fib_rule_hdr*>(mnl_nlmsg_put_extra_header(nlh, sizeof(fib_rule_hdr)));
  frh->family = family;
  if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) return errno_text("rtnetlink send");
  std::vector<std::uint8_t> dump;
  if (std::string e = receive(sock, seq, true, dump); !e.empty()) return "rule dump: " + e;
  auto parsed = parse_rule_messages(dump);
  if (auto* err = std::get_if<std::string>(&parsed)) return "rule dump: " + *err;
  for (Rule& r : std::get<std::vector<Rule>>(parsed))
    if ((family == AF_INET) == r.to.address().is_v4()) out.push_back(r);
  return "";
}

std::string send_rule(mnl_socket* sock, Op op, const Rule& r, std::uint32_t seq) {
  const std::vector<std::uint8_t> msg = encode_rule(op, r, seq);
  if (mnl_socket_sendto(sock, msg.data(), msg.size()) < 0) return errno_text("rtnetlink send");
  std::vector<std::uint8_t> unused;
  std::string e = receive(sock, seq, false, unused);
  if (e.empty()) return "";
  return std::string(op == Op::Add ? "adding" : "deleting") + " the rule to " + r.to.to_string() +
         " priority " + std::to_string(r.priority) + ": " + e;
}

}  // namespace

Applied apply_floor(const std::vector<Rule>& desired) {
  Applied result;
  Socket sock(mnl_socket_open(NETLINK_ROUTE));
  if (!sock) return {{}, errno_text("rtnetlink socket")};
  if (mnl_socket_bind(sock.get(), 0, MNL_SOCKET_AUTOPID) < 0) return {{}, errno_text("rtnetlink bind")};
  std::uint32_t seq = 1;
  std::vector<Rule> observed;
  for (const int family : {AF_INET, AF_INET6}) {
    if (std::string e = dump_rules(sock.get(), static_cast<std::uint8_t>(family), seq++, observed);
        !e.empty()) {
      // A kernel without IPv6 has no AF_INET6 rules to dump; that is not an error.
      if (family == AF_INET6 && e.find("not supported") != std::string::npos) continue;
      return {{}, e};
    }
  }
  const Plan todo = plan(desired, observed);
  for (const Rule& r : todo.remove) {
    if (std::string e = send_rule(sock.get(), Op::Delete, r, seq++); !e.empty()) return {result.done, e};
    result.done.remove.push_back(r);
  }
  for (const Rule& r : todo.add) {
    if (std::string e = send_rule(sock.get(), Op::Add, r, seq++); !e.empty()) return {result.done, e};
    result.done.add.push_back(r);
  }
  return result;
}

}  // namespace wgfo::floor

// Config loader entry points (file and string), error formatting, and the value syntax shared by the
// parse and validate passes. The entry points own the "never throw, never half-load" contract: every
// exception from yaml-cpp or below becomes a ConfigError, and a Config is returned only when the error
// list is empty.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <limits>
#include <sstream>
#include <system_error>

#include "controller/config_internal.hpp"

namespace wgfo {
namespace config_detail {
namespace {

// Far above any real deployment (thousands of tunnels fit in a few MiB) and low enough that a wrong
// path (a disk image, /dev/zero) is refused before it is read into memory.
constexpr std::size_t kMaxFileSize = 16U * 1024U * 1024U;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::size_t count_digits(std::string_view text, std::size_t from) {
  std::size_t n = from;
  while (n < text.size() && is_digit(text[n])) ++n;
  return n - from;
}

// "12.5" -> integer 12, fraction digits "5". Requires digits on both sides of a '.'.
struct Decimal {
  std::string_view integer;
  std::string_view fraction;
  std::string_view rest;  // what follows the number (the unit)
};

std::optional<Decimal> split_decimal(std::string_view text) {
  const std::size_t int_len = count_digits(text, 0);
  if (int_len == 0) return std::nullopt;
  Decimal d{text.substr(0, int_len), {}, text.substr(int_len)};
  if (d.rest.starts_with('.')) {
    const std::size_t frac_len = count_digits(text, int_len + 1);
    if (frac_len == 0) return std::nullopt;
    d.fraction = text.substr(int_len + 1, frac_len);
    d.rest = text.substr(int_len + 1 + frac_len);
  }
  return d;
}

struct Unit {
  std::string_view name;
  std::uint64_t micros;
};
constexpr std::array<Unit, 5> kUnits{
    {{"h", 3'600'000'000ULL}, {"m", 60'000'000ULL}, {"s", 1'000'000ULL}, {"ms", 1'000ULL}, {"us", 1ULL}}};
constexpr std::string_view kUnitList = "us, ms, s, m, h";

std::uint64_t to_u64(std::string_view digits) {
  std::uint64_t v = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return v;
}

// The documents of a YAML stream, counted up to three. YAML::LoadAll() is not used: on a stream its parser
// cannot advance in (a file starting with ',', for one) it loops forever, allocating a node per turn
// (yaml-cpp up to 0.8.0, fixed upstream by jbeder/yaml-cpp#1319), which would hang `--check` and a reload
// until memory runs out. Here a document that starts where the one before it started is that dead end.
class DocumentCounter : public YAML::EventHandler {
 public:
  // Feeds the stream through the parser up to a dead end or the third document (so that a dead end right
  // after a first document, as in "&a ,", is still found as such).
  void count(const std::string& yaml) {
    std::istringstream in(yaml);
    YAML::Parser parser(in);
    while (documents_ < 3 && !stuck_ && parser.HandleNextDocument(*this)) {
    }
  }
  int documents() const { return documents_; }
  bool stuck() const { return stuck_; }
  const YAML::Mark& start() const { return start_; }              // of the last document
  const YAML::Mark& second_root() const { return second_root_; }  // the second document's node

  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = documents_ > 0 && mark.pos == start_.pos;
    start_ = mark;
    ++documents_;
    root_ = true;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (root_ && documents_ == 2) second_root_ = mark;
    root_ = false;
  }

  int documents_{0};
  bool stuck_{false};
  bool root_{false};
  YAML::Mark start_;
  YAML::Mark second_root_;
};

}  // namespace

int Context::line_of(std::string_view key) const {
  std::string k(key);
  while (!k.empty()) {
    if (const auto it = lines_.find(k); it != lines_.end()) return it->second;
    const std::size_t cut = k.find_last_of(".[");
    if (cut == std::string::npos) break;
    k.resize(cut);
  }
  return 0;
}

bool Context::failed(std::string_view key) const {
  return std::any_of(failed_.begin(), failed_.end(), [key](const std::string& f) {
    return key.starts_with(f) && (key.size() == f.size() || key[f.size()] == '.' || key[f.size()] == '[');
  });
}

void Context::error(int line, std::string key, std::string message) {
  failed_.push_back(key);
  errors_.push_back({file_, line, std::move(key), std::move(message)});
}

std::vector<ConfigError> Context::take_errors() {
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
  return std::move(errors_);
}

std::optional<std::chrono::microseconds> parse_duration(std::string_view text, std::string* why) {
  const auto fail = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  const auto d = split_decimal(text);
  if (!d) {
    return fail("expected a duration such as 50ms, 1.5s or 2m, got " + quote(text) +
                " (units: " + std::string(kUnitList) + ")");
  }
  if (d->rest.empty()) {
    return fail(quote(text) + " has no unit; write e.g. " + std::string(text) + "ms or " + std::string(text) +
                "s (units: " + std::string(kUnitList) + ")");
  }
  const auto unit =
      std::find_if(kUnits.begin(), kUnits.end(), [&](const Unit& u) { return u.name == d->rest; });
  if (unit == kUnits.end()) {
    return fail("unknown unit " + quote(d->rest) + " in " + quote(text) +
                " (units: " + std::string(kUnitList) + ")");
  }
  // 9 integer digits times the largest unit (1h) stays below 2^63; so do 6 fraction digits.
  if (d->integer.size() > 9 || d->fraction.size() > 6)
    return fail(quote(text) + " is too large or too precise");
  std::uint64_t scale = 1;
  for (std::size_t i = 0; i < d->fraction.size(); ++i) scale *= 10;
  const std::uint64_t fraction_micros = to_u64(d->fraction) * unit->micros;
  if (fraction_micros % scale != 0) return fail(quote(text) + " is finer than the 1us resolution");
  const std::uint64_t total = to_u64(d->integer) * unit->micros + fraction_micros / scale;
  return std::chrono::microseconds{static_cast<std::int64_t>(total)};
}

std::string format_duration(std::chrono::microseconds d) {
  // Minutes are skipped: engineers think of BFD and hold-down limits in seconds ("60s", "120s").
  const std::int64_t us = d.count();
  if (us == 0) return "0s";
  for (const Unit& u : kUnits) {
    const auto m = static_cast<std::int64_t>(u.micros);
    if (u.name != "m" && us % m == 0) return std::to_string(us / m) + std::string(u.name);
  }
  return std::to_string(us) + "us";  // unreachable: every value is a whole number of us
}

std::optional<double> parse_percent(std::string_view text, std::string* why) {
  const auto fail = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  const auto d = split_decimal(text);
  if (!d || (!d->rest.empty() && d->rest != "%")) {
    return fail("expected a percentage such as 5% or 0.5%, got " + quote(text));
  }
  if (d->rest.empty()) return fail(quote(text) + " has no % sign; write e.g. " + std::string(text) + "%");
  double value = 0;
  const std::string_view number = text.substr(0, text.size() - 1);
  const auto res = std::from_chars(number.data(), number.data() + number.size(), value);
  if (res.ec != std::errc{} || value > 100.0) return fail(quote(text) + " is out of range 0%..100%");
  return value;
}

std::string format_percent(double percent) {
  std::array<char, 32> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), percent);
  return std::string(buf.data(), res.ptr) + "%";
}

bool is_valid_name(std::string_view name, std::size_t max_len) {
  if (name.empty() || name.size() > max_len || name.front() == '-' || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '.' ||
           c == '-';
  });
}

bool is_valid_ifname(std::string_view name) {
  // IFNAMSIZ is 16 including the NUL. The kernel also refuses "." and ".."; control and non-ASCII
  // bytes are refused here too, since they could never be typed into `ip link` sensibly.
  if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7F && c != '/' && c != ':';
  });
}

bool is_valid_wireguard_key(std::string_view base64) {
  // 32 bytes are 43 base64 characters plus one '='. The 43rd character carries only 4 data bits, so
  // its low 2 bits must be zero (the canonical encoding `wg pubkey` prints).
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (base64.size() != 44 || base64[43] != '=') return false;
  for (std::size_t i = 0; i < 43; ++i) {
    const std::size_t v = kAlphabet.find(base64[i]);
    if (v == std::string_view::npos) return false;
    if (i == 42 && (v & 3U) != 0) return false;
  }
  return true;
}

bool is_valid_community(std::string_view text, std::string* why) {
  // The well-known names FRR's community parser accepts (bgpd/bgp_community.c), spelt as FRR does.
  static const std::vector<std::string_view> kWellKnown = {"internet",        "graceful-shutdown",
                                                           "accept-own",      "route-filter-translated-v4",
                                                           "route-filter-v4", "route-filter-translated-v6",
                                                           "route-filter-v6", "llgr-stale",
                                                           "no-llgr",         "accept-own-nexthop",
                                                           "blackhole",       "no-export",
                                                           "no-advertise",    "local-AS",
                                                           "no-peer"};
  if (std::find(kWellKnown.begin(), kWellKnown.end(), text) != kWellKnown.end()) return true;
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view asn = text.substr(0, colon);
    const std::string_view value = text.substr(colon + 1);
    const auto in_range = [](std::string_view part) {
      return !part.empty() && part.size() <= 5 && count_digits(part, 0) == part.size() &&
             to_u64(part) <= 65535;
    };
    if (in_range(asn) && in_range(value)) return true;
  }
  std::string reason =
      quote(text) + " is not a BGP community; expected ASN:VALUE (each 0..65535, e.g. 65000:200)";
  std::string_view near = closest(text, kWellKnown);
  if (near.empty()) {
    // FRR matches names case-sensitively ("local-AS"), so a case slip deserves a precise hint.
    const auto lower = [](std::string_view s) {
      std::string out(s);
      for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      return out;
    };
    const auto it = std::find_if(kWellKnown.begin(), kWellKnown.end(),
                                 [&](std::string_view w) { return lower(w) == lower(text); });
    if (it != kWellKnown.end()) near = *it;
  }
  reason += near.empty() ? " or a well-known name such as no-export, no-advertise, local-AS, blackhole"
                         : "; did you mean " + std::string(near) + "?";
  if (why != nullptr) *why = std::move(reason);
  return false;
}

std::string quote(std::string_view value) {
  constexpr std::size_t kMax = 80;
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4U];
      out += kHex[c & 0xFU];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (value.size() > kMax) out += "...";
  return out + "\"";
}

std::string_view closest(std::string_view word, const std::vector<std::string_view>& candidates) {
  // Levenshtein distance with one rolling row; candidate lists are short and so are the words.
  const auto distance = [](std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0U : 1U)});
        diag = up;
      }
    }
    return row[b.size()];
  };
  std::string_view best;
  std::size_t best_distance = 3;  // suggest only near misses
  for (const std::string_view c : candidates) {
    const std::size_t d = distance(word, c);
    if (d < best_distance && d < c.size()) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace config_detail

std::string_view to_string(RouteConfig::Mode mode) {
  return mode == RouteConfig::Mode::Ecmp ? "ecmp" : "active-passive";
}

const TunnelConfig* Config::find_tunnel(std::string_view name) const {
  const auto it =
      std::find_if(tunnels.begin(), tunnels.end(), [name](const TunnelConfig& t) { return t.name == name; });
  return it == tunnels.end() ? nullptr : &*it;
}

std::string format(const ConfigError& error) {
  std::string out = error.file;
  if (error.line > 0) out += ":" + std::to_string(error.line);
  out += ": ";
  if (!error.key.empty()) out += error.key + ": ";
  out += error.message;
  // One error, one line: a stray newline would break `--check` output for scripts reading it.
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

LoadResult load_config_string(std::string_view yaml, std::string_view file_name) {
  config_detail::Context ctx{std::string(file_name)};
  Config config;
  try {
    if (yaml.size() > config_detail::kMaxFileSize) {
      ctx.error(0, "", "the file is larger than 16 MiB; is this the right file?");
    } else {
      const std::string text(yaml);
      config_detail::DocumentCounter docs;
      docs.count(text);
      if (docs.stuck()) {
        const auto at = static_cast<std::size_t>(docs.start().pos);
        ctx.error(docs.start().line + 1, "",
                  "YAML syntax error at column " + std::to_string(docs.start().column + 1) + ": unexpected " +
                      (at < text.size() ? config_detail::quote(text.substr(at, 1)) : "end of file"));
      } else if (docs.documents() > 1) {
        ctx.error(docs.second_root().line + 1, "",
                  "the file holds more than one YAML document (separated by ---); use a single one");
      } else if (const YAML::Node root = docs.documents() == 0 ? YAML::Node() : YAML::Load(text);
                 root.IsNull()) {
        ctx.error(0, "", "the file is empty; it needs at least node and tunnels");
      } else {
        config_detail::parse_document(root, config, ctx);
        config_detail::validate(config, ctx);
      }
    }
  } catch (const YAML::ParserException& e) {
    ctx.error(e.mark.line + 1, "",
              "YAML syntax error at column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    // Anything else from yaml-cpp (or an allocation failure) still becomes an error, never a throw.
    ctx.error(0, "", std::string("cannot load the file: ") + e.what());
  }
  LoadResult result;
  result.errors = ctx.take_errors();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

namespace {

// A regular file's contents, at most max_size bytes; nullopt and *why otherwise. `mode` gets the
// file's permission bits.
std::optional<std::string> read_regular_file(const std::string& path, std::size_t max_size,
                                             std::string_view too_big, mode_t& mode, std::string* why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *why = "cannot open: " + std::generic_category().message(errno);
    return std::nullopt;
  }
  struct stat st {};
  std::string text;
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = "cannot stat: " + std::generic_category().message(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = "not a regular file";
  } else if (static_cast<std::size_t>(st.st_size) > max_size) {
    problem = std::string(too_big);
  } else {
    mode = st.st_mode;
    std::array<char, 65536> buf{};
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) problem = "cannot read: " + std::generic_category().message(errno);
      if (n <= 0) break;
      text.append(buf.data(), static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!problem.empty()) {
    *why = problem;
    return std::nullopt;
  }
  return text;
}

}  // namespace

std::optional<std::string> config_detail::read_secret_file(const std::string& path, std::size_t max_len,
                                                           std::string* why) {
  mode_t mode = 0;
  // A little slack over max_len for the newline; a longer file is not a key anyway.
  const std::string size_rule =
      "must hold 1.." + std::to_string(max_len) + " bytes (a trailing newline not counted)";
  auto text = read_regular_file(path, max_len + 2, size_rule, mode, why);
  if (!text) return std::nullopt;
  if ((mode & S_IRWXO) != 0) {
    // Like ssh with a private key: a secret other users can read is not a secret any more.
    *why = "readable by other users; chmod o-rwx it (and rotate the key if it was exposed)";
    return std::nullopt;
  }
  if (text->ends_with('\n')) text->pop_back();
  if (text->ends_with('\r')) text->pop_back();
  if (text->empty() || text->size() > max_len) {
    *why = size_rule + ", holds " + std::to_string(text->size());
    return std::nullopt;
  }
  return text;
}

LoadResult load_config_file(const std::string& path) {
  std::string why;
  mode_t mode = 0;
  const auto text = read_regular_file(path, config_detail::kMaxFileSize,
                                      "the file is larger than 16 MiB; is this the right file?", mode, &why);
  if (!text) return LoadResult{std::nullopt, {ConfigError{path, 0, "", why}}};
  return load_config_string(*text, path);
}

}  // namespace wgfo

// ValueReader (config_reader.hpp): the schema-free half of the parse pass, i.e. walking maps and lists
// and reading single values, each failure recorded in the Context with the line it came from.
#include "controller/config_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <unordered_map>

namespace wgfo::config_detail {
namespace {

using Node = YAML::Node;
using Micros = std::chrono::microseconds;

int line_of(const Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

std::string kind(const Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Scalar:
      return "the value " + quote(node.Scalar());
    default:
      return "nothing";
  }
}

std::string unknown_key_message(const std::string& path, const std::string& name,
                                const std::vector<Field>& fields) {
  if (name == "private_key" || name == "preshared_key") {
    return "unknown key; wg-failover never needs WireGuard secrets, keep them out of this file "
           "(only wireguard.peer_public_key belongs here)";
  }
  if (path == "bfd_defaults" && (name == "shutdown" || name == "enabled" || name == "authentication")) {
    return "unknown key; " + name + " is set per tunnel (tunnels[].bfd." + name + ")";
  }
  std::vector<std::string_view> names;
  std::string allowed;
  for (const Field& f : fields) {
    names.push_back(f.name);
    allowed += (allowed.empty() ? "" : ", ") + std::string(f.name);
  }
  const std::string_view near = closest(name, names);
  return "unknown key" + (near.empty() ? std::string() : "; did you mean " + std::string(near) + "?") +
         " (allowed here: " + allowed + ")";
}

}  // namespace

void ValueReader::fail(const Node& at, const std::string& key, std::string message) {
  const int line = ctx_.line_of(key);
  ctx_.error(line != 0 ? line : line_of(at), key, std::move(message));
}

void ValueReader::walk(const Node& map, const std::string& path, const std::vector<Field>& fields) {
  if (!map.IsMap()) {
    std::string names;
    for (const Field& f : fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
    fail(map, path, "expected a map with the keys " + names + ", got " + kind(map));
    return;
  }
  std::unordered_map<std::string, int> seen;
  for (const auto& entry : map) {
    const Node& k = entry.first;
    const Node& v = entry.second;
    if (!k.IsScalar()) {
      ctx_.error(line_of(k), path, "keys must be plain names, got " + kind(k));
      continue;
    }
    const std::string key = join(path, k.Scalar());
    const int line = line_of(k);
    if (const auto [first, inserted] = seen.emplace(k.Scalar(), line); !inserted) {
      ctx_.error(line, key, "duplicate key; first given at line " + std::to_string(first->second));
      continue;
    }
    const auto field =
        std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == k.Scalar(); });
    if (field == fields.end()) {
      ctx_.error(line, key, unknown_key_message(path, k.Scalar(), fields));
      continue;
    }
    ctx_.record(key, line);
    if (v.IsNull()) {  // `key:` / `key: null`: "not set" for optional keys
      if (field->required) ctx_.error(line, key, "missing value");
      continue;
    }
    field->read(v, key);
  }
  for (const Field& f : fields) {
    if (f.required && !seen.contains(std::string(f.name))) {
      fail(map, join(path, f.name), "missing required key");
    }
  }
}

void ValueReader::list(const Node& seq, const std::string& key, std::string_view what, std::size_t max_items,
                       const Reader& item) {
  if (!seq.IsSequence()) {
    fail(seq, key, "expected a list of " + std::string(what) + ", got " + kind(seq));
    return;
  }
  if (max_items != 0 && seq.size() > max_items) {
    fail(seq, key,
         "at most " + std::to_string(max_items) + " entries are allowed, got " + std::to_string(seq.size()));
    return;
  }
  std::size_t i = 0;
  for (const Node& element : seq) {
    const std::string k = key + "[" + std::to_string(i++) + "]";
    ctx_.record(k, line_of(element));
    item(element, k);
  }
}

std::optional<std::string> ValueReader::scalar(const Node& v, const std::string& key,
                                               std::string_view expected) {
  if (v.IsScalar()) return v.Scalar();
  fail(v, key, "expected " + std::string(expected) + ", got " + kind(v));
  return std::nullopt;
}

std::optional<std::string> ValueReader::name(const Node& v, const std::string& key, std::size_t max_len) {
  auto text = scalar(v, key, "a name");
  if (text && !is_valid_name(*text, max_len)) {
    fail(v, key,
         quote(*text) + " is not a valid name: use 1.." + std::to_string(max_len) +
             " letters, digits, '_', '.' or '-', not starting with '-' or '.'");
    return std::nullopt;
  }
  return text;
}

std::optional<std::uint64_t> ValueReader::integer(const Node& v, const std::string& key, std::uint64_t min,
                                                  std::uint64_t max) {
  const auto text = scalar(v, key, "a whole number");
  if (!text) return std::nullopt;
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  const bool digits =
      !text->empty() && std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    fail(v, key, "expected a whole number " + range + ", got " + quote(*text));
    return std::nullopt;
  }
  // Every limit here fits in 10 digits; longer text is out of range without converting it.
  std::uint64_t value = 0;
  const bool too_long = text->size() > 10;
  if (!too_long) std::from_chars(text->data(), text->data() + text->size(), value);
  if (too_long || value < min || value > max) {
    fail(v, key, *text + " is out of range " + range);
    return std::nullopt;
  }
  return value;
}

std::optional<Micros> ValueReader::duration(const Node& v, const std::string& key, Micros min, Micros max) {
  const auto text = scalar(v, key, "a duration such as 50ms or 1.5s");
  if (!text) return std::nullopt;
  std::string why;
  const auto d = parse_duration(*text, &why);
  if (!d) {
    fail(v, key, why);
  } else if (*d < min || *d > max) {
    fail(v, key, *text + " is out of range " + format_duration(min) + ".." + format_duration(max));
  } else {
    return d;
  }
  return std::nullopt;
}

std::optional<double> ValueReader::percent(const Node& v, const std::string& key) {
  const auto text = scalar(v, key, "a percentage such as 5%");
  if (!text) return std::nullopt;
  std::string why;
  const auto p = parse_percent(*text, &why);
  if (!p) fail(v, key, why);
  return p;
}

std::optional<bool> ValueReader::boolean(const Node& v, const std::string& key) {
  const auto text = scalar(v, key, "true or false");
  if (!text) return std::nullopt;
  if (*text == "true" || *text == "True" || *text == "TRUE") return true;
  if (*text == "false" || *text == "False" || *text == "FALSE") return false;
  fail(v, key, "expected true or false, got " + quote(*text));
  return std::nullopt;
}

std::optional<IpAddress> ValueReader::unicast(const Node& v, const std::string& key) {
  const auto text = scalar(v, key, "an IP address");
  if (!text) return std::nullopt;
  const auto address = IpAddress::parse(*text);
  if (!address) {
    const bool has_length = text->find('/') != std::string::npos;
    fail(v, key,
         quote(*text) + " is not an IPv4 or IPv6 address" +
             (has_length ? " (write the address without a prefix length)" : ""));
  } else if (address->is_unspecified() || address->is_multicast()) {
    fail(v, key, *text + " is not a unicast address");
  } else {
    return address;
  }
  return std::nullopt;
}

std::optional<HostPort> ValueReader::host_port(const Node& v, const std::string& key,
                                               HostPort::Host allowed) {
  const auto text = scalar(v, key, "HOST:PORT");
  if (!text) return std::nullopt;
  std::string why;
  auto hp = HostPort::parse(*text, allowed, &why);
  if (!hp) fail(v, key, "invalid address " + quote(*text) + ": " + why);
  return hp;
}

std::optional<IpPrefix> ValueReader::prefix(const Node& v, const std::string& key) {
  const auto text = scalar(v, key, "a prefix such as 10.20.0.0/16");
  if (!text) return std::nullopt;
  std::string why;
  const auto p = IpPrefix::parse(*text, &why);
  if (!p) {
    fail(v, key, "invalid prefix " + quote(*text) + ": " + why);
  } else if (!p->is_masked()) {
    fail(v, key, p->to_string() + " has host bits set; did you mean " + p->masked().to_string() + "?");
  } else {
    return p;
  }
  return std::nullopt;
}

std::optional<std::string> ValueReader::file_path(const Node& v, const std::string& key,
                                                  std::string_view example, std::size_t max_len) {
  const auto text = scalar(v, key, "an absolute path");
  if (!text) return std::nullopt;
  if (!text->starts_with('/') || text->ends_with('/')) {
    fail(v, key, quote(*text) + " must be an absolute path to a file, e.g. " + std::string(example));
    return std::nullopt;
  }
  if (text->size() > max_len) {
    fail(v, key,
         "the path is " + std::to_string(text->size()) + " bytes; at most " + std::to_string(max_len));
    return std::nullopt;
  }
  return text;
}

}  // namespace wgfo::config_detail

#pragma once
// The parse pass's reading of YAML, without any schema: private to the config loader, like
// config_internal.hpp. ValueReader holds the one generic walk() over a map declared as a list of Fields
// (unknown keys with a "did you mean", duplicates, null values, missing required keys) and the readers
// that turn one scalar into a checked value. Each records its error in the Context and returns nullopt;
// the schema of the file (config_parse.cpp) derives from it and only says which keys exist and how
// each value is read.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/config_internal.hpp"
#include "controller/ip.hpp"

namespace YAML {
class Node;
}

namespace wgfo::config_detail {

using Reader = std::function<void(const YAML::Node& value, const std::string& key)>;

struct Field {
  std::string_view name;
  bool required;
  Reader read;
};

inline std::string join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

// Assigns a successfully read value; a failed read leaves the default in place (the error is
// already recorded, and validate() skips keys that failed).
template <typename T, typename U>
void set(T& field, const std::optional<U>& value) {
  if (value) field = static_cast<T>(*value);
}

class ValueReader {
 public:
  explicit ValueReader(Context& ctx) : ctx_(ctx) {}

 protected:
  using Node = YAML::Node;
  using Micros = std::chrono::microseconds;

  // ---- structure ----

  // Records an error at the line of the key if recorded (a value sits on its key's line), else at the
  // node's own line.
  void fail(const Node& at, const std::string& key, std::string message);
  void walk(const Node& map, const std::string& path, const std::vector<Field>& fields);
  // Every element of a sequence (at most max_items of them; 0: no limit) as key[i].
  void list(const Node& seq, const std::string& key, std::string_view what, std::size_t max_items,
            const Reader& item);
  std::optional<std::string> scalar(const Node& v, const std::string& key, std::string_view expected);

  // ---- values ----

  std::optional<std::string> name(const Node& v, const std::string& key, std::size_t max_len);
  std::optional<std::uint64_t> integer(const Node& v, const std::string& key, std::uint64_t min,
                                       std::uint64_t max);
  std::optional<Micros> duration(const Node& v, const std::string& key, Micros min, Micros max);
  std::optional<double> percent(const Node& v, const std::string& key);
  std::optional<bool> boolean(const Node& v, const std::string& key);
  std::optional<IpAddress> unicast(const Node& v, const std::string& key);
  std::optional<HostPort> host_port(const Node& v, const std::string& key, HostPort::Host allowed);
  std::optional<IpPrefix> prefix(const Node& v, const std::string& key);
  // An absolute path to a file (relative to what? the daemon's working directory is not the operator's).
  std::optional<std::string> file_path(const Node& v, const std::string& key, std::string_view example,
                                       std::size_t max_len = 4096);

  Context& ctx_;
};

}  // namespace wgfo::config_detail

#pragma once
// Private to the config loader (config.cpp, config_parse.cpp, config_reader.cpp, config_validate.cpp);
// nothing else includes this. The loader runs in two passes over one Context:
//   parse    (config_parse.cpp)    YAML -> Config, checking each value on its own (syntax, range);
//   validate (config_validate.cpp) relations between values (uniqueness, references, ordering).
// Parse records the line of every key it reads and every key that failed, so validate can point at
// lines and stays quiet about values that already have an error (no cascades of follow-up errors).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "controller/config.hpp"

namespace YAML {
class Node;
}

namespace wgfo::config_detail {

class Context {
 public:
  explicit Context(std::string file) : file_(std::move(file)) {}

  void record(const std::string& key, int line) { lines_.emplace(key, line); }
  // Line of the key, or of its nearest recorded ancestor ("tunnels[1].bfd" -> "tunnels[1]"); 0 if none.
  int line_of(std::string_view key) const;
  // True if this key or one of its ancestors had an error.
  bool failed(std::string_view key) const;

  void error(int line, std::string key, std::string message);
  void error(const std::string& key, std::string message) { error(line_of(key), key, std::move(message)); }

  const std::string& file() const { return file_; }
  std::vector<ConfigError> take_errors();  // sorted by line, stable

 private:
  std::string file_;
  std::unordered_map<std::string, int> lines_;
  std::vector<std::string> failed_;
  std::vector<ConfigError> errors_;
};

void parse_document(const YAML::Node& root, Config& config, Context& ctx);
void validate(const Config& config, Context& ctx);

// ---- value syntax shared by both passes (config.cpp); on failure *why says what is wrong ----

std::optional<std::chrono::microseconds> parse_duration(std::string_view text, std::string* why);
std::string format_duration(std::chrono::microseconds d);  // largest exact unit but m: 1500ms, 120s, 1h
std::optional<double> parse_percent(std::string_view text, std::string* why);
std::string format_percent(double percent);
// Tunnel/node names and group names: 1..max_len of [A-Za-z0-9_.-], not starting with '-' or '.'.
bool is_valid_name(std::string_view name, std::size_t max_len);
bool is_valid_ifname(std::string_view name);  // as the Linux kernel's dev_valid_name()
bool is_valid_wireguard_key(std::string_view base64);
bool is_valid_community(std::string_view text, std::string* why);
// The contents of a secret file (a trailing "\n" or "\r\n" removed), or nullopt with *why saying what
// is wrong: missing, not a regular file, readable by other users, empty or longer than max_len bytes.
// *why never contains the contents.
std::optional<std::string> read_secret_file(const std::string& path, std::size_t max_len, std::string* why);
// The value in double quotes, control characters escaped, long values shortened: safe to print.
std::string quote(std::string_view value);
// The candidate closest to a misspelt word (edit distance <= 2), or empty.
std::string_view closest(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace wgfo::config_detail

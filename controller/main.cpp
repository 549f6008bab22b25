// wg-failoverd: parses flags, loads the configuration and runs the Daemon (controller/daemon.hpp).
#include <grpc/grpc.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "controller/config.hpp"
#include "controller/daemon.hpp"

int main(int argc, char** argv) {
  CLI::App app{"wg-failoverd: BFD over WireGuard tunnels, routing intent into FRR"};
  std::string config_path;
  bool check = false;
  std::string log_level = "info";
  app.add_option("--config,-c", config_path, "configuration file (YAML)")->required();
  app.add_flag("--check", check, "validate the configuration and exit");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.set_version_flag("--version", WGFO_VERSION);
  CLI11_PARSE(app, argc, argv);

  wgfo::LoadResult loaded = wgfo::load_config_file(config_path);
  if (!loaded.config) {
    for (const wgfo::ConfigError& e : loaded.errors) std::cerr << wgfo::format(e) << '\n';
    return 1;
  }
  if (check) {
    std::cout << config_path << ": configuration OK (" << loaded.config->tunnels.size() << " tunnels, "
              << loaded.config->routes.size() << " routes)\n";
    return 0;
  }

  auto logger = spdlog::stderr_logger_mt("wg-failoverd");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));

  // One library reference held for the life of the process: otherwise destroying the API server runs
  // grpc_shutdown(), which joins gRPC 1.51's executor threads and can wait ~10 s for one of them to
  // leave epoll_wait (seen on every stop after a CLI call). The process exits instead.
  grpc_init();
  wgfo::Daemon daemon(config_path, std::move(*loaded.config));
  return daemon.run();
}

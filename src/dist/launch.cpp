#include "tessera/dist/launch.h"

#include <cstdlib>
#include <limits>

#include "tessera/core/error.h"

namespace tessera::dist {
namespace {

int parse_int(const std::string& name, const std::string& text, long low, long high) {
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size()) {
    throw UserError("environment variable " + name + "='" + text + "' is not a whole number");
  }
  if (value < low || value > high) {
    throw UserError("environment variable " + name + "=" + text + " is outside " + std::to_string(low) + ".." +
                    std::to_string(high));
  }
  return static_cast<int>(value);
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::optional<LaunchEnvironment> read_launch_environment(const GetEnv& get) {
  const auto rank = get("RANK"), world = get("WORLD_SIZE");
  if (!rank && !world) return std::nullopt;
  if (!rank || !world) {
    throw UserError(std::string("environment variable ") + (rank ? "WORLD_SIZE" : "RANK") + " is not set, but " +
                    (rank ? "RANK" : "WORLD_SIZE") + " is: a distributed launch sets both (torchrun does)");
  }
  constexpr long kMaxProcesses = 1 << 20;
  LaunchEnvironment env;
  env.world_size = parse_int("WORLD_SIZE", *world, 1, kMaxProcesses);
  env.rank = parse_int("RANK", *rank, 0, env.world_size - 1);
  const auto local_world = get("LOCAL_WORLD_SIZE");
  env.local_world_size = local_world ? parse_int("LOCAL_WORLD_SIZE", *local_world, 1, env.world_size) : env.world_size;
  const auto local_rank = get("LOCAL_RANK");
  env.local_rank = local_rank ? parse_int("LOCAL_RANK", *local_rank, 0, env.local_world_size - 1) : 0;
  if (const auto restarts = get("TORCHELASTIC_RESTART_COUNT")) {
    env.restart_count = parse_int("TORCHELASTIC_RESTART_COUNT", *restarts, 0, std::numeric_limits<int>::max());
  }
  if (const auto agent = get("TORCHELASTIC_USE_AGENT_STORE")) {
    // torch/distributed/elastic sets "True" or "False" (str(bool)); accept the usual spellings.
    const std::string& v = *agent;
    if (v == "True" || v == "true" || v == "1") env.use_agent_store = true;
    else if (v == "False" || v == "false" || v == "0" || v.empty()) env.use_agent_store = false;
    else throw UserError("environment variable TORCHELASTIC_USE_AGENT_STORE='" + v + "' is not True or False");
  }
  if (env.world_size > 1 || env.use_agent_store) {
    const auto addr = get("MASTER_ADDR"), port = get("MASTER_PORT");
    if (!addr || addr->empty()) {
      throw UserError("environment variable MASTER_ADDR is not set: the ranks of a " + std::to_string(env.world_size) +
                      "-process job need the host of rank 0 (torchrun sets it)");
    }
    if (!port) throw UserError("environment variable MASTER_PORT is not set: the ranks need the store's port");
    env.master_addr = *addr;
    env.master_port = parse_int("MASTER_PORT", *port, 1, 65535);
  }
  return env;
}

std::string describe(const LaunchEnvironment& env) {
  std::string text = "rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) + " (local " +
                     std::to_string(env.local_rank) + " of " + std::to_string(env.local_world_size) + ")";
  if (!env.master_addr.empty()) {
    text += ", store " + env.master_addr + ":" + std::to_string(env.master_port);
    text += env.use_agent_store ? " (torchrun agent, attempt " + std::to_string(env.restart_count) + ")"
                                : (env.is_main() ? " (hosted here)" : " (hosted by rank 0)");
  }
  return text;
}

}  // namespace tessera::dist

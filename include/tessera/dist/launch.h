#pragma once
// Where this process stands in a data-parallel job, read from the environment its launcher set:
// torchrun (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT,
// TORCHELASTIC_RESTART_COUNT, TORCHELASTIC_USE_AGENT_STORE), or the same variables set by hand,
// by a Kubeflow PyTorchJob or by a Slurm script. No torch types: the trainer decides from this
// whether to join a group at all.
#include <functional>
#include <optional>
#include <string>

namespace tessera::dist {

struct LaunchEnvironment {
  int rank = 0;               // RANK: 0 .. world_size-1, across all machines
  int world_size = 1;         // WORLD_SIZE: processes in the job
  int local_rank = 0;         // LOCAL_RANK: index on this machine (picks the GPU); default 0
  int local_world_size = 1;   // LOCAL_WORLD_SIZE: processes on this machine; default world_size
  std::string master_addr;    // MASTER_ADDR: the host of the rendezvous store
  int master_port = 0;        // MASTER_PORT: its TCP port
  int restart_count = 0;      // TORCHELASTIC_RESTART_COUNT: torchrun's restart attempt
  // TORCHELASTIC_USE_AGENT_STORE=True: torchrun's agent already hosts the store, so every rank
  // (rank 0 too) connects as a client under the prefix "/worker/attempt_<restart_count>".
  bool use_agent_store = false;

  bool is_main() const { return rank == 0; }
};

// Reads a variable, or nullopt when unset (tests pass their own).
using GetEnv = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_environment(const std::string& name);

// nullopt when neither RANK nor WORLD_SIZE is set (a plain single-process run). Throws UserError
// naming the variable when the set is incomplete or inconsistent (WORLD_SIZE without RANK, a rank
// outside [0, WORLD_SIZE), a port outside 1..65535, a non-number, no MASTER_ADDR with
// WORLD_SIZE > 1, ...).
std::optional<LaunchEnvironment> read_launch_environment(const GetEnv& get = process_environment);

// "rank 1 of 4 (local 1 of 2), store 10.0.0.5:29500 (torchrun agent, attempt 0)" for the log.
std::string describe(const LaunchEnvironment& env);

}  // namespace tessera::dist

#pragma once
// How many cores this process may run on: its CPU affinity (taskset, Slurm, container cpusets
// narrow it), not the machine's count. A server given 8 cores of a 128-core host that started
// 128 threads would only thrash. At least 1.
namespace tessera {

int usable_cores();

}  // namespace tessera

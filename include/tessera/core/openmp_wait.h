#pragma once
// How torch's OpenMP threads wait between parallel regions, chosen before they exist.
//
// libgomp (bundled with the torch wheel) reads OMP_WAIT_POLICY once, when it is loaded, which is
// before main. Its default spins each idle thread for up to ~300,000 iterations before sleeping:
// on a machine shared with other processes, or beside our own loader threads, the spinning threads
// take the cores the work needs, and a digits epoch ran 10-20x slower (bench/RESULTS.md). Passive
// waiting costs little when the machine is idle. So the CLI sets it for itself: when the caller
// did not choose a policy, it puts OMP_WAIT_POLICY=PASSIVE in the environment and re-executes
// itself once, so nobody has to export it.

namespace tessera {

// Call first thing in main. Returns at once when nothing needs to change: the caller set
// OMP_WAIT_POLICY, this process is already the re-executed one, or TESSERA_OMP_WAIT_POLICY=keep
// (libgomp's default, for benchmarks of the out-of-the-box behaviour). Returns too when the
// re-exec failed; the run then goes on with libgomp's default. Otherwise it does not return: the
// process becomes the same program with the same arguments and OMP_WAIT_POLICY=PASSIVE.
void use_passive_openmp_waiting(char** argv);

}  // namespace tessera

#pragma once
// How torch's OpenMP threads wait between parallel regions, chosen before they exist.
//
// libgomp (bundled with the torch wheel) reads OMP_WAIT_POLICY once, when it is loaded, which is
// before main. Its default spins each idle thread for up to ~300,000 iterations before sleeping:
// on a machine shared with other processes, or beside our own loader threads, the spinning threads
// take the cores the work needs: a digits epoch ran 10-20x slower on a Xeon, and 1.72x slower
// beside one busy process on an AMD EPYC, where passive waiting cost 8% with the machine idle
// (bench/RESULTS.md (k)). So the CLI sets it for itself: when the caller did not choose a policy,
// it puts OMP_WAIT_POLICY=PASSIVE in the environment and re-executes itself once, so nobody has
// to export it.

#include <string>

namespace tessera {

// Call first thing in main. Returns at once when nothing needs to change: the caller set
// OMP_WAIT_POLICY, this process is already the re-executed one, or TESSERA_OMP_WAIT_POLICY=keep
// (libgomp's default, for benchmarks of the out-of-the-box behaviour). Returns too when the
// re-exec failed; the run then goes on with libgomp's default. Otherwise it does not return: the
// process becomes the same program with the same arguments and OMP_WAIT_POLICY=PASSIVE.
void use_passive_openmp_waiting(char** argv);

// The policy in force and where it came from, for `tessera version`: "PASSIVE (set by tessera)",
// "ACTIVE (from the environment)" or "libgomp default (spin, then sleep)".
std::string describe_openmp_waiting();

}  // namespace tessera

#include "tessera/core/openmp_wait.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace tessera {
namespace {
constexpr const char* kReexecMarker = "TESSERA_OMP_REEXEC";  // set by the re-exec below
}  // namespace

void use_passive_openmp_waiting(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;  // the caller's choice stands
  const char* wish = std::getenv("TESSERA_OMP_WAIT_POLICY");
  if (wish != nullptr && std::strcmp(wish, "keep") == 0) return;
  // The marker keeps a failed or odd environment from re-executing forever: the new image sees
  // OMP_WAIT_POLICY already, and the marker says the exec happened.
  if (std::getenv(kReexecMarker) != nullptr) return;
  if (::setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0 || ::setenv(kReexecMarker, "1", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // execv only returns on failure (no /proc, say): carry on with the default policy, which is
  // slower on a shared machine but correct. Undo the variables so children see what we saw.
  ::unsetenv("OMP_WAIT_POLICY");
  ::unsetenv(kReexecMarker);
}

std::string describe_openmp_waiting() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  if (policy == nullptr) return "libgomp default (spin, then sleep)";
  return std::string(policy) + (std::getenv(kReexecMarker) != nullptr ? " (set by tessera)" : " (from the environment)");
}

}  // namespace tessera

#include "tessera/core/cores.h"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace tessera {

int usable_cores() {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) return std::max(CPU_COUNT(&allowed), 1);
  return static_cast<int>(std::max(std::thread::hardware_concurrency(), 1u));
}

}  // namespace tessera

#pragma once
// This process's memory as the kernel counts it, for the logs and the bounded-memory checks
// (a long run must not grow epoch after epoch; inference over any number of files must stream).
#include <cstdint>

namespace tessera {

// Resident set size now, in bytes (/proc/self/statm); 0 where that cannot be read.
std::int64_t resident_bytes();

// The largest resident set size so far, in bytes (getrusage's ru_maxrss).
std::int64_t peak_resident_bytes();

}  // namespace tessera

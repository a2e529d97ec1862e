// Bounds check of a pickle before LibTorch's unpickler reads it.
//
// torch::jit::Unpickler trusts the numbers a pickle states: it allocates (and zero-fills) a
// string's stated length before reading it (up to 4 GiB from BINUNICODE's 4 bytes, more from the
// 8-byte forms), and a memo index from LONG_BINPUT grows its memo table to that index (16 bytes an
// entry: 64 GiB from 4 bytes). A damaged checkpoint could so make `--resume` allocate tens of GiB
// before it fails (fuzz/checkpoint_fuzz.cpp found it). Walking the opcodes first costs
// microseconds (data.pkl is a few KB) and turns such a file into a one-line error.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::run {

// The first bound the pickle breaks, in words ("a 4294967040-byte string at byte 17 runs past the
// end (7528 bytes)"), or nullopt. Checked: every length-prefixed argument fits in what is left;
// every memo index written (BINPUT, LONG_BINPUT, PUT) is at most the number of memo entries so
// far (picklers number them 0, 1, 2, ...). The walk stops at STOP, at an opcode it does not know
// and at a truncated argument: the unpickler rejects those itself without allocating.
std::optional<std::string> pickle_bounds_problem(std::string_view pickle);

}  // namespace tessera::run

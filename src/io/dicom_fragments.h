#pragma once
// Which fragments of encapsulated pixel data (PS3.5 A.4) make up each frame. Internal to src/io;
// used by the decoders Tessera runs itself (RLE), where DCMTK's own decoders find their frames
// themselves.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

class DcmPixelData;

namespace tessera::io::detail {

// Each frame's fragments joined, in order. The frame boundaries come from the Basic Offset Table
// when it is filled, else from `extended_offsets` (the Extended Offset Table, 7FE0,0001, which
// large files use instead: same meaning, 64-bit; the standard pairs it with one fragment per
// frame, but its offsets are followed whatever the fragments) when it has one entry per frame;
// without either,
// a single frame takes every fragment and N frames take one fragment each. Anything else (more
// fragments than frames and no table) is a DecodeError: the boundaries cannot be known, and
// guessing gives wrong rows silently.
std::vector<std::vector<std::uint8_t>> encapsulated_frames(DcmPixelData& pixel, std::size_t frames,
                                                           const std::vector<std::uint64_t>& extended_offsets = {});

// The first fragment after the offset table, to peek at a codestream's header; {nullptr, 0} when
// there is none.
std::pair<const std::uint8_t*, std::size_t> first_fragment(DcmPixelData& pixel);

}  // namespace tessera::io::detail

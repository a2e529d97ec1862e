#include "pickle_bounds.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace tessera::run {
namespace {

// Argument layout of each opcode, after Python's pickletools (the format torch's pickler and
// unpickler follow).
enum class Argument {
  kUnknown,     // not a pickle opcode: stop the walk
  kNone,        // no argument
  kFixed,       // a fixed number of bytes
  kMemoPut,     // BINPUT (1 byte) / LONG_BINPUT (4 bytes): a memo index
  kLength,      // a little-endian length of `bytes` bytes, then that many bytes
  kLines,       // `bytes` newline-terminated text arguments
  kTextMemoPut  // PUT: a decimal memo index ending in a newline
};

struct Layout {
  Argument argument = Argument::kUnknown;
  int bytes = 0;
};

// Opcodes by argument layout (pickletools' names in the comments).
// MARK STOP POP POP_MARK DUP NONE BINPERSID REDUCE APPEND BUILD DICT EMPTY_DICT APPENDS LIST
// EMPTY_LIST OBJ SETITEM TUPLE EMPTY_TUPLE SETITEMS NEWOBJ TUPLE1-3 NEWTRUE NEWFALSE EMPTY_SET
// ADDITEMS FROZENSET NEWOBJ_EX STACK_GLOBAL MEMOIZE NEXT_BUFFER READONLY_BUFFER
constexpr std::string_view kNoArgument = "(.012NQRabd}el]ost)u\x81\x85\x86\x87\x88\x89\x8f\x90\x91\x92\x93\x94\x97\x98";
constexpr std::string_view kOneByte = "Kh\x80\x82";    // BININT1 BINGET PROTO EXT1
constexpr std::string_view kTwoBytes = "M\x83";        // BININT2 EXT2
constexpr std::string_view kFourBytes = "Jj\x84";      // BININT LONG_BINGET EXT4
constexpr std::string_view kLength1 = "UC\x8c\x8a";    // SHORT_BINSTRING SHORT_BINBYTES SHORT_BINUNICODE LONG1
constexpr std::string_view kLength4 = "TXB\x8b";       // BINSTRING BINUNICODE BINBYTES LONG4
constexpr std::string_view kLength8 = "\x8d\x8e\x96";  // BINUNICODE8 BINBYTES8 BYTEARRAY8
constexpr std::string_view kOneLine = "FILSVPg";       // FLOAT INT LONG STRING UNICODE PERSID GET
constexpr std::string_view kTwoLines = "ci";           // GLOBAL INST

Layout layout_of(unsigned char opcode) {
  const auto in = [opcode](std::string_view set) {
    return set.find(static_cast<char>(opcode)) != std::string_view::npos;
  };
  if (in(kNoArgument)) return {Argument::kNone, 0};
  if (in(kOneByte)) return {Argument::kFixed, 1};
  if (in(kTwoBytes)) return {Argument::kFixed, 2};
  if (in(kFourBytes)) return {Argument::kFixed, 4};
  if (opcode == 'G') return {Argument::kFixed, 8};     // BINFLOAT
  if (opcode == 0x95) return {Argument::kLength, -8};  // FRAME: a length of what follows, not skipped
  if (opcode == 'q') return {Argument::kMemoPut, 1};   // BINPUT
  if (opcode == 'r') return {Argument::kMemoPut, 4};   // LONG_BINPUT
  if (in(kLength1)) return {Argument::kLength, 1};
  if (in(kLength4)) return {Argument::kLength, 4};
  if (in(kLength8)) return {Argument::kLength, 8};
  if (in(kOneLine)) return {Argument::kLines, 1};
  if (in(kTwoLines)) return {Argument::kLines, 2};
  if (opcode == 'p') return {Argument::kTextMemoPut, 1};  // PUT
  return {};
}

std::uint64_t little_endian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return value;
}

}  // namespace

std::optional<std::string> pickle_bounds_problem(std::string_view pickle) {
  std::size_t at = 0;
  std::uint64_t memo_entries = 0;
  const auto memo_put = [&](std::uint64_t index, std::size_t where) -> std::optional<std::string> {
    if (index > memo_entries) {
      return "memo index " + std::to_string(index) + " at byte " + std::to_string(where) + " where " +
             std::to_string(memo_entries) + " memo entries exist";
    }
    if (index == memo_entries) ++memo_entries;
    return std::nullopt;
  };
  while (at < pickle.size()) {
    const std::size_t opcode_at = at;
    const auto opcode = static_cast<unsigned char>(pickle[at++]);
    if (opcode == '.') return std::nullopt;  // STOP
    const Layout layout = layout_of(opcode);
    const std::size_t left = pickle.size() - at;
    switch (layout.argument) {
      case Argument::kUnknown: return std::nullopt;
      case Argument::kNone:
        if (opcode == 0x94) ++memo_entries;  // MEMOIZE
        break;
      case Argument::kFixed:
        if (left < static_cast<std::size_t>(layout.bytes)) return std::nullopt;
        at += layout.bytes;
        break;
      case Argument::kMemoPut: {
        if (left < static_cast<std::size_t>(layout.bytes)) return std::nullopt;
        const std::uint64_t index = little_endian(pickle.substr(at, layout.bytes));
        at += layout.bytes;
        if (auto problem = memo_put(index, opcode_at)) return problem;
        break;
      }
      case Argument::kLength: {
        const bool frame = layout.bytes < 0;  // FRAME's length covers the opcodes after it
        const std::size_t width = frame ? -layout.bytes : layout.bytes;
        if (left < width) return std::nullopt;
        std::uint64_t length = little_endian(pickle.substr(at, width));
        if (opcode == 'T') length = static_cast<std::int32_t>(length) < 0 ? UINT64_MAX : length;  // signed
        at += width;
        if (length > pickle.size() - at) {
          return "a " + std::to_string(length) + "-byte " + (frame ? "frame" : "argument") + " at byte " +
                 std::to_string(opcode_at) + " runs past the end (" + std::to_string(pickle.size()) + " bytes)";
        }
        if (!frame) at += length;
        break;
      }
      case Argument::kLines:
        for (int line = 0; line < layout.bytes; ++line) {
          const std::size_t end = pickle.find('\n', at);
          if (end == std::string_view::npos) return std::nullopt;
          at = end + 1;
        }
        break;
      case Argument::kTextMemoPut: {
        const std::size_t end = pickle.find('\n', at);
        if (end == std::string_view::npos) return std::nullopt;
        const std::string digits(pickle.substr(at, end - at));
        at = end + 1;
        char* parsed_end = nullptr;
        const std::uint64_t index = std::strtoull(digits.c_str(), &parsed_end, 10);
        if (digits.empty() || *parsed_end != '\0') return std::nullopt;  // the unpickler rejects it
        if (auto problem = memo_put(index, opcode_at)) return problem;
        break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace tessera::run

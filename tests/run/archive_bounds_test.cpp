// Bounds checks that run before LibTorch reads a checkpoint: what a pickle or the zip directory
// states must fit in the bytes there are (fuzz/checkpoint_fuzz.cpp found a LONG_BINPUT that made
// torch's unpickler ask for 64 GiB).
#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/optim/adamw.h>
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>

#include "../../src/run/archive_bounds.h"
#include "../../src/run/pickle_bounds.h"
#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/models/registry.h"
#include "tessera/run/checkpoint.h"
#include "tiny_cnn.h"

namespace tessera::run {
namespace {
using tessera::testing::TempDir;
using tessera::testing::write_text;

// What a check reported, or "" when it found nothing.
std::string reported(const std::optional<std::string>& problem) { return problem.value_or(""); }

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

std::string from_hex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

// Python's pickle.dumps({'a': 'bc', 'n': [1, 2.5, b'xy', None, True]}, protocol=P): protocol 2
// (what torch writes; memo by BINPUT, GLOBAL lines) and protocol 4 (FRAME, SHORT_BINUNICODE,
// MEMOIZE, SHORT_BINBYTES).
constexpr std::string_view kProtocol2 =
    "80027d710028580100000061710158020000006263710258010000006e71035d7104284b01474004000000000000"
    "635f636f646563730a656e636f64650a710558020000007879710658060000006c6174696e3171078671085271"
    "094e8865752e";
constexpr std::string_view kProtocol4 =
    "80049528000000000000007d94288c0161948c026263948c016e945d94284b0147400400000000000043027879"
    "944e8865752e";

TEST(PickleBounds, PicklesFromPythonPass) {
  EXPECT_EQ(pickle_bounds_problem(from_hex(kProtocol2)), std::nullopt);
  EXPECT_EQ(pickle_bounds_problem(from_hex(kProtocol4)), std::nullopt);
}

TEST(PickleBounds, MemoIndexBeyondTheEntriesSoFarIsNamed) {
  // PROTO 2, EMPTY_DICT, LONG_BINPUT 0xFFFF0102, STOP: torch would grow its memo table to 4 G entries.
  const auto problem = pickle_bounds_problem(from_hex("80027d720201ffff2e"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(*problem, "memo index 4294902018 at byte 3 where 0 memo entries exist");
  // Re-putting an existing index, and the next one, are fine.
  EXPECT_EQ(pickle_bounds_problem(from_hex("80027d7100710071015d71022e")), std::nullopt);
  EXPECT_TRUE(pickle_bounds_problem(from_hex("80027d71005d71022e")).has_value());  // skips index 1
}

TEST(PickleBounds, LengthsPastTheEndAreNamed) {
  // BINUNICODE stating 0xFFFFFF00 bytes, then 2 bytes.
  auto problem =
      pickle_bounds_problem(from_hex("800258"
                                     "00ffffff"
                                     "61622e"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(*problem, "a 4294967040-byte argument at byte 2 runs past the end (10 bytes)");
  // BINUNICODE8 and BINBYTES8 state 8 bytes of length.
  EXPECT_TRUE(contains(reported(pickle_bounds_problem(from_hex("80048d"
                                                               "2f10f0ff0f000000"
                                                               "2e"))),
                       "a 68718432303-byte argument at byte 2"));
  EXPECT_TRUE(pickle_bounds_problem(from_hex("80048e"
                                             "0400000000000000"
                                             "61622e"))
                  .has_value());
  // FRAME's length counts the opcodes after it.
  EXPECT_TRUE(contains(reported(pickle_bounds_problem(from_hex("800495"
                                                               "ff00000000000000"
                                                               "7d2e"))),
                       "255-byte frame"));
  // A length that fits is skipped over: the STOP inside the string is not the end.
  EXPECT_EQ(pickle_bounds_problem(from_hex("800258"
                                           "01000000"
                                           "2e"
                                           "720900000000"
                                           "2e"))
                .value(),
            "memo index 9 at byte 8 where 0 memo entries exist");
}

TEST(PickleBounds, TruncatedOrUnknownInputIsLeftToTheUnpickler) {
  // Torch's unpickler rejects these itself, before allocating anything large.
  EXPECT_EQ(pickle_bounds_problem(from_hex("800258ffff")), std::nullopt);          // cut inside a length
  EXPECT_EQ(pickle_bounds_problem(from_hex("8002ff720201ffff2e")), std::nullopt);  // 0xff: no opcode
  EXPECT_EQ(pickle_bounds_problem(""), std::nullopt);
}

std::string archive_with_pickle(const std::string& pickle) {
  std::string archive;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, std::size_t size) {
    archive.append(static_cast<const char*>(data), size);
    return size;
  });
  writer.writeRecord("data.pkl", pickle.data(), pickle.size());
  writer.writeEndOfFile();
  return archive;
}

TEST(ArchiveBounds, CheckpointsTesseraWritesPass) {
  auto model = run::testing::tiny_cnn(0);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-2));
  TempDir dir("archive-bounds");
  save_checkpoint(dir / "checkpoint.pt", *model, optimizer, TrainProgress{});
  std::string bytes = read_file(dir / "checkpoint.pt");
  bytes.resize(bytes.size() - 32);  // the checksum trailer
  EXPECT_EQ(archive_bounds_problem(bytes), std::nullopt);
}

TEST(ArchiveBounds, ABadPickleRecordIsNamedAndLoadingReportsItAsDamage) {
  const std::string archive = archive_with_pickle(from_hex("80027d720201ffff2e"));
  EXPECT_EQ(archive_bounds_problem(archive).value_or(""),
            "record data.pkl: memo index 4294902018 at byte 3 where 0 memo entries exist");

  auto model = run::testing::tiny_cnn(0);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-2));
  TempDir dir("archive-bounds");
  write_text(dir / "checkpoint.pt", with_checksum_trailer(archive));
  try {
    load_checkpoint(dir / "checkpoint.pt", *model, optimizer);
    FAIL() << "a checkpoint whose pickle breaks its bounds loaded";
  } catch (const CorruptCheckpoint& error) {
    EXPECT_TRUE(contains(error.what(), "record data.pkl: memo index 4294902018")) << error.what();
  }
}

}  // namespace
}  // namespace tessera::run

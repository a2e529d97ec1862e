// DicomDecodeProcesses against the in-process decoder it stands in for: the same values, the same
// metadata and the same errors (class and message) on Debian's pydicom test files, from several
// threads at once; a worker killed mid-run costs one file and is replaced; nothing is left behind.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>

#include "tessera/core/error.h"
#include "tessera/io/dicom.h"
#include "tessera/io/dicom_processes.h"

namespace fs = std::filesystem;
using tessera::DecodeError;
using tessera::UserError;
using namespace tessera::io;

namespace {

const fs::path kFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files";

// Monochrome and colour, 8/16/32 bit, multi-frame, every compressed syntax free DCMTK reads.
const std::vector<std::string> kDecodable = {
    "CT_small.dcm",         "MR_small.dcm",         "MR_small_RLE.dcm",         "MR_small_bigendian.dcm",
    "MR_small_jpeg_ls_lossless.dcm", "SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_rle_32bit_2frame.dcm", "image_dfl.dcm",
    "rtdose.dcm",           "JPGExtended.dcm",      "SC_ybr_full_422_uncompressed.dcm",
};
// Unsupported syntax, truncated, no pixels, colour for the stored path.
const std::vector<std::string> kFailing = {"JPEG2000.dcm", "MR_truncated.dcm", "rtplan.dcm", "SC_rgb_rle.dcm"};

class DicomProcessesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!dicom_available()) GTEST_SKIP() << "built without DCMTK";
    if (!fs::is_directory(kFiles)) GTEST_SKIP() << "needs Debian's python3-pydicom test files in " << kFiles;
  }
};

template <typename Decode>
std::string error_of(Decode&& decode) {
  try {
    decode();
  } catch (const DecodeError& e) {
    return std::string("DecodeError: ") + e.what();
  } catch (const UserError& e) {
    return std::string("UserError: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("other: ") + e.what();
  }
  return "no error";
}

void expect_same_metadata(const DicomMetadata& a, const DicomMetadata& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.columns, b.columns);
  EXPECT_EQ(a.frames, b.frames);
  EXPECT_EQ(a.samples_per_pixel, b.samples_per_pixel);
  EXPECT_EQ(a.bits_allocated, b.bits_allocated);
  EXPECT_EQ(a.bits_stored, b.bits_stored);
  EXPECT_EQ(a.is_signed, b.is_signed);
  EXPECT_EQ(a.photometric, b.photometric);
  EXPECT_EQ(a.planar_configuration, b.planar_configuration);
  EXPECT_EQ(a.has_rescale, b.has_rescale);
  EXPECT_EQ(a.rescale_slope, b.rescale_slope);
  EXPECT_EQ(a.rescale_intercept, b.rescale_intercept);
  EXPECT_EQ(a.has_window, b.has_window);
  EXPECT_EQ(a.window_center, b.window_center);
  EXPECT_EQ(a.window_width, b.window_width);
  EXPECT_EQ(a.voi_lut_function, b.voi_lut_function);
  EXPECT_EQ(a.modality, b.modality);
  EXPECT_EQ(a.pixel_spacing, b.pixel_spacing);
  EXPECT_EQ(a.image_position, b.image_position);
  EXPECT_EQ(a.image_orientation, b.image_orientation);
  EXPECT_EQ(a.transfer_syntax_uid, b.transfer_syntax_uid);
  EXPECT_EQ(a.transfer_syntax_name, b.transfer_syntax_name);
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

TEST_F(DicomProcessesTest, SameValuesAndMetadataAsInProcess) {
  DicomDecodeProcesses pool(2);
  for (const auto& name : kDecodable) {
    SCOPED_TRACE(name);
    const DicomImage expected = decode_dicom(kFiles / name);
    const DicomImage got = pool.decode(kFiles / name);
    expect_same_metadata(got.meta, expected.meta);
    EXPECT_EQ(got.channels, expected.channels);
    EXPECT_EQ(got.values, expected.values);  // bit-identical: the same code ran elsewhere
  }
  const DicomStored expected = decode_dicom_stored(kFiles / "CT_small.dcm");
  const DicomStored got = pool.decode_stored(kFiles / "CT_small.dcm");
  expect_same_metadata(got.meta, expected.meta);
  EXPECT_EQ(got.words, expected.words);
  EXPECT_EQ(got.words.size(), 128u * 128u);
}

TEST_F(DicomProcessesTest, SameErrorsAsInProcess) {
  DicomDecodeProcesses pool(1);
  for (const auto& name : kFailing) {
    SCOPED_TRACE(name);
    const std::string expected = error_of([&] { decode_dicom_stored(kFiles / name); });
    EXPECT_NE(expected, "no error");
    EXPECT_EQ(error_of([&] { pool.decode_stored(kFiles / name); }), expected);
  }
  const fs::path missing = fs::temp_directory_path() / "tessera_no_such_file.dcm";
  EXPECT_EQ(error_of([&] { pool.decode(missing); }), error_of([&] { decode_dicom(missing); }));
  // The worker survives its errors: a good file right after decodes.
  EXPECT_EQ(pool.decode(kFiles / "MR_small.dcm").values.size(), 64u * 64u);
}

TEST_F(DicomProcessesTest, ManyThreadsShareTheWorkers) {
  DicomDecodeProcesses pool(2);
  const DicomImage ct = decode_dicom(kFiles / "CT_small.dcm");
  const DicomImage mr = decode_dicom(kFiles / "MR_small.dcm");
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 5; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const bool use_ct = (t + i) % 2 == 0;
        const DicomImage got = pool.decode(kFiles / (use_ct ? "CT_small.dcm" : "MR_small.dcm"));
        if (got.values != (use_ct ? ct : mr).values) ++wrong;
        ++done;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(done.load(), 100);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(DicomProcessesTest, AKilledWorkerCostsOneFileAndIsReplaced) {
  DicomDecodeProcesses pool(1);
  ASSERT_EQ(pool.decode(kFiles / "MR_small.dcm").values.size(), 64u * 64u);
  const pid_t first = pool.pids().at(0);
  ASSERT_EQ(::kill(first, SIGSEGV), 0);  // as if DCMTK crashed on a hostile file
  // The next call finds it dead: one DecodeError that says how it died, never the path.
  const std::string error = error_of([&] { pool.decode(kFiles / "MR_small.dcm"); });
  EXPECT_NE(error.find("DecodeError: the DICOM decode worker process died (signal 11"), std::string::npos) << error;
  EXPECT_EQ(error.find("MR_small"), std::string::npos) << error;
  // Then a fresh worker decodes again, and the dead one was reaped (no zombie).
  EXPECT_EQ(pool.decode(kFiles / "MR_small.dcm").values.size(), 64u * 64u);
  EXPECT_NE(pool.pids().at(0), first);
  EXPECT_FALSE(process_exists(first));
}

TEST_F(DicomProcessesTest, DestructionReapsEveryWorker) {
  std::vector<pid_t> pids;
  {
    DicomDecodeProcesses pool(3);
    pids = pool.pids();
    ASSERT_EQ(pids.size(), 3u);
    for (const pid_t pid : pids) EXPECT_TRUE(process_exists(pid));
    pool.decode(kFiles / "CT_small.dcm");
  }
  for (const pid_t pid : pids) {
    EXPECT_FALSE(process_exists(pid)) << pid;  // reaped: not even a zombie
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  }
}

TEST_F(DicomProcessesTest, AWorkerHoldsOnlyItsOwnSocket) {
  // A worker forked later inherits every earlier worker's parent-side socket; kept open, those
  // would stop the earlier workers from ever seeing their parent go away (they end on EOF when
  // the trainer dies without running destructors). Each worker must hold exactly one socket
  // (the pool waits for each worker to report ready, so this needs no waiting here).
  DicomDecodeProcesses first(2);
  DicomDecodeProcesses second(2);
  EXPECT_EQ(second.decode(kFiles / "MR_small.dcm").values.size(), 64u * 64u);
  for (const pid_t pid : second.pids()) {
    int sockets = 0;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
      std::error_code ec;
      if (fs::read_symlink(entry.path(), ec).string().rfind("socket:", 0) == 0) ++sockets;
    }
    EXPECT_EQ(sockets, 1) << "worker " << pid;
  }
}

}  // namespace

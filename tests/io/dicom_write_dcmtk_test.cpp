// write_dicom against the readers: every compression x sign x photometric x slope x bits stored
// must come back from io::decode_dicom with exactly the modality values written (float(v) * slope
// + intercept), with the header it was given; pydicom (an independent reader) agrees on one file
// per compression.
#include "tessera/io/dicom_write.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "tessera/core/error.h"
#include "tessera/io/dicom.h"

namespace tessera::io {
namespace {

namespace fs = std::filesystem;
using tessera::testing::TempDir;

const DicomCompression kCompressions[] = {DicomCompression::none, DicomCompression::rle,
                                          DicomCompression::jpeg_lossless, DicomCompression::jpeg_ls_lossless};

const char* syntax_uid(DicomCompression compression) {
  switch (compression) {
    case DicomCompression::none: return "1.2.840.10008.1.2.1";
    case DicomCompression::rle: return "1.2.840.10008.1.2.5";
    case DicomCompression::jpeg_lossless: return "1.2.840.10008.1.2.4.70";
    case DicomCompression::jpeg_ls_lossless: return "1.2.840.10008.1.2.4.80";
  }
  return "?";
}

const char* syntax_name(DicomCompression compression) {  // DCMTK's DcmXfer names
  switch (compression) {
    case DicomCompression::none: return "Little Endian Explicit";
    case DicomCompression::rle: return "RLE Lossless";
    case DicomCompression::jpeg_lossless: return "JPEG Lossless, Non-hierarchical, 1st Order Prediction";
    case DicomCompression::jpeg_ls_lossless: return "JPEG-LS Lossless";
  }
  return "?";
}

// Stored words covering the whole range of `bits`: both extremes, 0, -1 / 1, a ramp across the
// range and seeded noise (the codecs' worst case), sign-extended to 16 bits when signed.
std::vector<std::uint16_t> test_words(std::size_t count, int bits, bool is_signed, unsigned seed) {
  const std::int32_t lo = is_signed ? -(1 << (bits - 1)) : 0;
  const std::int32_t hi = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::int32_t> any(lo, hi);
  std::vector<std::uint16_t> words(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::int32_t v;
    if (i < 4) v = std::array<std::int32_t, 4>{lo, hi, 0, is_signed ? -1 : 1}[i];
    else if (i % 3 == 0) v = any(rng);
    else v = lo + static_cast<std::int32_t>((static_cast<std::int64_t>(hi - lo) * i) / count);
    words[i] = static_cast<std::uint16_t>(v);
  }
  return words;
}

// What decode_dicom must return: the reader's own arithmetic, float(v) * slope + intercept.
std::vector<float> modality_values(const DicomWriteSpec& spec) {
  std::vector<float> values;
  for (std::uint16_t w : spec.words) {
    const float v = spec.is_signed ? static_cast<std::int16_t>(w) : w;
    values.push_back(v * static_cast<float>(spec.rescale->slope) + static_cast<float>(spec.rescale->intercept));
  }
  return values;
}

DicomWriteSpec make_spec(DicomCompression compression, bool is_signed, Photometric photometric, double slope, int bits,
                         int frames = 1) {
  DicomWriteSpec spec;
  spec.rows = 13;  // odd sizes: RLE segments and JPEG blocks that do not divide evenly
  spec.columns = 17;
  spec.frames = frames;
  spec.bits_stored = bits;
  spec.is_signed = is_signed;
  spec.photometric = photometric;
  spec.rescale = DicomRescale{slope, -1024.0};
  spec.window = DicomWindow{40.0, 400.0};
  spec.modality = "CT";
  spec.pixel_spacing = std::array<double, 2>{0.5, 0.75};
  spec.compression = compression;
  spec.words = test_words(static_cast<std::size_t>(spec.rows) * spec.columns * frames, bits, is_signed,
                          static_cast<unsigned>(bits * 7 + is_signed * 3 + static_cast<int>(compression)));
  return spec;
}

std::string describe(const DicomWriteSpec& s) {
  return std::string(compression_name(s.compression)) + (s.is_signed ? " signed " : " unsigned ") +
         std::to_string(s.bits_stored) + " bits " + photometric_name(s.photometric) + " slope " +
         std::to_string(s.rescale->slope) + " frames " + std::to_string(s.frames);
}

// Writes, decodes and compares everything; returns the decoded image.
DicomImage round_trip(const DicomWriteSpec& spec, const fs::path& file) {
  write_dicom(file, spec);
  const DicomMetadata header = read_dicom_header(file);
  EXPECT_EQ(header.transfer_syntax_uid, syntax_uid(spec.compression));
  EXPECT_EQ(header.transfer_syntax_name, syntax_name(spec.compression));
  const DicomImage image = decode_dicom(file);
  const DicomMetadata& m = image.meta;
  EXPECT_EQ(m.rows, spec.rows);
  EXPECT_EQ(m.columns, spec.columns);
  EXPECT_EQ(m.frames, spec.frames);
  EXPECT_EQ(m.bits_allocated, 16);
  EXPECT_EQ(m.bits_stored, spec.bits_stored);
  EXPECT_EQ(m.is_signed, spec.is_signed);
  EXPECT_EQ(m.photometric, spec.photometric);
  EXPECT_EQ(m.modality, spec.modality);
  EXPECT_EQ(m.rescale_slope, spec.rescale->slope);
  EXPECT_EQ(m.rescale_intercept, spec.rescale->intercept);
  EXPECT_TRUE(m.has_window);
  EXPECT_EQ(m.window_center, spec.window->center);
  EXPECT_EQ(m.window_width, spec.window->width);
  EXPECT_EQ(m.pixel_spacing, spec.pixel_spacing);
  const std::vector<float> expected = modality_values(spec);
  EXPECT_EQ(image.values.size(), expected.size());
  std::size_t wrong = 0, first = 0;
  for (std::size_t i = 0; i < std::min(expected.size(), image.values.size()); ++i) {
    if (image.values[i] != expected[i] && wrong++ == 0) first = i;
  }
  EXPECT_EQ(wrong, 0u) << "first at " << first << ": " << image.values[first] << " != " << expected[first];
  return image;
}

TEST(DicomWrite, EveryCodecRoundTripsExactly) {
  TempDir t("dicom-write");
  int n = 0;
  for (DicomCompression compression : kCompressions)
    for (bool is_signed : {true, false})
      for (Photometric photometric : {Photometric::monochrome1, Photometric::monochrome2})
        for (double slope : {1.0, 0.5, 2.0})
          for (int bits : {16, 12}) {
            const DicomWriteSpec spec = make_spec(compression, is_signed, photometric, slope, bits);
            SCOPED_TRACE(describe(spec));
            try {
              round_trip(spec, t / (std::to_string(n++) + ".dcm"));
            } catch (const std::exception& e) {
              ADD_FAILURE() << e.what();
            }
          }
}

TEST(DicomWrite, MultiFrameRoundTripsExactly) {
  TempDir t("dicom-write");
  for (DicomCompression compression : kCompressions)
    for (bool is_signed : {true, false}) {
      const DicomWriteSpec spec = make_spec(compression, is_signed, Photometric::monochrome2, 1.0, 16, 3);
      SCOPED_TRACE(describe(spec));
      round_trip(spec, t / (std::string(compression_name(compression)) + (is_signed ? "_s" : "_u") + ".dcm"));
    }
}

std::string command_output(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

// The identity is synthetic and the SOP class follows modality and frames (dcmdump, not our reader).
TEST(DicomWrite, SyntheticIdentityAndSopClass) {
  if (!run("dcmdump --version")) GTEST_SKIP() << "needs the dcmtk tools (dcmdump)";
  TempDir t("dicom-write");
  const auto dump = [&](const DicomWriteSpec& spec, const std::string& name) {
    write_dicom(t / name, spec);
    return command_output("dcmdump -q '" + (t / name).string() + "'");
  };
  const std::string ct = dump(make_spec(DicomCompression::none, true, Photometric::monochrome2, 1.0, 16), "ct.dcm");
  EXPECT_NE(ct.find("[Tessera^Synthetic]"), std::string::npos) << ct;
  EXPECT_NE(ct.find("[SYNTHETIC]"), std::string::npos);
  EXPECT_NE(ct.find("=CTImageStorage"), std::string::npos);
  EXPECT_NE(ct.find("(0008,0020) DA (no value available)"), std::string::npos) << "StudyDate present and empty";
  EXPECT_NE(ct.find("(0010,0030) DA (no value available)"), std::string::npos) << "PatientBirthDate present and empty";
  DicomWriteSpec mr = make_spec(DicomCompression::rle, false, Photometric::monochrome2, 1.0, 16);
  mr.modality = "MR";
  EXPECT_NE(dump(mr, "mr.dcm").find("=SecondaryCaptureImageStorage"), std::string::npos);
  const std::string multi = dump(make_spec(DicomCompression::none, true, Photometric::monochrome2, 1.0, 16, 3), "mf.dcm");
  EXPECT_NE(multi.find("=MultiframeGrayscaleWordSecondaryCaptureImageStorage"), std::string::npos) << multi;
  // Fresh UIDs on every call.
  const auto instance = [&](const std::string& name) { return command_output("dcmdump -q +P 0008,0018 '" + (t / name).string() + "'"); };
  write_dicom(t / "again.dcm", make_spec(DicomCompression::none, true, Photometric::monochrome2, 1.0, 16));
  EXPECT_NE(instance("ct.dcm"), instance("again.dcm"));
}

// pydicom reads what we wrote. It has no JPEG lossless / JPEG-LS decoder here (no pylibjpeg or
// gdcm), so those files go through DCMTK's dcmdjpeg / dcmdjpls first: pydicom then checks the
// file structure, rescale and sign, and the command-line decoders the codec.
TEST(DicomWrite, PydicomAgrees) {
  if (!run("/usr/bin/python3 -c 'import pydicom, numpy'") || !run("dcmdjpls --version"))
    GTEST_SKIP() << "needs Debian's python3-pydicom, python3-numpy (/usr/bin/python3) and the dcmtk tools";
  TempDir t("dicom-write");
  std::vector<DicomWriteSpec> specs;
  std::string files;
  for (DicomCompression compression : kCompressions) {
    const bool mono1 = compression == DicomCompression::rle || compression == DicomCompression::jpeg_ls_lossless;
    specs.push_back(make_spec(compression, true, mono1 ? Photometric::monochrome1 : Photometric::monochrome2,
                              compression == DicomCompression::jpeg_lossless ? 0.5 : 2.0, 16));
    const fs::path file = t / (std::string(compression_name(compression)) + ".dcm");
    write_dicom(file, specs.back());
    fs::path readable = file;
    if (compression == DicomCompression::jpeg_lossless || compression == DicomCompression::jpeg_ls_lossless) {
      readable = t / (std::string(compression_name(compression)) + "_twin.dcm");
      const std::string tool = compression == DicomCompression::jpeg_lossless ? "dcmdjpeg" : "dcmdjpls";
      ASSERT_TRUE(run(tool + " '" + file.string() + "' '" + readable.string() + "'")) << tool;
    }
    files += " '" + readable.string() + "'";
  }
  fs::create_directories(t / "oracle");
  ASSERT_TRUE(run("/usr/bin/python3 " TESSERA_SOURCE_DIR "/tests/io/dicom_reference.py '" + (t / "oracle").string() + "'" + files));
  for (std::size_t i = 0; i < specs.size(); ++i) {
    SCOPED_TRACE(describe(specs[i]));
    const fs::path values = t / "oracle" / (std::to_string(i) + ".f32");
    std::string why;  // dicom_reference.py's "error ..." or "missing <handler> needs <module>"
    std::getline(std::ifstream(t / "oracle" / (std::to_string(i) + ".txt")), why);
    ASSERT_TRUE(fs::exists(values)) << "pydicom could not read it: " << why;
    std::vector<float> pydicom(fs::file_size(values) / sizeof(float));
    std::ifstream(values, std::ios::binary).read(reinterpret_cast<char*>(pydicom.data()), fs::file_size(values));
    EXPECT_EQ(pydicom, modality_values(specs[i]));
  }
}

TEST(DicomWrite, InvalidSpecsAreOneLineUserErrors) {
  TempDir t("dicom-write");
  const DicomWriteSpec good = make_spec(DicomCompression::none, true, Photometric::monochrome2, 1.0, 12);
  const auto error_of = [&](DicomWriteSpec spec) -> std::string {
    try {
      write_dicom(t / "bad.dcm", spec);
    } catch (const UserError& e) {
      return e.what();
    }
    return "NO ERROR";
  };
  DicomWriteSpec spec = good;
  spec.words.pop_back();
  EXPECT_NE(error_of(spec).find("frames x rows x columns"), std::string::npos) << error_of(spec);
  spec = good;
  spec.words[5] = static_cast<std::uint16_t>(2048);  // 12-bit signed tops out at 2047
  EXPECT_NE(error_of(spec).find("does not fit 12 signed bits"), std::string::npos) << error_of(spec);
  spec = good;
  spec.photometric = Photometric::rgb;
  EXPECT_NE(error_of(spec).find("MONOCHROME1 or MONOCHROME2"), std::string::npos);
  spec = good;
  spec.modality = "ct scan";
  EXPECT_NE(error_of(spec).find("modality"), std::string::npos);
  spec = good;
  spec.window = DicomWindow{0.0, 0.5};
  EXPECT_NE(error_of(spec).find("window width"), std::string::npos);
  spec = good;
  spec.rescale = DicomRescale{1.0 / 3.0, -1024.0};  // no 16-character decimal string holds it exactly
  EXPECT_NE(error_of(spec).find("16 characters"), std::string::npos) << error_of(spec);
  EXPECT_FALSE(fs::exists(t / "bad.dcm"));

  // An unwritable place: a one-line UserError without the path, and nothing left behind.
  tessera::testing::write_text(t / "file", "x");
  try {
    write_dicom(t / "file" / "secret_name.dcm", good);
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()).find("secret_name"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(t.path())) ++entries;
  EXPECT_EQ(entries, 1u) << "only the plain file; no temporary left behind";
}

}  // namespace
}  // namespace tessera::io

// DICOM decoding on DCMTK (see include/tessera/io/dicom.h for the contract).
//
// The raw path of notes/dicom.md: the whole file is read up front (maxReadLength UINT32_MAX, which
// is what let decoding scale across threads), native pixel data is taken straight from the
// PixelData element, JPEG and JPEG-LS frame by frame through DcmPixelData::getUncompressedFrame
// (DCMTK's decoders, registered once), RLE by our own decoder (dicom_rle.h), which joins a frame's
// fragments first. Masking, sign extension, YBR -> RGB and
// the rescale are done here in plain C++, never by dcmimgle (whose getInterData is integer-only).
//
// Patient data: the dataset is a local of each call and dies with it; only DicomMetadata's fields
// are copied out, code strings only when they look like code strings, the transfer syntax UID
// only when it is a standard one. Messages never carry the path or other header values.
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "dcmtk/config/osconfig.h"  // must come first among DCMTK headers
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcdict.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcmetinf.h"
#include "dcmtk/dcmdata/dcpixel.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include "dcmtk_setup.h"
#include "dicom_attributes.h"
#include "dicom_fragments.h"
#include "dicom_j2k.h"
#include "dicom_palette.h"
#include "dicom_rle.h"
#include "dicom_values.h"
#include "jpeg_markers.h"
#include "tessera/core/cores.h"
#include "tessera/core/error.h"
#include "tessera/io/dicom.h"
#include "tessera/io/file_kind.h"

namespace tessera::io {
namespace fs = std::filesystem;
namespace {

using detail::condition_text;
using detail::fail;
using detail::doubles;

// Decoders, logger and dictionary: once per process, before the first decode (thread-safe).
void initialise_dcmtk() {
  static std::once_flag once;
  detail::initialise_dcmtk(once, [] {
    DJDecoderRegistration::registerCodecs();    // JPEG baseline/extended/lossless; YBR -> RGB
    DJLSDecoderRegistration::registerCodecs();  // JPEG-LS
  });
}

// A code string (CS) is upper-case letters, digits, space and underscore, at most 16 characters.
// Anything else is not copied: a malformed file must not smuggle free text through the allowlist.
std::string code_string(DcmItem& item, const DcmTagKey& key) {
  OFString value;
  if (item.findAndGetOFString(key, value).bad()) return {};
  std::string text(value.c_str());
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > 16) return {};
  for (char c : text) {
    if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '_' || c == ' ')) {
      return {};
    }
  }
  return text;
}

// Only the standard's own terms go into messages and metadata: a malformed header must not
// smuggle an identifier through an allowlisted attribute.
std::string standard_photometric(const std::string& value) {
  for (const char* term : {"PALETTE COLOR", "YBR_PARTIAL_422", "YBR_PARTIAL_420", "YBR_ICT", "YBR_RCT", "HSV", "ARGB", "CMYK"})
    if (value == term) return value;
  return value.empty() ? "(absent)" : "(non-standard value)";
}

// Modality defined terms of PS3.3 C.7.3.1.1.1 (current and retired); anything else reads as "".
std::string modality(DcmItem& item) {
  static const char* const terms[] = {
      "AR", "ASMT", "AU", "BDUS", "BI", "BMD", "CD", "CF", "CP", "CR", "CS", "CT", "DD", "DF", "DG", "DM", "DOC", "DS",
      "DX", "EC", "ECG", "EPS", "ES", "FA", "FID", "FS", "GM", "HC", "HD", "IO", "IOL", "IVOCT", "IVUS", "KER", "KO",
      "LEN", "LP", "LS", "MA", "MG", "MR", "MS", "NM", "OAM", "OCT", "OP", "OPM", "OPR", "OPT", "OPTBSV", "OPTENF",
      "OPV", "OSS", "OT", "PLAN", "POS", "PR", "PT", "PX", "REG", "RESP", "RF", "RG", "RTDOSE", "RTIMAGE", "RTINTENT",
      "RTPLAN", "RTRAD", "RTRECORD", "RTSEGANN", "RTSTRUCT", "RWV", "SEG", "SM", "SMR", "SR", "SRF", "ST", "STAIN",
      "TEXTUREMAP", "TG", "US", "VA", "VF", "XA", "XC"};
  const std::string value = code_string(item, DCM_Modality);
  for (const char* term : terms) if (value == term) return value;
  return {};
}

bool is_standard_uid(const std::string& uid) {
  if (uid.rfind("1.2.840.10008.", 0) != 0 || uid.size() > 64) return false;
  return std::all_of(uid.begin(), uid.end(), [](char c) { return c == '.' || std::isdigit(static_cast<unsigned char>(c)); });
}

// JPEG 2000 (Part 1 and 2, lossless and lossy) and HTJ2K: decoded by OpenJPEG (dicom_j2k.h).
bool is_jpeg2000(const std::string& uid) {
  for (const char* id : {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.92",
                         "1.2.840.10008.1.2.4.93", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
                         "1.2.840.10008.1.2.4.203"})
    if (uid == id) return true;
  return false;
}

#ifdef TESSERA_WITH_OPENJPEG
constexpr bool kJpeg2000 = true;
#else
constexpr bool kJpeg2000 = false;  // this build has no OpenJPEG: JPEG 2000 is refused by name
#endif

// Transfer syntaxes free DCMTK cannot decode, named the way users know them.
const char* dcmtk_lacks(const std::string& uid) {
  static const std::pair<const char*, const char*> table[] = {
      {"1.2.840.10008.1.2.4.90", "JPEG 2000"},    {"1.2.840.10008.1.2.4.91", "JPEG 2000"},
      {"1.2.840.10008.1.2.4.92", "JPEG 2000"},    {"1.2.840.10008.1.2.4.93", "JPEG 2000"},
      {"1.2.840.10008.1.2.4.201", "HTJ2K"},       {"1.2.840.10008.1.2.4.202", "HTJ2K"},
      {"1.2.840.10008.1.2.4.203", "HTJ2K"},       {"1.2.840.10008.1.2.4.94", "JPIP"},
      {"1.2.840.10008.1.2.4.95", "JPIP"},         {"1.2.840.10008.1.2.4.100", "MPEG2 video"},
      {"1.2.840.10008.1.2.4.101", "MPEG2 video"}, {"1.2.840.10008.1.2.4.102", "MPEG-4 video"},
      {"1.2.840.10008.1.2.4.103", "MPEG-4 video"}, {"1.2.840.10008.1.2.4.104", "MPEG-4 video"},
      {"1.2.840.10008.1.2.4.105", "MPEG-4 video"}, {"1.2.840.10008.1.2.4.106", "MPEG-4 video"},
      {"1.2.840.10008.1.2.4.107", "HEVC video"},  {"1.2.840.10008.1.2.4.108", "HEVC video"},
  };
  for (const auto& [id, name] : table) if (uid == id) return name;
  return nullptr;
}

// The syntaxes neither DCMTK nor our own decoders read, or nullptr.
const char* unsupported_syntax(const std::string& uid) {
  return kJpeg2000 && is_jpeg2000(uid) ? nullptr : dcmtk_lacks(uid);
}

// The file must exist and be a regular, readable file: a UserError otherwise (nothing in it is
// the user's to fix by decoding differently).
void check_readable(const fs::path& path) {
  // Before any open: a named pipe would block it. The path itself may hold patient data.
  if (const std::string why = not_a_regular_file(path); !why.empty()) throw UserError("cannot read DICOM file: " + why);
}

// "DICM" at 128, or (legacy files without a preamble) a first tag in group 0002 or 0008.
void check_magic(const unsigned char* head, std::size_t got) {
  if (got == 0) fail("empty file");
  if (got >= 132 && std::memcmp(head + 128, "DICM", 4) == 0) return;
  if (got >= 8) {
    const unsigned little = head[0] | (head[1] << 8), big = (head[0] << 8) | head[1];
    if (little == 0x0002 || little == 0x0008 || big == 0x0002 || big == 0x0008) return;
  }
  fail("not a DICOM file");
}

void check_is_dicom(const fs::path& path) {
  check_readable(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read DICOM file: permission denied or unreadable");
  unsigned char head[132] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  check_magic(head, static_cast<std::size_t>(in.gcount()));
}

// The whole file in one read. Parsing from memory skips the many small stdio reads (and their
// per-call locking) DCMTK's file stream makes: a quarter of the CPU time on small files.
std::vector<char> read_whole_file(const fs::path& path) {
  check_readable(path);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw UserError("cannot read DICOM file: permission denied or unreadable");
  const std::streamoff size = in.tellg();
  if (size < 0) throw UserError("cannot read DICOM file: unreadable");
  std::vector<char> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(bytes.data(), size)) throw UserError("cannot read DICOM file: read error");
  check_magic(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return bytes;
}

struct Loaded {
  DcmFileFormat file;
  DcmDataset* dataset = nullptr;
  DicomMetadata meta;
  bool has_pixels = false;
};

int required_us(DcmItem& item, const DcmTagKey& key, const char* name) {
  Uint16 v = 0;
  if (item.findAndGetUint16(key, v).bad()) fail(std::string("missing required attribute ") + name);
  return v;
}

// Parses a whole file from memory (`data`, `size`), or, when `lazy_path` is set, from that file
// with large values (the pixel data) left on disk; then fills the allowlisted metadata.
void parse_and_describe(Loaded& loaded, const char* data, std::size_t size, const fs::path* lazy_path);

// Loads the file. `full` reads every value up front (decode); otherwise large values stay on disk.
void load(const fs::path& path, Loaded& loaded, bool full) {
  if (!full) {
    check_is_dicom(path);
    return parse_and_describe(loaded, nullptr, 0, &path);
  }
  const std::vector<char> bytes = read_whole_file(path);
  parse_and_describe(loaded, bytes.data(), bytes.size(), nullptr);
}

void parse_and_describe(Loaded& loaded, const char* data, std::size_t size, const fs::path* lazy_path) {
  initialise_dcmtk();
  const auto parse = [&] {
    if (lazy_path) return loaded.file.loadFile(lazy_path->c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
    DcmInputBufferStream stream;
    stream.setBuffer(data, static_cast<offile_off_t>(size));
    stream.setEos();  // the whole file is there: running out of data means truncated
    loaded.file.transferInit();
    const OFCondition status = loaded.file.read(stream, EXS_Unknown, EGL_noChange, UINT32_MAX);
    loaded.file.transferEnd();
    return status;
  };
  // DCMTK's leniency is a process-wide flag, so parses share this lock and the rare lenient
  // retry takes it alone: no other file is ever read leniently without its warning.
  static std::shared_mutex leniency;
  OFCondition status = EC_Normal;
  {
    std::shared_lock<std::shared_mutex> strict(leniency);
    status = parse();
  }
  if (status == EC_ItemDelimitationItemMissing) {
    // Old ultrasound files end a sequence item with a sequence delimiter. GDCM reads them; DCMTK
    // can replace the wrong item. Read again that way, and say so.
    std::unique_lock<std::shared_mutex> lenient(leniency);
    loaded.file.clear();
    dcmReplaceWrongDelimitationItem.set(OFTrue);
    status = parse();
    dcmReplaceWrongDelimitationItem.set(OFFalse);
    if (status.good()) {
      loaded.meta.warnings.push_back(
          "read leniently: a sequence item ends with a sequence delimiter instead of an item delimiter");
    }
  }
  if (status.bad()) {
    if (status == EC_StreamNotifyClient || status == EC_ItemEnd || status == EC_InvalidStream ||
        status == EC_SequEnd) {
      fail("truncated or corrupt file (" + condition_text(status) + ")");
    }
    fail("unreadable DICOM structure (" + condition_text(status) + ")");
  }
  DcmDataset* ds = loaded.dataset = loaded.file.getDataset();
  if (ds == nullptr || ds->card() == 0) fail("not a DICOM file (no data elements)");
  DicomMetadata& m = loaded.meta;

  OFString uid;
  if (DcmMetaInfo* info = loaded.file.getMetaInfo();
      info != nullptr && info->findAndGetOFString(DCM_TransferSyntaxUID, uid).good() && !uid.empty()) {
    m.transfer_syntax_uid = uid.c_str();
  } else {
    m.transfer_syntax_uid = DcmXfer(ds->getOriginalXfer()).getXferID();
  }
  while (!m.transfer_syntax_uid.empty() && (m.transfer_syntax_uid.back() == '\0' || m.transfer_syntax_uid.back() == ' '))
    m.transfer_syntax_uid.pop_back();
  if (!is_standard_uid(m.transfer_syntax_uid)) fail("unknown transfer syntax (not a standard UID)");
  if (const char* name = dcmtk_lacks(m.transfer_syntax_uid)) {
    m.transfer_syntax_name = name;
  } else {
    m.transfer_syntax_name = DcmXfer(m.transfer_syntax_uid.c_str()).getXferName();
  }

  // Parametric maps carry Float or Double Float Pixel Data instead of Pixel Data.
  m.is_float = !ds->tagExists(DCM_PixelData) &&
               (ds->tagExists(DCM_FloatPixelData) || ds->tagExists(DCM_DoubleFloatPixelData));
  loaded.has_pixels = ds->tagExists(DCM_PixelData) || m.is_float;
  m.modality = modality(*ds);
  if (!loaded.has_pixels) return;
  // Fully read (a decode): the pixels must be decodable. A header read (lazy) needs no codec.
  if (lazy_path == nullptr && unsupported_syntax(m.transfer_syntax_uid)) {
    fail("unsupported transfer syntax " + m.transfer_syntax_name + " (" + m.transfer_syntax_uid + ")");
  }  // a header without an image (SR, RT plan): callers decide

  m.rows = required_us(*ds, DCM_Rows, "Rows");
  m.columns = required_us(*ds, DCM_Columns, "Columns");
  m.bits_allocated = required_us(*ds, DCM_BitsAllocated, "BitsAllocated");
  Uint16 v = 0;
  m.bits_stored = ds->findAndGetUint16(DCM_BitsStored, v).good() ? v : m.bits_allocated;
  m.samples_per_pixel = ds->findAndGetUint16(DCM_SamplesPerPixel, v).good() ? v : 1;
  m.is_signed = ds->findAndGetUint16(DCM_PixelRepresentation, v).good() && v == 1;
  m.planar_configuration = ds->findAndGetUint16(DCM_PlanarConfiguration, v).good() ? v : 0;
  if (ds->tagExists(DCM_NumberOfFrames)) {  // IS: digits only; "1A" must not quietly read as 1 frame
    OFString text;
    ds->findAndGetOFString(DCM_NumberOfFrames, text);
    std::string digits(text.c_str());
    while (!digits.empty() && digits.back() == ' ') digits.erase(digits.size() - 1);
    while (!digits.empty() && digits.front() == ' ') digits.erase(0, 1);
    if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      fail("invalid NumberOfFrames");
    m.frames = std::stoi(digits);
  }
  if (m.rows <= 0 || m.columns <= 0 || m.frames <= 0) fail("empty image (Rows, Columns or NumberOfFrames is 0)");
  if (m.is_float) {
    const int wanted = ds->tagExists(DCM_FloatPixelData) ? 32 : 64;
    if (m.bits_allocated != wanted)
      fail("BitsAllocated " + std::to_string(m.bits_allocated) + " with " + std::to_string(wanted) + "-bit float pixel data");
    m.bits_stored = m.bits_allocated;  // BitsStored and PixelRepresentation do not apply
    m.is_signed = false;
  }
  if (m.bits_allocated != 1 && m.bits_allocated != 8 && m.bits_allocated != 16 && m.bits_allocated != 32 && !m.is_float)
    fail("unsupported BitsAllocated " + std::to_string(m.bits_allocated));
  if (m.bits_stored < 1 || m.bits_stored > m.bits_allocated)
    fail("BitsStored " + std::to_string(m.bits_stored) + " does not fit BitsAllocated " + std::to_string(m.bits_allocated));
  if (m.samples_per_pixel != 1 && m.samples_per_pixel != 3)
    fail("unsupported SamplesPerPixel " + std::to_string(m.samples_per_pixel));
  if (static_cast<std::uint64_t>(m.rows) * m.columns * m.frames * m.samples_per_pixel > (1ull << 31))
    fail("image too large");

  const std::string photometric = code_string(*ds, DCM_PhotometricInterpretation);
  if (photometric == "MONOCHROME1") m.photometric = Photometric::monochrome1;
  else if (photometric == "MONOCHROME2" || (photometric.empty() && m.samples_per_pixel == 1)) m.photometric = Photometric::monochrome2;
  else if (photometric == "RGB") m.photometric = Photometric::rgb;
  else if (photometric == "YBR_FULL") m.photometric = Photometric::ybr_full;
  else if (photometric == "YBR_FULL_422") m.photometric = Photometric::ybr_full_422;
  else if (photometric == "YBR_ICT" && is_jpeg2000(m.transfer_syntax_uid)) m.photometric = Photometric::ybr_ict;
  else if (photometric == "YBR_RCT" && is_jpeg2000(m.transfer_syntax_uid)) m.photometric = Photometric::ybr_rct;
  else if (photometric == "PALETTE COLOR") m.photometric = Photometric::palette_color;
  else fail("unsupported photometric interpretation " + standard_photometric(photometric));
  const bool colour = m.photometric != Photometric::monochrome1 && m.photometric != Photometric::monochrome2 &&
                      m.photometric != Photometric::palette_color;  // one sample: an index into the LUTs
  if (colour != (m.samples_per_pixel == 3))
    fail(std::string(photometric_name(m.photometric)) + " with SamplesPerPixel " + std::to_string(m.samples_per_pixel));

  // findAndGet* writes 0 when the element is absent: defaults come from the status, not the value.
  Float64 f = 0;
  if (ds->findAndGetFloat64(DCM_RescaleSlope, f).good()) { m.rescale_slope = f; m.has_rescale = true; }
  if (ds->findAndGetFloat64(DCM_RescaleIntercept, f).good()) { m.rescale_intercept = f; m.has_rescale = true; }
  if (!std::isfinite(m.rescale_slope) || !std::isfinite(m.rescale_intercept)) fail("non-finite RescaleSlope or RescaleIntercept");
  if (detail::read_window(*ds, m.window_center, m.window_width)) m.has_window = true;
  if (const std::string function = code_string(*ds, DCM_VOILUTFunction);
      function == "LINEAR_EXACT" || function == "SIGMOID") {
    m.voi_lut_function = function;
  }
  m.pixel_spacing = doubles<2>(*ds, DCM_PixelSpacing);
  if (!m.pixel_spacing) m.pixel_spacing = doubles<2>(*ds, DCM_ImagerPixelSpacing);
  m.image_position = doubles<3>(*ds, DCM_ImagePositionPatient);
  m.image_orientation = doubles<6>(*ds, DCM_ImageOrientationPatient);
  if (!m.is_float) detail::read_modality_lut(*ds, m, DcmXfer(ds->getOriginalXfer()).getByteOrder() == EBO_BigEndian);
  detail::read_functional_groups(*ds, m);
}

// Pixel samples in one canonical form: pixel-interleaved, little-endian words of `bytes`
// (1, 2 or 4) per sample, all frames back to back; `ybr` when still in YBR_FULL.
struct Samples {
  std::vector<std::uint8_t> data;  // empty when `view` is set
  // Native pixel data already laid out as wanted points straight into DCMTK's buffer (valid while
  // the Loaded it came from lives): no copy of what is most of a large file.
  const std::uint8_t* view = nullptr;
  std::size_t size = 0;            // bytes, in data or at view
  int bytes = 1;
  bool ybr = false;
  bool is_float = false;           // IEEE floats of `bytes` bytes (4 or 8) in this machine's order
  const std::uint8_t* begin() const { return view ? view : data.data(); }
};

// Colour-by-plane (RRR...GGG...BBB) to colour-by-pixel, per frame.
void interleave(std::uint8_t* frame, std::size_t pixels, int bytes) {
  std::vector<std::uint8_t> planar(frame, frame + pixels * 3 * bytes);
  for (std::size_t p = 0; p < pixels; ++p)
    for (int s = 0; s < 3; ++s)
      std::memcpy(frame + (p * 3 + s) * bytes, planar.data() + (s * pixels + p) * bytes, bytes);
}

// Float (OF) or Double Float (OD) Pixel Data: DCMTK has swapped them to this machine's order.
Samples read_float_samples(DcmDataset& ds, const DicomMetadata& m, Samples& out) {
  if (m.samples_per_pixel != 1) fail("float pixel data with SamplesPerPixel " + std::to_string(m.samples_per_pixel));
  const void* data = nullptr;
  unsigned long count = 0;
  if (m.bits_allocated == 32) {
    const Float32* values = nullptr;
    if (ds.findAndGetFloat32Array(DCM_FloatPixelData, values, &count).bad()) fail("unreadable Float Pixel Data");
    data = values;
  } else {
    const Float64* values = nullptr;
    if (ds.findAndGetFloat64Array(DCM_DoubleFloatPixelData, values, &count).bad()) fail("unreadable Double Float Pixel Data");
    data = values;
  }
  const std::size_t expected = out.size / out.bytes;
  if (data == nullptr || count < expected)
    fail("truncated float pixel data (" + std::to_string(count) + " of " + std::to_string(expected) + " values)");
  out.view = static_cast<const std::uint8_t*>(data);
  out.is_float = true;
  return std::move(out);
}

// Colour-by-plane to colour-by-pixel, and marks YBR data for conversion to RGB.
Samples finish_colour(Samples& out, std::size_t pixels, std::size_t frames, bool planar, Photometric model) {
  if (planar)
    for (std::size_t f = 0; f < frames; ++f) interleave(out.data.data() + f * pixels * 3 * out.bytes, pixels, out.bytes);
  if (model == Photometric::ybr_full || model == Photometric::ybr_full_422) {
    if (out.bytes != 1) fail("YBR colour with BitsAllocated above 8");
    out.ybr = true;
    if (out.view) {  // converted in place to RGB: our own copy
      out.data.assign(out.view, out.view + out.size);
      out.view = nullptr;
    }
  }
  return std::move(out);
}

// The Extended Offset Table (7FE0,0001, OV), or empty: the frame boundaries of large files.
std::vector<std::uint64_t> extended_offsets(DcmDataset& ds) {
  const Uint64* values = nullptr;
  unsigned long count = 0;
  if (ds.findAndGetUint64Array(DCM_ExtendedOffsetTable, values, &count).bad() || values == nullptr) return {};
  return {values, values + count};
}

// DCMTK's JPEG decoder converts YCbCr to RGB when the header says YBR, and never otherwise. A
// stream's own markers (JFIF, Adobe APP14) say what it holds, and GDCM and pylibjpeg follow them:
// a JFIF stream in a file labelled RGB is YCbCr. So where the markers and the label disagree, the
// label of our in-memory dataset is corrected before decoding, and libjpeg converts (or not) as
// for any other file. Without markers the label stands (PS3.5 8.2.1).
void follow_jpeg_markers(DcmPixelData& pixel, DcmDataset& ds, Photometric label) {
  const auto [data, size] = detail::first_fragment(pixel);
  const detail::JpegColour stream = detail::jpeg_stream_colour(data, size);
  const bool labelled_ybr = label == Photometric::ybr_full || label == Photometric::ybr_full_422;
  if (stream == detail::JpegColour::ycbcr && label == Photometric::rgb) {
    ds.putAndInsertString(DCM_PhotometricInterpretation, "YBR_FULL");
  } else if (stream == detail::JpegColour::rgb && labelled_ybr) {
    ds.putAndInsertString(DCM_PhotometricInterpretation, "RGB");
  }
}

// JPEG 2000 / HTJ2K frame by frame through OpenJPEG. YBR_ICT/YBR_RCT streams come out as RGB (the
// decoder undoes the stream's colour transform); YBR_FULL is converted like any other YBR data.
Samples read_jpeg2000(DcmPixelData& pixel, DcmDataset& ds, const DicomMetadata& m, Samples& out) {
#ifdef TESSERA_WITH_OPENJPEG
  const auto encoded = detail::encapsulated_frames(pixel, static_cast<std::size_t>(m.frames), extended_offsets(ds));
  detail::J2kTarget target;
  target.rows = static_cast<std::size_t>(m.rows);
  target.columns = static_cast<std::size_t>(m.columns);
  target.samples = m.samples_per_pixel;
  target.bytes = out.bytes;
  target.threads = jpeg2000_threads();
  const std::size_t frame_bytes = target.rows * target.columns * target.samples * target.bytes;
  for (std::size_t f = 0; f < encoded.size(); ++f) {
    target.frame = f;
    detail::decode_j2k_frame(encoded[f].data(), encoded[f].size(), target, out.data.data() + f * frame_bytes);
  }
  const std::size_t pixels = target.rows * target.columns;
  return finish_colour(out, pixels, encoded.size(), /*planar=*/false, m.photometric == Photometric::ybr_full ? Photometric::ybr_full : Photometric::rgb);
#else
  (void)pixel, (void)ds, (void)m, (void)out;
  fail("unsupported transfer syntax JPEG 2000: this build has no OpenJPEG");
#endif
}

Samples read_samples(Loaded& loaded) {
  DicomMetadata& m = loaded.meta;
  DcmDataset& ds = *loaded.dataset;
  if (m.transfer_syntax_name.empty() || unsupported_syntax(m.transfer_syntax_uid)) {
    fail("unsupported transfer syntax " + (m.transfer_syntax_name.empty() ? std::string("?") : m.transfer_syntax_name) +
         " (" + m.transfer_syntax_uid + ")");
  }
  const std::size_t pixels = static_cast<std::size_t>(m.rows) * m.columns;
  const std::size_t frames = static_cast<std::size_t>(m.frames);
  const int spp = m.samples_per_pixel;
  Samples out;
  out.bytes = m.bits_allocated == 1 ? 1 : m.bits_allocated / 8;
  out.size = pixels * frames * spp * out.bytes;
  if (m.is_float) return read_float_samples(ds, m, out);

  DcmElement* element = nullptr;
  if (ds.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) fail("no pixel data");
  auto* pixel = dynamic_cast<DcmPixelData*>(element);
  if (pixel == nullptr) fail("no pixel data");
  const DcmXfer xfer(ds.getOriginalXfer());
  bool planar = m.planar_configuration == 1 && spp == 3;
  Photometric model = m.photometric;

  // Before asking DCMTK whether the data is encapsulated: DCMTK 3.6.7 does not know the HTJ2K
  // syntaxes, reads such a file as explicit little endian, and keeps its fragments all the same.
  if (is_jpeg2000(m.transfer_syntax_uid)) {
    if (m.bits_allocated == 1) fail("1-bit encapsulated pixel data is not supported");
    out.data.resize(out.size);
    return read_jpeg2000(*pixel, ds, m, out);
  }
  if (!xfer.isEncapsulated()) {
    if (pixel->getLength() == 0) fail("no pixel data (empty PixelData element)");
    const std::uint8_t* bytes = nullptr;
    if (m.bits_allocated > 8) {
      Uint16* words = nullptr;
      if (pixel->getUint16Array(words).bad() || words == nullptr) fail("unreadable pixel data");
      bytes = reinterpret_cast<const std::uint8_t*>(words);
    } else {
      Uint8* raw = nullptr;
      if (pixel->getUint8Array(raw).bad() || raw == nullptr) fail("unreadable pixel data");
      bytes = raw;
    }
    const std::size_t length = pixel->getLength();
    std::size_t expected;
    if (m.bits_allocated == 1) expected = (pixels * frames * spp + 7) / 8;
    else if (model == Photometric::ybr_full_422) expected = frames * m.rows * ((m.columns + 1) / 2) * 4 * out.bytes;
    else expected = out.size;
    if (length < expected)
      fail("truncated pixel data (" + std::to_string(length) + " of " + std::to_string(expected) + " bytes)");

    const bool swap_halves = m.bits_allocated == 32 && xfer.getByteOrder() == EBO_BigEndian;
    if (m.bits_allocated != 1 && model != Photometric::ybr_full_422 && !planar && !swap_halves) {
      out.view = bytes;  // already as wanted
    } else {
      out.data.resize(out.size);
    }
    if (out.view) {
    } else if (m.bits_allocated == 1) {  // packed, least significant bit first, frames not byte-aligned
      for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] = (bytes[i >> 3] >> (i & 7)) & 1u;
    } else if (model == Photometric::ybr_full_422) {  // Y1 Y2 Cb Cr per two pixels, native only
      if (out.bytes != 1) fail("YBR_FULL_422 with BitsAllocated above 8");
      const std::size_t pairs_per_row = (m.columns + 1) / 2;
      std::uint8_t* dst = out.data.data();
      for (std::size_t f = 0; f < frames; ++f)
        for (int r = 0; r < m.rows; ++r) {
          const std::uint8_t* row = bytes + ((f * m.rows + r) * pairs_per_row) * 4;
          for (int c = 0; c < m.columns; ++c) {
            const std::uint8_t* group = row + (c / 2) * 4;
            *dst++ = group[c & 1];
            *dst++ = group[2];
            *dst++ = group[3];
          }
        }
      model = Photometric::ybr_full;
      planar = false;
    } else {
      std::memcpy(out.data.data(), bytes, out.data.size());
      // OW from a big-endian file arrives as local 16-bit words: 32-bit values need their halves swapped.
      if (m.bits_allocated == 32 && xfer.getByteOrder() == EBO_BigEndian) {
        auto* w = reinterpret_cast<std::uint16_t*>(out.data.data());
        for (std::size_t i = 0; i + 1 < out.data.size() / 2; i += 2) std::swap(w[i], w[i + 1]);
      }
    }
  } else {
    if (m.bits_allocated == 1) fail("1-bit encapsulated pixel data is not supported");
    out.data.resize(out.size);
    if (xfer.getXfer() == EXS_RLELossless) {  // our own decoder: frames may span fragments (dicom_rle.h)
      const auto encoded = detail::encapsulated_frames(*pixel, frames, extended_offsets(ds));
      const std::size_t frame_bytes = pixels * spp * out.bytes;
      for (std::size_t f = 0; f < frames; ++f)
        detail::decode_rle_frame(encoded[f].data(), encoded[f].size(), pixels, spp, out.bytes,
                                 out.data.data() + f * frame_bytes, f);
      return finish_colour(out, pixels, frames, /*planar=*/false, model);
    }
    if (spp == 3 && (xfer.getXfer() == EXS_JPEGProcess1 || xfer.getXfer() == EXS_JPEGProcess2_4))
      follow_jpeg_markers(*pixel, ds, m.photometric);
    Uint32 frame_size = 0;
    if (pixel->getUncompressedFrameSize(&ds, frame_size).bad() || frame_size == 0) fail("unreadable pixel data");
    const std::size_t frame_bytes = pixels * spp * out.bytes;
    if (frame_size < frame_bytes) fail("inconsistent frame size");
    frame_size += frame_size & 1;  // DCMTK's JPEG decoder refuses an odd buffer (3x3 RGB: 27 bytes)
    std::vector<std::uint8_t> buffer(frame_size);
    Uint32 start_fragment = 0;
    OFString colour_model;
    for (std::size_t f = 0; f < frames; ++f) {
      const OFCondition status = pixel->getUncompressedFrame(&ds, static_cast<Uint32>(f), start_fragment, buffer.data(),
                                                             frame_size, colour_model);
      if (status.bad()) {
        fail("cannot decode frame " + std::to_string(f) + " of " + std::string(m.transfer_syntax_name) + " data (" +
             condition_text(status) + ")");
      }
      std::memcpy(out.data.data() + f * frame_bytes, buffer.data(), frame_bytes);
    }
    // The codecs write the colour model and planar configuration of what they decoded.
    const std::string decoded(colour_model.c_str());
    if (spp == 3) model = decoded.rfind("YBR_FULL", 0) == 0 ? Photometric::ybr_full : Photometric::rgb;
    Uint16 v = 0;
    planar = spp == 3 && ds.findAndGetUint16(DCM_PlanarConfiguration, v).good() && v == 1;
  }
  return finish_colour(out, pixels, frames, planar, model);
}

// PS3.3 C.7.6.3.1.2 in float32 with round-half-up and clipping: pydicom's convert_color_space.
void ybr_to_rgb(std::vector<std::uint8_t>& data) {
  const float gb = -0.114f * 1.772f / 0.587f, gr = -0.299f * 1.402f / 0.587f;
  for (std::size_t i = 0; i + 2 < data.size(); i += 3) {
    const float y = data[i], cb = data[i + 1] - 128.0f, cr = data[i + 2] - 128.0f;
    const float rgb[3] = {y + 1.402f * cr, y + gb * cb + gr * cr, y + 1.772f * cb};
    for (int s = 0; s < 3; ++s) data[i + s] = static_cast<std::uint8_t>(std::clamp(std::floor(rgb[s] + 0.5f), 0.0f, 255.0f));
  }
}

}  // namespace

DicomMetadata read_dicom_header(const fs::path& path) {
  Loaded loaded;
  load(path, loaded, /*full=*/false);
  return loaded.meta;
}

DicomImage decode_dicom(const fs::path& path) {
  Loaded loaded;
  load(path, loaded, /*full=*/true);
  if (!loaded.has_pixels) fail("no pixel data");
  Samples samples = read_samples(loaded);
  if (samples.ybr) ybr_to_rgb(samples.data);
  DicomImage image;
  image.meta = loaded.meta;
  image.channels = loaded.meta.samples_per_pixel;
  if (image.meta.photometric == Photometric::palette_color) {  // stored values index the LUTs: no rescale
    const bool big_endian = DcmXfer(loaded.dataset->getOriginalXfer()).getByteOrder() == EBO_BigEndian;
    const auto luts = detail::read_palette(*loaded.dataset, image.meta.is_signed, big_endian);
    DicomMetadata as_indices = image.meta;
    as_indices.has_rescale = false;
    as_indices.modality_lut.reset();
    as_indices.frame_attributes.clear();
    std::vector<float> indices;
    detail::stored_to_values(samples.begin(), samples.size, samples.bytes, as_indices, indices);
    image.values = detail::apply_palette(luts, indices);
    image.channels = 3;
    return image;
  }
  detail::stored_to_values(samples.begin(), samples.size, samples.bytes, image.meta, image.values);
  return image;
}

namespace {

DicomStored stored_of(Loaded& loaded) {
  if (!loaded.has_pixels) fail("no pixel data");
  const DicomMetadata& m = loaded.meta;
  // The 16-bit path feeds grey datasets: say in the user's terms why this file is not one.
  if (m.photometric == Photometric::palette_color || m.samples_per_pixel != 1)
    fail(std::string(photometric_name(m.photometric)) + " is a colour image; DICOM datasets take monochrome images");
  if (m.is_float) fail("float pixel data (a parametric map); DICOM datasets take monochrome integer images");
  if (m.bits_allocated > 16)
    fail("BitsAllocated " + std::to_string(m.bits_allocated) + "; DICOM datasets take at most 16 bits allocated");
  Samples samples = read_samples(loaded);
  DicomStored stored;
  stored.meta = m;
  if (samples.bytes == 2) {
    stored.words.resize(samples.size / 2);
    std::memcpy(stored.words.data(), samples.begin(), samples.size);
  } else {
    stored.words.assign(samples.begin(), samples.begin() + samples.size);
  }
  if (m.modality_lut) {  // the kernel knows slope and intercept only: hand it the LUT's outputs
    detail::apply_modality_lut(*m.modality_lut, m, stored.words);
    stored.meta.bits_stored = m.modality_lut->bits;
    stored.meta.is_signed = false;
    stored.meta.has_rescale = false;
    stored.meta.rescale_slope = 1.0;
    stored.meta.rescale_intercept = 0.0;
    stored.meta.modality_lut.reset();
  }
  return stored;
}

}  // namespace

DicomStored decode_dicom_stored(const fs::path& path) {
  Loaded loaded;
  load(path, loaded, /*full=*/true);
  return stored_of(loaded);
}

DicomStored decode_dicom_stored_bytes(std::span<const std::uint8_t> bytes) {
  check_magic(bytes.data(), bytes.size());
  Loaded loaded;
  parse_and_describe(loaded, reinterpret_cast<const char*>(bytes.data()), bytes.size(), nullptr);
  return stored_of(loaded);
}

namespace {
std::atomic<int> jpeg2000_thread_setting{1};
}

void set_jpeg2000_threads(int threads) { jpeg2000_thread_setting = std::max(threads, 0); }

int jpeg2000_threads() {
  const int setting = jpeg2000_thread_setting.load();
  if (setting > 0) return setting;
  return usable_cores();
}

bool dicom_available() { return true; }

}  // namespace tessera::io

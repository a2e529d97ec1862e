// Synthetic DICOM writing on DCMTK (see include/tessera/io/dicom_write.h for the contract).
//
// The dataset is built attribute by attribute (no template file, so nothing of a real patient can
// slip in), compressed in memory with DCMTK's lossless encoders through chooseRepresentation, and
// saved beside the target before the rename.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

#include "dcmtk/config/osconfig.h"  // must come first among DCMTK headers
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcfilefo.h"
#include "dcmtk/dcmdata/dcrleerg.h"
#include "dcmtk/dcmdata/dcrlerp.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmjpeg/djencode.h"
#include "dcmtk/dcmjpeg/djrplol.h"
#include "dcmtk/dcmjpls/djencode.h"
#include "dcmtk/dcmjpls/djrparam.h"

#include "dcmtk_setup.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/io/dicom_write.h"

namespace tessera::io {
namespace fs = std::filesystem;
namespace {

// Encoders, logger and dictionary: once per process (thread-safe). The encoder settings are the
// defaults of the dcmcrle / dcmcjpeg / dcmcjpls tools: no new SOP instance UID for lossless
// output, DJEncoderRegistration's "true lossless" mode (raw stored bits, not dcmimgle's
// rendering), JPEG-LS in raw mode (dcmcjpls' default +pr). The registration's own default, the
// cooked mode, cannot hold signed pixels (checked with DCMTK 3.6.7): 16-bit signed frames came
// back "Invalid compressed image data" and 12-bit signed ones tripped an assertion in CharLS
// that aborts the process. In raw mode, and in JPEG's true lossless mode, signed 12- and 16-bit
// words round-trip exactly with PixelRepresentation 1 kept, so no offset/intercept workaround
// is needed (tests/io/dicom_write_dcmtk_test.cpp checks every combination).
void initialise_encoders() {
  static std::once_flag once;
  detail::initialise_dcmtk(once, [] {
    DcmRLEEncoderRegistration::registerCodecs();
    DJEncoderRegistration::registerCodecs();
    DJLSEncoderRegistration::registerCodecs(0, 0, 0, 0, /*preferCookedEncoding=*/OFFalse);  // dcmcjpls' +pr
  });
}

[[noreturn]] void invalid(const std::string& what) { throw UserError("invalid DICOM write spec: " + what); }

void check(const OFCondition& condition, const char* what) {
  if (condition.bad())
    throw UserError(std::string("cannot write DICOM: ") + what + " failed (" + detail::condition_text(condition) + ")");
}

// A decimal string (DS) holds at most 16 characters: the shortest %g form that reads back as
// the same double, so 0.5 stays "0.5" and the decoder recovers the exact value.
std::string decimal_string(double value, const char* field) {
  if (!std::isfinite(value)) invalid(std::string(field) + " is not finite");
  char text[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  if (std::string(text).size() > 16) invalid(std::string(field) + " " + text + " needs more than 16 characters");
  return text;
}

template <std::size_t N>
std::string decimal_strings(const std::array<double, N>& values, const char* field) {
  std::string text;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) text += '\\';
    text += decimal_string(values[i], field);
  }
  return text;
}

bool is_code_string(const std::string& text) {
  if (text.empty() || text.size() > 16) return false;
  for (char c : text)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

void validate(const DicomWriteSpec& spec) {
  if (spec.rows < 1 || spec.rows > 65535 || spec.columns < 1 || spec.columns > 65535)
    invalid("rows and columns must be 1..65535, got " + std::to_string(spec.rows) + "x" + std::to_string(spec.columns));
  if (spec.frames < 1) invalid("frames must be >= 1, got " + std::to_string(spec.frames));
  const std::size_t count = static_cast<std::size_t>(spec.rows) * spec.columns * spec.frames;
  if (spec.words.size() != count)
    invalid("words holds " + std::to_string(spec.words.size()) + " values, frames x rows x columns is " + std::to_string(count));
  if (spec.bits_stored < 1 || spec.bits_stored > 16) invalid("bits_stored must be 1..16, got " + std::to_string(spec.bits_stored));
  if (spec.photometric != Photometric::monochrome1 && spec.photometric != Photometric::monochrome2)
    invalid(std::string("photometric must be MONOCHROME1 or MONOCHROME2, got ") + photometric_name(spec.photometric));
  if (!is_code_string(spec.modality)) invalid("modality must be a code string such as CT, MR or OT");
  if (spec.rescale && !(std::isfinite(spec.rescale->slope) && spec.rescale->slope != 0.0 && std::isfinite(spec.rescale->intercept)))
    invalid("rescale slope must be finite and non-zero, intercept finite");
  if (spec.window && !(spec.window->width >= 1.0 && std::isfinite(spec.window->width) && std::isfinite(spec.window->center)))
    invalid("window width must be >= 1 (LINEAR VOI function) and finite");
  const int bits = spec.bits_stored;
  const std::int32_t lo = spec.is_signed ? -(1 << (bits - 1)) : 0;
  const std::int32_t hi = spec.is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  for (std::size_t i = 0; i < count; ++i) {
    const std::int32_t v = spec.is_signed ? static_cast<std::int16_t>(spec.words[i]) : spec.words[i];
    if (v < lo || v > hi)
      invalid("value " + std::to_string(v) + " at index " + std::to_string(i) + " does not fit " + std::to_string(bits) +
              (spec.is_signed ? " signed" : " unsigned") + " bits");
  }
}

std::string fresh_uid(const char* root) {
  char uid[100];
  dcmGenerateUniqueIdentifier(uid, root);
  return uid;
}

void put(DcmDataset& ds, const DcmTagKey& key, const std::string& value) {
  check(ds.putAndInsertString(key, value.c_str()), "setting an attribute");
}

void put_u16(DcmDataset& ds, const DcmTagKey& key, int value) {
  check(ds.putAndInsertUint16(key, static_cast<Uint16>(value)), "setting an attribute");
}

// Patient, study, series, equipment and SOP common modules: synthetic identity, empty type 2
// attributes (no dates or names of anyone), fresh UIDs.
void put_identity(DcmDataset& ds, const DicomWriteSpec& spec) {
  const bool ct = spec.modality == "CT" && spec.frames == 1;
  const char* sop_class = ct ? UID_CTImageStorage
                          : spec.frames > 1 ? UID_MultiframeGrayscaleWordSecondaryCaptureImageStorage
                                            : UID_SecondaryCaptureImageStorage;
  put(ds, DCM_SOPClassUID, sop_class);
  put(ds, DCM_SOPInstanceUID, fresh_uid(SITE_INSTANCE_UID_ROOT));
  put(ds, DCM_StudyInstanceUID, fresh_uid(SITE_STUDY_UID_ROOT));
  put(ds, DCM_SeriesInstanceUID, fresh_uid(SITE_SERIES_UID_ROOT));
  put(ds, DCM_PatientName, "Tessera^Synthetic");
  put(ds, DCM_PatientID, "SYNTHETIC");
  for (const DcmTagKey& empty : {DCM_PatientBirthDate, DCM_PatientSex, DCM_StudyDate, DCM_StudyTime,
                                 DCM_ReferringPhysicianName, DCM_StudyID, DCM_AccessionNumber, DCM_Manufacturer,
                                 DCM_PatientOrientation}) {
    put(ds, empty, "");
  }
  put(ds, DCM_Modality, spec.modality);
  put(ds, DCM_SeriesNumber, "1");
  put(ds, DCM_InstanceNumber, "1");
  put(ds, DCM_ImageType, ct ? "DERIVED\\SECONDARY\\AXIAL" : "DERIVED\\SECONDARY");
  if (ct) {
    put(ds, DCM_KVP, "");
    put(ds, DCM_AcquisitionNumber, "");
  } else {
    put(ds, DCM_ConversionType, "SYN");  // synthetic image
  }
  if (spec.frames > 1) {  // the multi-frame module needs a vector the frames step through
    std::string pages;
    for (int f = 1; f <= spec.frames; ++f) {
      if (f > 1) pages += '\\';
      pages += std::to_string(f);
    }
    put(ds, DCM_NumberOfFrames, std::to_string(spec.frames));
    put(ds, DCM_PageNumberVector, pages);
    check(ds.putAndInsertTagKey(DCM_FrameIncrementPointer, DCM_PageNumberVector), "setting an attribute");
  }
}

void put_pixels(DcmDataset& ds, const DicomWriteSpec& spec) {
  put_u16(ds, DCM_SamplesPerPixel, 1);
  put(ds, DCM_PhotometricInterpretation, photometric_name(spec.photometric));
  put_u16(ds, DCM_Rows, spec.rows);
  put_u16(ds, DCM_Columns, spec.columns);
  put_u16(ds, DCM_BitsAllocated, 16);
  put_u16(ds, DCM_BitsStored, spec.bits_stored);
  put_u16(ds, DCM_HighBit, spec.bits_stored - 1);
  put_u16(ds, DCM_PixelRepresentation, spec.is_signed ? 1 : 0);
  const bool ct = spec.modality == "CT" && spec.frames == 1;
  if (spec.rescale || ct) {
    const DicomRescale rescale = spec.rescale.value_or(DicomRescale{});
    put(ds, DCM_RescaleIntercept, decimal_string(rescale.intercept, "rescale intercept"));
    put(ds, DCM_RescaleSlope, decimal_string(rescale.slope, "rescale slope"));
    if (!ct) put(ds, DCM_RescaleType, "US");  // unspecified units (HU is implied for CT only)
  }
  if (spec.window) {
    put(ds, DCM_WindowCenter, decimal_string(spec.window->center, "window centre"));
    put(ds, DCM_WindowWidth, decimal_string(spec.window->width, "window width"));
  }
  if (spec.pixel_spacing) put(ds, DCM_PixelSpacing, decimal_strings(*spec.pixel_spacing, "pixel spacing"));
  if (spec.slice_thickness) put(ds, DCM_SliceThickness, decimal_string(*spec.slice_thickness, "slice thickness"));
  if (spec.image_position) put(ds, DCM_ImagePositionPatient, decimal_strings(*spec.image_position, "image position"));
  if (spec.image_orientation)
    put(ds, DCM_ImageOrientationPatient, decimal_strings(*spec.image_orientation, "image orientation"));
  if (spec.image_position || spec.image_orientation) {
    put(ds, DCM_FrameOfReferenceUID, fresh_uid(SITE_INSTANCE_UID_ROOT));
    put(ds, DCM_PositionReferenceIndicator, "");
  }
  check(ds.putAndInsertUint16Array(DCM_PixelData, spec.words.data(), static_cast<unsigned long>(spec.words.size())),
        "setting the pixel data");
}

// Encodes the pixel data in memory (nothing to do for none); returns the transfer syntax to save in.
E_TransferSyntax compress(DcmDataset& ds, DicomCompression compression) {
  switch (compression) {
    case DicomCompression::none:
      return EXS_LittleEndianExplicit;
    case DicomCompression::rle: {
      const DcmRLERepresentationParameter parameter;
      check(ds.chooseRepresentation(EXS_RLELossless, &parameter), "RLE encoding");
      return EXS_RLELossless;
    }
    case DicomCompression::jpeg_lossless: {
      const DJ_RPLossless parameter(/*prediction=*/1, /*point transform=*/0);  // selection value 1
      check(ds.chooseRepresentation(EXS_JPEGProcess14SV1, &parameter), "JPEG lossless encoding");
      return EXS_JPEGProcess14SV1;
    }
    case DicomCompression::jpeg_ls_lossless: {
      const DJLSRepresentationParameter parameter(/*near-lossless deviation=*/0, /*lossless=*/OFTrue);
      check(ds.chooseRepresentation(EXS_JPEGLSLossless, &parameter), "JPEG-LS encoding");
      return EXS_JPEGLSLossless;
    }
  }
  throw std::logic_error("write_dicom: unknown compression");
}

}  // namespace

void write_dicom(const fs::path& path, const DicomWriteSpec& spec) {
  initialise_encoders();
  validate(spec);
  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  put_identity(ds, spec);
  put_pixels(ds, spec);
  const E_TransferSyntax xfer = compress(ds, spec.compression);
  if (!ds.canWriteXfer(xfer, EXS_LittleEndianExplicit))
    throw UserError(std::string("cannot write DICOM: no ") + compression_name(spec.compression) + " encoding of the pixel data");
  try {
    write_atomic_with(path, [&](const fs::path& tmp) {
      check(file.saveFile(tmp.c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_createNewMeta),
            "saving the file");
    });
  } catch (const fs::filesystem_error& e) {
    throw UserError(std::string("cannot write DICOM: ") + e.code().message());
  }
}

}  // namespace tessera::io

// Fuzz target: the DICOM loader (DCMTK underneath): read_dicom_header, decode_dicom and
// decode_dicom_stored, the three entry points the datasets and `tessera inspect` use.
//
// Feeds: the input as a DICOM file (written to a scratch file: the API takes paths).
// Expected: metadata and pixels, or tessera::DecodeError / tessera::UserError ("cannot decode
// DICOM: ..."). Checked for a file that decodes: the value buffer holds exactly frames x rows x
// columns x channels values; the header the allowlist keeps holds only what it may (a modality
// code string, a standard transfer syntax UID), as the patient data contract in dicom.h says.
// DCMTK itself is the Debian build, not instrumented: ASan sees its heap accesses through the
// allocator and the mem* interceptors only, and libFuzzer gets no coverage from inside it.
// Run with -malloc_limit_mb=4608 (tools/fuzz.sh): reading from memory, DCMTK 3.6.7 allocates an
// element's declared length (up to 4 GiB, new(nothrow)) before it finds the data shorter;
// address space only, never touched, but under ASan each such free poisons 1/8 of it in shadow
// memory, which is what makes this target slow (tens of inputs per second).
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "tessera/core/error.h"
#include "tessera/io/dicom.h"
#include "tessera/io/inspect.h"

namespace {

using namespace tessera::io;

void check_metadata(const DicomMetadata& m) {
  for (const char c : m.modality) {
    FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ' ',
               "modality holds a character a code string cannot: " + m.modality);
  }
  FUZZ_CHECK(m.transfer_syntax_uid.rfind("1.2.840.10008.", 0) == 0 && m.transfer_syntax_uid.size() <= 64,
             "transfer syntax UID is not a standard one");
  (void)describe_dicom_header(m);
}

std::size_t expected_values(const DicomMetadata& m, int channels) {
  return static_cast<std::size_t>(m.frames) * m.rows * m.columns * channels;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tessera::fuzz::ScratchFile file("input.dcm");
  const auto& path = file.write(tessera::fuzz::as_text(data, size));
  try {
    check_metadata(read_dicom_header(path));
  } catch (const tessera::UserError&) {
    // documented: DecodeError for bad content, UserError for an unreadable file
  }
  try {
    const DicomImage image = decode_dicom(path);
    check_metadata(image.meta);
    const int channels = image.meta.photometric == Photometric::palette_color ? 3 : image.meta.samples_per_pixel;
    FUZZ_CHECK(image.channels == channels, "channels differ from SamplesPerPixel (3 for PALETTE COLOR)");
    FUZZ_CHECK(image.values.size() == expected_values(image.meta, image.channels),
               "decode_dicom returned " + std::to_string(image.values.size()) + " values for " +
                   std::to_string(image.meta.frames) + "x" + std::to_string(image.meta.rows) + "x" +
                   std::to_string(image.meta.columns) + "x" + std::to_string(image.channels));
  } catch (const tessera::UserError&) {
  }
  try {
    const DicomStored stored = decode_dicom_stored(path);
    check_metadata(stored.meta);
    FUZZ_CHECK(stored.meta.samples_per_pixel == 1 && stored.meta.bits_allocated <= 16 && !stored.meta.is_float &&
                   stored.meta.photometric != Photometric::palette_color && !stored.meta.modality_lut,
               "the 16-bit path accepted a colour, float or 32-bit image, or kept a Modality LUT");
    FUZZ_CHECK(stored.words.size() == expected_values(stored.meta, 1), "decode_dicom_stored returned the wrong word count");
  } catch (const tessera::UserError&) {
  }
  return 0;
}

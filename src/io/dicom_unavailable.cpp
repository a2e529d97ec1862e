// The DICOM entry points (decoding and writing) of a build without DCMTK (TESSERA_WITH_DCMTK
// off): each says so plainly. The real ones are in dicom_dcmtk.cpp and dicom_write_dcmtk.cpp,
// which the build compiles only when DCMTK is on; the module globs every .cpp, so this file
// compiles to nothing in that case. Names and extensions are in dicom_names.cpp (both builds).
#ifndef TESSERA_WITH_DCMTK
#include "tessera/core/error.h"
#include "tessera/io/dicom.h"
#include "tessera/io/dicom_write.h"

namespace tessera::io {
namespace {
[[noreturn]] void unavailable() {
  throw UserError("DICOM support is not built in: rebuild with -DTESSERA_WITH_DCMTK=ON (libdcmtk-dev)");
}
}  // namespace

DicomMetadata read_dicom_header(const std::filesystem::path&) { unavailable(); }
DicomImage decode_dicom(const std::filesystem::path&) { unavailable(); }
DicomStored decode_dicom_stored(const std::filesystem::path&) { unavailable(); }
DicomStored decode_dicom_stored_bytes(std::span<const std::uint8_t>) { unavailable(); }
void write_dicom(const std::filesystem::path&, const DicomWriteSpec&) { unavailable(); }

void set_jpeg2000_threads(int) {}
int jpeg2000_threads() { return 1; }

bool dicom_available() { return false; }

}  // namespace tessera::io
#endif  // TESSERA_WITH_DCMTK

// The parts of io/dicom.h that need no DCMTK (names and file extensions): built in every
// configuration, so the DCMTK and the no-DCMTK builds share one definition.
#include <cctype>
#include <string>

#include "tessera/io/dicom.h"

namespace tessera::io {

const char* photometric_name(Photometric photometric) {
  switch (photometric) {
    case Photometric::monochrome1: return "MONOCHROME1";
    case Photometric::monochrome2: return "MONOCHROME2";
    case Photometric::rgb: return "RGB";
    case Photometric::ybr_full: return "YBR_FULL";
    case Photometric::ybr_full_422: return "YBR_FULL_422";
  }
  return "?";
}

bool has_dicom_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".dcm" || ext == ".dicom";
}

}  // namespace tessera::io

#include "tessera/io/library_versions.h"

#ifdef TESSERA_WITH_OPENCV
#include <opencv2/core/version.hpp>
#endif
#ifdef TESSERA_WITH_DCMTK
#include <dcmtk/dcmdata/dcuid.h>
#endif

namespace tessera::io {

std::vector<std::pair<std::string, std::string>> codec_library_versions() {
  std::vector<std::pair<std::string, std::string>> rows;
#ifdef TESSERA_WITH_OPENCV
  rows.emplace_back("OpenCV", CV_VERSION);
#else
  rows.emplace_back("OpenCV", "not built (TESSERA_WITH_OPENCV=OFF)");
#endif
#ifdef TESSERA_WITH_DCMTK
  rows.emplace_back("DCMTK", OFFIS_DCMTK_VERSION_STRING);
#else
  rows.emplace_back("DCMTK", "not built (TESSERA_WITH_DCMTK=OFF)");
#endif
  return rows;
}

}  // namespace tessera::io

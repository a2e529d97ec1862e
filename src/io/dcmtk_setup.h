#pragma once
// Private to io, DCMTK builds only: the setup the DICOM reader files
// (dicom_*_dcmtk.cpp) and writer (dicom_write_dcmtk.cpp) share, so all keep DCMTK's logger off and
// fail the same way.
#include <mutex>
#include <stdexcept>
#include <string>

#include "dcmtk/config/osconfig.h"  // must come first among DCMTK headers
#include "dcmtk/dcmdata/dcdict.h"
#include "dcmtk/ofstd/ofcond.h"
#include "dcmtk/oflog/oflog.h"

#include "tessera/core/error.h"

namespace tessera::io::detail {

// Once per `once` flag: DCMTK's logger off (it logs tag values and paths otherwise), then
// `register_codecs`. Every call then checks the data dictionary, without which no tag resolves.
// Thread-safe; the codec registries themselves are.
inline void initialise_dcmtk(std::once_flag& once, void (*register_codecs)()) {
  std::call_once(once, [register_codecs] {
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    register_codecs();
  });
  static const bool dictionary_loaded = dcmDataDict.isDictionaryLoaded();
  if (!dictionary_loaded) {
    throw std::runtime_error(
        "DCMTK's data dictionary is not loaded (dicom.dic from libdcmtk; set DCMDICTPATH to it)");
  }
}

// Every reader file's one way to refuse a file: a DecodeError that says so without a path.
[[noreturn]] inline void fail(const std::string& what) { throw DecodeError("cannot decode DICOM: " + what); }

// DCMTK condition texts are fixed strings, but keep them to one short line all the same.
inline std::string condition_text(const OFCondition& condition) {
  std::string text = condition.text();
  for (char& c : text) if (c == '\n' || c == '\r') c = ' ';
  if (text.size() > 120) text.resize(120);
  return text;
}

}  // namespace tessera::io::detail

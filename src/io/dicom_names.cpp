// The parts of io/dicom.h that need no DCMTK (names and file extensions): built in every
// configuration, so the DCMTK and the no-DCMTK builds share one definition.
#include <cctype>
#include <cstring>
#include <fstream>
#include <string>

#include "tessera/io/dicom.h"
#include "tessera/io/file_kind.h"
#include "tessera/io/image.h"

namespace tessera::io {

const char* photometric_name(Photometric photometric) {
  switch (photometric) {
    case Photometric::monochrome1: return "MONOCHROME1";
    case Photometric::monochrome2: return "MONOCHROME2";
    case Photometric::rgb: return "RGB";
    case Photometric::ybr_full: return "YBR_FULL";
    case Photometric::ybr_full_422: return "YBR_FULL_422";
    case Photometric::ybr_ict: return "YBR_ICT";
    case Photometric::ybr_rct: return "YBR_RCT";
    case Photometric::palette_color: return "PALETTE COLOR";
  }
  return "?";
}

bool has_dicom_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".dcm" || ext == ".dicom";
}

namespace {

unsigned read_u16le(const unsigned char* p) { return p[0] | (p[1] << 8); }

}  // namespace

bool looks_like_dicom(const std::filesystem::path& path) {
  if (!not_a_regular_file(path).empty()) return false;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return false;
  std::ifstream in(path, std::ios::binary);
  unsigned char head[132] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  const auto got = static_cast<std::size_t>(in.gcount());
  if (got == sizeof head && std::memcmp(head + 128, "DICM", 4) == 0) return true;
  if (got < 8) return false;
  // No preamble: the first element is in the file meta group (0002) or the identifying group
  // (0008); little endian, or big endian with an explicit VR (the retired big-endian syntax is
  // always explicit).
  const bool explicit_vr = std::isupper(head[4]) && std::isupper(head[5]);
  const auto plausible = [](unsigned group) { return group == 0x0002 || group == 0x0008; };
  if (!plausible(read_u16le(head))) return explicit_vr && plausible((head[0] << 8) | head[1]);
  if (explicit_vr) return true;
  const std::uint32_t length = read_u16le(head + 4) | (static_cast<std::uint32_t>(read_u16le(head + 6)) << 16);
  return length == 0xFFFFFFFFu || length <= size - 8;  // undefined length (a sequence), or it fits
}

bool is_dicom_file(const std::filesystem::path& path) {
  if (has_dicom_extension(path)) return true;
  return !has_image_extension(path) && looks_like_dicom(path);
}

}  // namespace tessera::io

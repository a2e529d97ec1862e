#include "dicom_wire.h"

namespace tessera::io::detail {
namespace {

template <std::size_t N>
void put_optional(WireWriter& out, const std::optional<std::array<double, N>>& value) {
  out.put<std::uint8_t>(value ? 1 : 0);
  if (value) out.put(*value);
}

template <std::size_t N>
std::optional<std::array<double, N>> get_optional(WireReader& in) {
  if (in.get<std::uint8_t>() == 0) return std::nullopt;
  return in.get<std::array<double, N>>();
}

}  // namespace

// Field by field (not one memcpy of the struct): it holds strings. A field added to DicomMetadata
// changes its size and stops the build here until put_metadata and get_metadata carry it too
// (the size is libstdc++'s on x86-64 Linux, the only platform we build for).
static_assert(sizeof(DicomMetadata) == 320, "DicomMetadata changed: send the new field in put_metadata/get_metadata");
void put_metadata(WireWriter& out, const DicomMetadata& meta) {
  for (int value : {meta.rows, meta.columns, meta.frames, meta.samples_per_pixel, meta.bits_allocated,
                    meta.bits_stored, meta.planar_configuration}) {
    out.put<std::int32_t>(value);
  }
  out.put<std::uint8_t>(meta.is_signed);
  out.put(meta.photometric);
  out.put<std::uint8_t>(meta.has_rescale);
  out.put(meta.rescale_slope);
  out.put(meta.rescale_intercept);
  out.put<std::uint8_t>(meta.has_window);
  out.put(meta.window_center);
  out.put(meta.window_width);
  out.put_string(meta.voi_lut_function);
  out.put_string(meta.modality);
  put_optional(out, meta.pixel_spacing);
  put_optional(out, meta.image_position);
  put_optional(out, meta.image_orientation);
  out.put_string(meta.transfer_syntax_uid);
  out.put_string(meta.transfer_syntax_name);
}

DicomMetadata get_metadata(WireReader& in) {
  DicomMetadata meta;
  for (int* value : {&meta.rows, &meta.columns, &meta.frames, &meta.samples_per_pixel, &meta.bits_allocated,
                     &meta.bits_stored, &meta.planar_configuration}) {
    *value = in.get<std::int32_t>();
  }
  meta.is_signed = in.get<std::uint8_t>() != 0;
  meta.photometric = in.get<Photometric>();
  meta.has_rescale = in.get<std::uint8_t>() != 0;
  meta.rescale_slope = in.get<double>();
  meta.rescale_intercept = in.get<double>();
  meta.has_window = in.get<std::uint8_t>() != 0;
  meta.window_center = in.get<double>();
  meta.window_width = in.get<double>();
  meta.voi_lut_function = in.get_string();
  meta.modality = in.get_string();
  meta.pixel_spacing = get_optional<2>(in);
  meta.image_position = get_optional<3>(in);
  meta.image_orientation = get_optional<6>(in);
  meta.transfer_syntax_uid = in.get_string();
  meta.transfer_syntax_name = in.get_string();
  return meta;
}

}  // namespace tessera::io::detail

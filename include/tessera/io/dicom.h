#pragma once
// DICOM decoding into plain host buffers (DCMTK underneath; its types never leak out of this
// header). Built when TESSERA_WITH_DCMTK is on; otherwise every function throws UserError saying
// the build lacks DICOM support.
//
// Transfer syntaxes: implicit/explicit VR little endian, explicit VR big endian, deflated, RLE
// (our own decoder: a frame may span fragments), JPEG baseline/extended (8 and 12 bit)/lossless,
// JPEG-LS (DCMTK), JPEG 2000 and HTJ2K (OpenJPEG 2.5, when built with TESSERA_WITH_OPENJPEG;
// otherwise DecodeError("unsupported transfer syntax JPEG 2000 (1.2.840.10008.1.2.4.90)")).
//
// Patient data contract (PS3.15 Annex E): only the attributes in DicomMetadata are read from the
// header; nothing else (names, IDs, dates, institution, UIDs other than the transfer syntax)
// outlives a call. Error messages are one line naming the problem and carry neither the file
// path nor any header value outside DicomMetadata: the CALLER adds an opaque reference (an
// index or a hash), never the path itself, because paths often hold patient names or IDs.
// DCMTK's own logger is switched off on first use so it never prints tag values or paths.
//
// Thread safety: every call uses its own DCMTK objects; the codecs are registered once
// (std::call_once) on first use. Calls may run concurrently on different files.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tessera::io {

// YBR_ICT and YBR_RCT label JPEG 2000 streams whose colour transform the decoder undoes (RGB
// out); PALETTE COLOR is expanded to RGB through its LUTs.
enum class Photometric : std::uint8_t { monochrome1, monochrome2, rgb, ybr_full, ybr_full_422, ybr_ict, ybr_rct, palette_color };

// "MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT", "PALETTE COLOR".
const char* photometric_name(Photometric photometric);

// Modality LUT Sequence (PS3.3 C.11.1): maps stored values to modality values in place of Rescale
// Slope/Intercept. Stored values below first_mapped take entry 0, those past the end the last entry.
struct ModalityLut {
  int first_mapped = 0;                // the stored value of entry 0 (signed when the pixels are)
  int bits = 16;                       // of each entry (LUTDescriptor's third value, 8..16)
  std::vector<std::uint16_t> entries;  // LUTData
};

// One frame of an enhanced multi-frame image, from its functional groups (the Per-frame item
// first, then the Shared one; PS3.3 C.7.6.16): Pixel Value Transformation, Frame VOI LUT, Plane
// Position.
struct FrameAttributes {
  double rescale_slope = 1.0, rescale_intercept = 0.0;
  bool has_window = false;
  double window_center = 0.0, window_width = 0.0;
  std::optional<std::array<double, 3>> image_position;
};

// The allowlist: everything Tessera keeps from a DICOM header. Values are as stored in the file
// (photometric is the file's; decode_dicom converts YBR to RGB).
struct DicomMetadata {
  int rows = 0, columns = 0;
  int frames = 1;                 // NumberOfFrames, 1 when absent
  int samples_per_pixel = 1;      // 1 (monochrome, PALETTE COLOR) or 3 (colour)
  int bits_allocated = 0;         // 1, 8, 16 or 32; 64 for Double Float Pixel Data
  int bits_stored = 0;
  bool is_signed = false;         // PixelRepresentation 1
  bool is_float = false;          // Float (32) or Double Float (64) Pixel Data: values as stored
  Photometric photometric = Photometric::monochrome2;
  int planar_configuration = 0;   // 0 colour-by-pixel, 1 colour-by-plane (as stored)
  bool has_rescale = false;       // RescaleSlope or RescaleIntercept present
  double rescale_slope = 1.0;     // 1 when absent
  double rescale_intercept = 0.0; // 0 when absent
  bool has_window = false;        // both WindowCenter and WindowWidth present (first pair kept)
  double window_center = 0.0, window_width = 0.0;
  std::string voi_lut_function = "LINEAR";  // LINEAR, LINEAR_EXACT or SIGMOID
  std::optional<ModalityLut> modality_lut;  // when present, it replaces the rescale
  // Enhanced multi-frame files (functional groups): one entry per frame, else empty. Frame 0's
  // rescale, window and position also fill the fields above, and its spacing and orientation
  // (Pixel Measures, Plane Orientation) pixel_spacing and image_orientation below.
  std::vector<FrameAttributes> frame_attributes;
  std::string modality;                     // e.g. "CT", "MR" (a code string; empty when absent)
  // Row and column spacing in mm: PixelSpacing, else ImagerPixelSpacing.
  std::optional<std::array<double, 2>> pixel_spacing;
  std::optional<std::array<double, 3>> image_position;     // ImagePositionPatient
  std::optional<std::array<double, 6>> image_orientation;  // ImageOrientationPatient
  // Fixed texts (never header values) about what was read leniently, e.g. a wrong delimitation
  // item in an old ultrasound file; callers show them once, with their own reference to the file.
  std::vector<std::string> warnings;
  std::string transfer_syntax_uid;   // a public standard UID (1.2.840.10008.1.2...)
  std::string transfer_syntax_name;  // e.g. "JPEG-LS Lossless"
};

// Modality values (rescaled: Hounsfield units for CT) of every frame, as float.
// Layout: frames x rows x columns x channels, channels = 1 (monochrome) or 3 (RGB; YBR input is
// converted to RGB the way PS3.3 C.7.6.3.1.2 defines, rounded like pydicom). Stored values are
// masked to BitsStored, sign-extended when signed, then mapped by the Modality LUT when there is
// one, else `float(v) * slope + intercept` in float with each frame's own slope and intercept
// (frame_attributes) or the header's. Float pixel data is taken as stored.
// PALETTE COLOR comes out as RGB (channels 3): each stored value through the red, green and blue
// LUTs, the entries as stored (8 or 16 bits), as pydicom's apply_color_lut.
// MONOCHROME1 is NOT inverted here: that belongs after windowing (ops::voi_value).
struct DicomImage {
  DicomMetadata meta;
  int channels = 1;
  std::vector<float> values;
};

// The raw path for the medical kernel: the stored words of a monochrome image with
// BitsAllocated <= 16, unmasked and unrescaled (frames x rows x columns), as the kernel takes them.
// A Modality LUT is applied here, as the kernel knows only slope and intercept: the words are then
// the LUT's outputs and meta says so (BitsStored = the LUT's bits, unsigned, no rescale, no LUT).
struct DicomStored {
  DicomMetadata meta;
  std::vector<std::uint16_t> words;
};

// Frame `frame`'s header as a single-frame image's: frames 1, and its own rescale, window and
// position from frame_attributes when the file has them (the list itself is dropped).
DicomMetadata frame_metadata(const DicomMetadata& meta, int frame);

// Frame `frame` of a multi-frame DicomStored as a single-frame one: its words and frame_metadata.
// A DecodeError when the frame does not exist.
DicomStored select_frame(const DicomStored& stored, int frame);

// Header only (pixel data is not decoded). Throws UserError when the file is missing or unreadable
// and DecodeError for anything wrong with its content; neither message contains the path.
DicomMetadata read_dicom_header(const std::filesystem::path& path);

// Decodes all frames. Throws as read_dicom_header, plus DecodeError for "no pixel data",
// unsupported transfer syntaxes, truncated or undecodable pixel data.
DicomImage decode_dicom(const std::filesystem::path& path);

// As decode_dicom, for monochrome images of at most 16 bits allocated (DecodeError otherwise).
DicomStored decode_dicom_stored(const std::filesystem::path& path);
// The same from a whole DICOM file already in memory (a request body of `tessera serve`).
DicomStored decode_dicom_stored_bytes(std::span<const std::uint8_t> bytes);

// .dcm and .dicom, case-insensitive. Files without an extension are common in DICOM too (scanner
// exports such as IM0001): is_dicom_file probes those.
bool has_dicom_extension(const std::filesystem::path& path);

// DICOM by content, for files whose name says nothing: "DICM" at offset 128 (PS3.10), or a file
// without preamble whose first element is plausible (group 0002 or 0008, then an explicit VR of
// two capital letters or an implicit length that fits the file). Reads at
// most 132 bytes; false for anything that is not a regular file (a pipe is never opened) or
// cannot be read.
bool looks_like_dicom(const std::filesystem::path& path);

// What datasets, series folders and inspect take as DICOM: a .dcm/.dicom name, or a name without
// an image extension (.jpg .png ...) whose content looks_like_dicom.
bool is_dicom_file(const std::filesystem::path& path);

// Threads OpenJPEG may use inside each JPEG 2000 / HTJ2K frame, process-wide. The default, 1,
// suits datasets, whose loader already decodes one file per worker; a caller decoding one large
// file at a time (inspect, a series) gains from more. 0 = every core this process may use.
void set_jpeg2000_threads(int threads);
int jpeg2000_threads();  // the resolved count (>= 1)

// True when this build decodes DICOM (TESSERA_WITH_DCMTK).
bool dicom_available();

}  // namespace tessera::io

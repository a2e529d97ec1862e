// OpenJPEG from memory: a stream whose read/skip/seek callbacks walk a byte buffer, messages
// captured rather than printed (they name no patient data, but the library must not write to
// stderr behind the caller's back), and the decoded components copied into words.
#include "dicom_j2k.h"

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "tessera/core/error.h"

namespace tessera::io::detail {
namespace {

struct Buffer {
  const std::uint8_t* data;
  std::size_t size, position = 0;
};

OPJ_SIZE_T read_bytes(void* into, OPJ_SIZE_T count, void* user) {
  auto& b = *static_cast<Buffer*>(user);
  if (b.position >= b.size) return static_cast<OPJ_SIZE_T>(-1);  // end of stream
  const std::size_t n = std::min<std::size_t>(count, b.size - b.position);
  std::memcpy(into, b.data + b.position, n);
  b.position += n;
  return n;
}

OPJ_OFF_T skip_bytes(OPJ_OFF_T count, void* user) {
  auto& b = *static_cast<Buffer*>(user);
  if (count < 0) {
    const auto back = std::min<std::size_t>(static_cast<std::size_t>(-count), b.position);
    b.position -= back;
    return -static_cast<OPJ_OFF_T>(back);
  }
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(count), b.size - b.position);
  b.position += n;
  return static_cast<OPJ_OFF_T>(n);
}

OPJ_BOOL seek_to(OPJ_OFF_T to, void* user) {
  auto& b = *static_cast<Buffer*>(user);
  if (to < 0 || static_cast<std::size_t>(to) > b.size) return OPJ_FALSE;
  b.position = static_cast<std::size_t>(to);
  return OPJ_TRUE;
}

void keep_error(const char* message, void* user) {
  auto& last = *static_cast<std::string*>(user);
  last = message;
  while (!last.empty() && (last.back() == '\n' || last.back() == ' ')) last.pop_back();
}
void ignore(const char*, void*) {}

struct CodecDeleter { void operator()(opj_codec_t* c) const { opj_destroy_codec(c); } };
struct StreamDeleter { void operator()(opj_stream_t* s) const { opj_stream_destroy(s); } };
struct ImageDeleter { void operator()(opj_image_t* i) const { opj_image_destroy(i); } };

// A JP2 file starts with its signature box; anything else is taken as a raw codestream (SOC).
bool is_jp2(const std::uint8_t* data, std::size_t size) {
  static const std::uint8_t signature[] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' '};
  return size >= sizeof signature && std::memcmp(data, signature, sizeof signature) == 0;
}

template <typename Word>
void copy_components(const opj_image_t& image, std::size_t pixels, int samples, std::uint8_t* out) {
  for (int c = 0; c < samples; ++c) {
    const OPJ_INT32* in = image.comps[c].data;
    for (std::size_t p = 0; p < pixels; ++p) {
      const auto word = static_cast<Word>(static_cast<std::uint32_t>(in[p]));  // two's complement bits
      std::memcpy(out + (p * samples + c) * sizeof(Word), &word, sizeof(Word));
    }
  }
}

}  // namespace

void decode_j2k_frame(const std::uint8_t* data, std::size_t size, const J2kTarget& target, std::uint8_t* out) {
  const std::string where = "JPEG 2000 frame " + std::to_string(target.frame);
  const auto fail = [&](const std::string& why) -> void {
    throw DecodeError("cannot decode DICOM: " + where + ": " + why);
  };
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(is_jp2(data, size) ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  if (!codec) fail("cannot create a decoder");
  std::string last_error;
  opj_set_error_handler(codec.get(), keep_error, &last_error);
  opj_set_warning_handler(codec.get(), ignore, nullptr);
  opj_set_info_handler(codec.get(), ignore, nullptr);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  if (!opj_setup_decoder(codec.get(), &parameters)) fail("cannot set up the decoder");
  if (target.threads > 1 && opj_has_thread_support()) opj_codec_set_threads(codec.get(), target.threads);

  Buffer buffer{data, size};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(64 * 1024, OPJ_TRUE));
  if (!stream) fail("cannot create a stream");
  opj_stream_set_user_data(stream.get(), &buffer, nullptr);
  opj_stream_set_user_data_length(stream.get(), size);
  opj_stream_set_read_function(stream.get(), read_bytes);
  opj_stream_set_skip_function(stream.get(), skip_bytes);
  opj_stream_set_seek_function(stream.get(), seek_to);

  opj_image_t* raw = nullptr;
  const auto why = [&](const char* what) { return last_error.empty() ? std::string(what) : what + (" (" + last_error + ")"); };
  if (!opj_read_header(stream.get(), codec.get(), &raw)) {
    opj_image_destroy(raw);
    fail(why("unreadable codestream header"));
  }
  std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
  if (static_cast<int>(image->numcomps) != target.samples) {
    fail(std::to_string(image->numcomps) + " components where the header says " + std::to_string(target.samples) +
         " samples per pixel");
  }
  // The header's sizes are checked before decoding: a codestream claiming a huge image must not
  // make OpenJPEG allocate it.
  for (int c = 0; c < target.samples; ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    if (comp.dx != 1 || comp.dy != 1) fail("subsampled components are not supported");
    if (comp.w != target.columns || comp.h != target.rows) {
      fail(std::to_string(comp.w) + "x" + std::to_string(comp.h) + " where the header says " +
           std::to_string(target.columns) + "x" + std::to_string(target.rows));
    }
    if (comp.prec > static_cast<OPJ_UINT32>(8 * target.bytes))
      fail(std::to_string(comp.prec) + "-bit samples do not fit BitsAllocated " + std::to_string(8 * target.bytes));
  }
  if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get()))
    fail(why("corrupt or truncated codestream"));
  for (int c = 0; c < target.samples; ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    if (comp.data == nullptr || comp.w != target.columns || comp.h != target.rows)
      fail("component " + std::to_string(c) + " was not decoded whole");
  }
  const std::size_t pixels = target.rows * target.columns;
  switch (target.bytes) {
    case 1: copy_components<std::uint8_t>(*image, pixels, target.samples, out); break;
    case 2: copy_components<std::uint16_t>(*image, pixels, target.samples, out); break;
    default: copy_components<std::uint32_t>(*image, pixels, target.samples, out); break;
  }
}

}  // namespace tessera::io::detail

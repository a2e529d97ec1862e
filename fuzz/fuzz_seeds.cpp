// Seed inputs for the fuzz targets that Tessera's own writers make: what a tiny training run
// leaves in a run directory (tokenizer.json of both kinds, checkpoint.pt, weights.safetensors),
// small DICOM files in every compression the writer supports, and small images in every format
// this build's OpenCV encodes. tools/fuzz.sh adds the real files (configs, pydicom's test files,
// OpenCV's sample photos, the digits data).
//
//   fuzz_seeds OUT_DIR [TEXT_FILE...]    writes OUT_DIR/<target>/<seed>; texts feed the tokenizers
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_models.h"
#include "tessera/core/atomic_file.h"
#include "tessera/models/safetensors.h"
#include "tessera/run/checkpoint.h"
#include "tessera/text/bpe_trainer.h"
#include "tessera/text/char_tokenizer.h"
#include "tessera/text/tokenizer.h"

#ifdef TESSERA_WITH_DCMTK
#include "tessera/io/dicom_write.h"
#endif
#ifdef TESSERA_WITH_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace fs = std::filesystem;
using namespace tessera;

namespace {

constexpr std::string_view kBuiltInText =
    "The quick brown fox jumps over the lazy dog. It's 12:30; we'll see.\r\n\tcaf\xC3\xA9 cafe\xCC\x81 "
    "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB \xF0\x9F\x98\x80 <|endoftext|>\n";

void write(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  write_file_atomic(path, bytes);
}

std::string text_corpus(const std::vector<fs::path>& files) {
  std::string corpus(kBuiltInText);
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.resize(std::min<std::size_t>(text.size(), 32 * 1024));  // a tiny training run's worth,
    while (!text.empty() && static_cast<unsigned char>(text.back()) >= 0x80) text.pop_back();  // cut between characters
    corpus += text;
  }
  return corpus;
}

void tokenizer_seeds(const fs::path& out, const std::string& corpus) {
  using namespace text;
  CharTokenizer::from_corpus(corpus, {{Normalization::nfc, MalformedInput::replace}, UnknownCharacter::unk})
      .save(out / "tokenizer_load" / "char_nfc_replace_unk.json");
  CharTokenizer::from_corpus(kBuiltInText, {{Normalization::none, MalformedInput::error}, UnknownCharacter::error})
      .save(out / "tokenizer_load" / "char_small_strict.json");
  for (const auto& [size, malformed] : {std::pair{300, MalformedInput::error}, std::pair{600, MalformedInput::keep_bytes}}) {
    BpeTrainOptions options;
    options.vocab_size = size;
    options.text.malformed = malformed;
    train_bpe(corpus, options).save(out / "tokenizer_load" / ("bpe_" + std::to_string(size) + ".json"));
  }
  // tokenizer_text: byte 0 picks the tokenizer (0..6) or training (7), the rest is text.
  const std::string ill_formed = "ok \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80 \xE2\x82 \x80\xBF\xFF end\xF0\x9F";
  int n = 0;
  for (std::size_t at = 0; at < corpus.size() && n < 24; at += corpus.size() / 24 + 1, ++n) {
    const std::string piece = static_cast<char>(n % 8) + corpus.substr(at, 200 + 37 * (n % 5));
    write(out / "tokenizer_text" / ("text_" + std::to_string(n)), piece);
  }
  for (int selector = 0; selector < 8; ++selector) {
    write(out / "tokenizer_text" / ("ill_formed_" + std::to_string(selector)), static_cast<char>(selector) + ill_formed);
  }
}

void model_seeds(const fs::path& out) {
  torch::set_num_threads(1);
  auto model = fuzz::make_model();
  auto optimizer = fuzz::make_optimizer(*model);
  model->train();
  optimizer->zero_grad();
  torch::nn::functional::cross_entropy(model->forward(torch::randn({4, 1, 12, 12})), torch::tensor({0, 1, 2, 1}, torch::kInt64))
      .backward();
  optimizer->step();  // so that the optimizer has state to save

  const fs::path checkpoint = out / "checkpoint" / "checkpoint.pt";
  fs::create_directories(checkpoint.parent_path());
  run::save_checkpoint(checkpoint, *model, *optimizer, {1, 1, 0.5, 1, 0, false});
  const std::string bytes = read_file(checkpoint);
  write(out / "checkpoint" / "archive_without_trailer.pt", std::string_view(bytes).substr(0, bytes.size() - 32));

  models::save_safetensors(out / "safetensors" / "weights.safetensors", models::state_dict(*model),
                           {{"format", "pt"}, {"config", "model:\n  name: simple_cnn\n"}});
  std::map<std::string, torch::Tensor> dtypes;
  for (const auto type : {torch::kFloat32, torch::kFloat16, torch::kBFloat16, torch::kFloat64, torch::kInt64,
                          torch::kInt32, torch::kInt16, torch::kInt8, torch::kUInt8, torch::kBool}) {
    dtypes.emplace(std::string(c10::toString(type)), torch::ones({2, 3}).to(type));
  }
  dtypes.emplace("empty", torch::zeros({0, 4}));
  dtypes.emplace("scalar", torch::tensor(3.5));
  models::save_safetensors(out / "safetensors" / "dtypes.safetensors", dtypes);
  models::save_safetensors(out / "safetensors" / "nothing.safetensors", {});
}

#ifdef TESSERA_WITH_DCMTK
void dicom_seeds(const fs::path& out) {
  fs::create_directories(out / "dicom");
  for (const auto compression : {io::DicomCompression::none, io::DicomCompression::rle, io::DicomCompression::jpeg_lossless,
                                 io::DicomCompression::jpeg_ls_lossless}) {
    io::DicomWriteSpec spec;
    spec.rows = 6;
    spec.columns = 5;
    spec.frames = 2;
    spec.bits_stored = 12;
    spec.is_signed = compression == io::DicomCompression::rle;
    for (int i = 0; i < spec.rows * spec.columns * spec.frames; ++i) spec.words.push_back(static_cast<std::uint16_t>(i * 37 % 2048));
    spec.rescale = io::DicomRescale{0.5, -1024};
    spec.window = io::DicomWindow{40, 400};
    spec.modality = "CT";
    spec.pixel_spacing = std::array<double, 2>{0.5, 0.5};
    spec.image_position = std::array<double, 3>{0, 0, 2.5};
    spec.image_orientation = std::array<double, 6>{1, 0, 0, 0, 1, 0};
    spec.photometric = compression == io::DicomCompression::jpeg_lossless ? io::Photometric::monochrome1
                                                                            : io::Photometric::monochrome2;
    spec.compression = compression;
    io::write_dicom(out / "dicom" / (std::string("written_") + io::compression_name(compression) + ".dcm"), spec);
  }
}
#endif

#ifdef TESSERA_WITH_OPENCV
void image_seeds(const fs::path& out) {
  fs::create_directories(out / "image");
  cv::Mat colour(12, 16, CV_8UC3), grey(12, 16, CV_8UC1), alpha(12, 16, CV_8UC4), deep(12, 16, CV_16UC3);
  for (int y = 0; y < 12; ++y)
    for (int x = 0; x < 16; ++x) {
      colour.at<cv::Vec3b>(y, x) = {static_cast<uchar>(x * 16), static_cast<uchar>(y * 20), static_cast<uchar>(x * y)};
      grey.at<uchar>(y, x) = static_cast<uchar>(x * 8 + y * 4);
      alpha.at<cv::Vec4b>(y, x) = {static_cast<uchar>(x * 16), static_cast<uchar>(y * 20), 99, static_cast<uchar>(x * 10)};
      deep.at<cv::Vec3w>(y, x) = {static_cast<ushort>(x * 4000), static_cast<ushort>(y * 5000), 1234};
    }
  cv::Mat larger;  // OpenJPEG wants more than 12 rows for its default resolution levels
  cv::resize(colour, larger, {64, 48}, 0, 0, cv::INTER_NEAREST);
  struct Seed { const char* name; const cv::Mat* image; std::vector<int> params; };
  const std::vector<Seed> seeds = {
      {"colour.png", &colour, {}}, {"grey.png", &grey, {}}, {"alpha.png", &alpha, {}}, {"deep.png", &deep, {}},
      {"colour.bmp", &colour, {}}, {"grey.bmp", &grey, {}}, {"colour.tiff", &colour, {}}, {"deep.tiff", &deep, {}},
      {"colour.ppm", &colour, {}}, {"grey.pgm", &grey, {}}, {"colour.webp", &colour, {}},
      {"colour.jp2", &larger, {}}, {"colour.ras", &colour, {}}, {"colour.jpg", &colour, {}},
      {"grey.jpg", &grey, {}}, {"progressive.jpg", &colour, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
      {"optimized.jpg", &colour, {cv::IMWRITE_JPEG_OPTIMIZE, 1, cv::IMWRITE_JPEG_QUALITY, 30}},
      {"restarts.jpg", &colour, {cv::IMWRITE_JPEG_RST_INTERVAL, 2}},
  };
  for (const auto& seed : seeds) {
    std::vector<uchar> bytes;
    const std::string ext = fs::path(seed.name).extension().string();
    try {
      if (!cv::imencode(ext, *seed.image, bytes, seed.params)) continue;
    } catch (const cv::Exception&) {
      continue;  // this OpenCV build lacks the encoder
    }
    write(out / "image" / seed.name, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    if (std::string(seed.name) == "colour.jpg") {
      // The same JPEG with an EXIF block saying "rotate 90 degrees clockwise" (orientation 6).
      static const unsigned char exif[] = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
                                           0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};
      std::string rotated(reinterpret_cast<const char*>(bytes.data()), 2);
      rotated.append(reinterpret_cast<const char*>(exif), sizeof exif);
      rotated.append(reinterpret_cast<const char*>(bytes.data()) + 2, bytes.size() - 2);
      write(out / "image" / "exif_rotated.jpg", rotated);
    }
  }
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [TEXT_FILE...]\n", argv[0]);
    return 2;
  }
  try {
    const fs::path out = argv[1];
    tokenizer_seeds(out, text_corpus(std::vector<fs::path>(argv + 2, argv + argc)));
    model_seeds(out);
#ifdef TESSERA_WITH_DCMTK
    dicom_seeds(out);
#endif
#ifdef TESSERA_WITH_OPENCV
    image_seeds(out);
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}

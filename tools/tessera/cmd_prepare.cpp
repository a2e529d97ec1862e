#include <cstdio>

#include "commands.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/data/corpora.h"

#ifdef TESSERA_WITH_OPENCV
#include "tessera/data/dicom_digits.h"
#include "tessera/data/digits.h"
#endif

namespace tessera::cli {

void add_prepare_command(CLI::App& app) {
  struct Options {
    std::string dataset;
    std::string out;  // empty: data/<dataset>
    std::string source;
    std::uint64_t seed = 0;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("prepare", "Fetch and convert a bundled dataset (image folders, text corpora)");
  command->footer(
      "Datasets:\n"
      "  digits        OpenCV's digits.png (5,000 MNIST-derived 20x20 digits, CC BY-SA 3.0) from Debian's opencv-doc,\n"
      "                split 400/50/50 per class into <out>/{train,val,test}/<digit>/<NNNN>.png\n"
      "  dicom-digits  the same cells and split as CT DICOM files <NNNN>.dcm, encoded as scanners write them:\n"
      "                HU = -1024 + 8 * grey, signed 16-bit (12 or 16 bits stored), intercept -1024, slope 1/0.5/2,\n"
      "                a quarter MONOCHROME1, ~10% each RLE, JPEG lossless, JPEG-LS; window -3.5/2041 gives grey/255\n"
      "                back (configs/dicom_digits.yaml; needs DCMTK)\n"
      "  corpus-en     English text for the language model: Debian's fortunes (BSD, ~2.6 MB) as <out>/fortunes.txt,\n"
      "                a blank line between fortunes; ill-formed UTF-8 replaced by U+FFFD, counted in SOURCE.txt\n"
      "  corpus-ko     Korean text: Debian's debian-faq-ko (the Debian FAQ, ~196 KB) as <out>/debian-faq-ko.txt, NFC\n"
      "Example:\n  tessera prepare digits                  # into data/digits\n"
      "  tessera prepare dicom-digits --out /tmp/dicom-digits\n"
      "  tessera prepare corpus-en               # into data/corpus-en");
  command->add_option("dataset", options->dataset, "Dataset name")
      ->required()
      ->check(CLI::IsMember({"digits", "dicom-digits", "corpus-en", "corpus-ko"}));
  command->add_option("--out", options->out, "Output folder (default: data/<dataset>)");
  command->add_option("--source", options->source,
                      "Use this digits.png (corpora: this fortunes folder or FAQ .txt.gz) instead of the package's");
  command->add_option("--seed", options->seed, "Seed of the train/val/test split (and of the DICOM encodings)")
      ->capture_default_str();
  command->callback([options] {
    if (options->dataset.starts_with("corpus-")) {  // plain text: needs neither OpenCV nor DCMTK
      const std::string out = options->out.empty() ? "data/" + options->dataset : options->out;
      const auto corpus = options->dataset == "corpus-ko" ? data::prepare_corpus_ko(out, options->source)
                                                          : data::prepare_corpus_en(out, options->source);
      std::printf("%s: %lld characters, %lld bytes (%zu replaced), %s %s\n", corpus.text_file.c_str(),
                  static_cast<long long>(corpus.characters), static_cast<long long>(corpus.bytes), corpus.replaced,
                  corpus.package.c_str(), corpus.version.c_str());
      return;
    }
#ifdef TESSERA_WITH_OPENCV
    const std::string out = options->out.empty() ? "data/" + options->dataset : options->out;
    const auto sheet = data::locate_or_fetch_digits(options->source);
    const auto counts = options->dataset == "dicom-digits" ? data::prepare_dicom_digits(sheet, out, options->seed)
                                                           : data::prepare_digits(sheet, out, options->seed);
    std::printf("%s: %zu train, %zu val, %zu test images\n", out.c_str(), counts.train, counts.val, counts.test);
#else
    throw UserError("prepare " + options->dataset +
                    " needs image encoding, and this build has no OpenCV (TESSERA_WITH_OPENCV=OFF)");
#endif
  });
}

}  // namespace tessera::cli

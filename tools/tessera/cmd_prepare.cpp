#include <cstdio>

#include "commands.h"
#include "tessera/core/error.h"
#include "tessera/core/logging.h"

#ifdef TESSERA_WITH_OPENCV
#include "tessera/data/digits.h"
#endif

namespace tessera::cli {

void add_prepare_command(CLI::App& app) {
  struct Options {
    std::string dataset;
    std::string out = "data/digits";
    std::string source;
    std::uint64_t seed = 0;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("prepare", "Fetch and convert a bundled dataset into an image folder");
  command->footer(
      "Datasets:\n"
      "  digits  OpenCV's digits.png (5,000 MNIST-derived 20x20 digits, CC BY-SA 3.0) from Debian's opencv-doc,\n"
      "          split 400/50/50 per class into <out>/{train,val,test}/<digit>/\n"
      "Example:\n  tessera prepare digits --out data/digits");
  command->add_option("dataset", options->dataset, "Dataset name")->required()->check(CLI::IsMember({"digits"}));
  command->add_option("--out", options->out, "Output folder")->capture_default_str();
  command->add_option("--source", options->source, "Use this digits.png instead of finding or fetching it");
  command->add_option("--seed", options->seed, "Seed of the train/val/test split")->capture_default_str();
  command->callback([options] {
#ifdef TESSERA_WITH_OPENCV
    const auto sheet = data::locate_or_fetch_digits(options->source);
    const auto counts = data::prepare_digits(sheet, options->out, options->seed);
    std::printf("%s: %zu train, %zu val, %zu test images\n", options->out.c_str(), counts.train, counts.val, counts.test);
#else
    throw UserError("prepare digits needs image encoding, and this build has no OpenCV (TESSERA_WITH_OPENCV=OFF)");
#endif
  });
}

}  // namespace tessera::cli

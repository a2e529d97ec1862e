#include <cstdio>

#include "commands.h"
#include "tessera/core/config/experiment.h"
#include "tessera/core/error.h"
#include "tessera/io/dicom.h"
#include "tessera/io/file_kind.h"
#include "tessera/io/inspect.h"
#include "tessera/models/safetensors.h"

namespace tessera::cli {

void add_inspect_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* command = app.add_subcommand("inspect", "Describe a weights file (.safetensors), a config (.yaml), an image, a DICOM header or a\n"
                                  "folder of DICOM slices as a volume (no patient data)");
  command->footer("Examples:\n  tessera inspect models/digits/weights.safetensors\n  tessera inspect configs/digits.yaml\n"
                  "  tessera inspect scans/series_01/   # slices, spacing, gaps and duplicates");
  command->add_option("path", *path, "File (or DICOM series folder) to describe")->required()->check(CLI::ExistingPath);
  command->callback([path] {
    const std::filesystem::path file(*path);
    const std::string extension = file.extension().string();
    if (std::filesystem::is_directory(file)) {
      std::fputs(io::describe_dicom_series(file).c_str(), stdout);
      return;
    }
    // Refused by its type before any reader opens it (a named pipe would block inspect forever).
    if (const std::string why = io::not_a_regular_file(file); !why.empty()) {
      throw UserError("cannot inspect " + (io::has_dicom_extension(file) ? std::string("this DICOM path") : *path) +
                      ": " + why);
    }
    if (extension == ".safetensors") {
      std::fputs(models::describe_safetensors(file).c_str(), stdout);
    } else if (extension == ".yaml" || extension == ".yml") {
      std::printf("# %s is valid; resolved config:\n%s", path->c_str(), config::to_yaml(config::load_config(file)).c_str());
    } else {
      std::fputs(io::describe_image_file(file).c_str(), stdout);
    }
  });
}

}  // namespace tessera::cli

#include <cstdio>

#include "commands.h"
#include "tessera/core/config/experiment.h"
#include "tessera/core/error.h"
#include "tessera/io/inspect.h"
#include "tessera/models/safetensors.h"

namespace tessera::cli {

void add_inspect_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* command = app.add_subcommand("inspect", "Describe a weights file (.safetensors), a config (.yaml), an image or a DICOM header (no patient data)");
  command->footer("Examples:\n  tessera inspect models/digits/weights.safetensors\n  tessera inspect configs/digits.yaml");
  command->add_option("file", *path, "File to describe")->required()->check(CLI::ExistingFile);
  command->callback([path] {
    const std::filesystem::path file(*path);
    const std::string extension = file.extension().string();
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

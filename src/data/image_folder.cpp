// Image-folder datasets (one subfolder per class), the dataset dispatcher and the inference
// file lister.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "tessera/core/error.h"
#include "tessera/data/dataset.h"
#include "tessera/io/dicom.h"
#include "tessera/io/image.h"

namespace tessera::data {
namespace fs = std::filesystem;

namespace {

bool is_hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name.front() == '.';
}

bool path_less(const fs::path& a, const fs::path& b) { return a.generic_string() < b.generic_string(); }

bool is_input_file(const fs::path& p) { return io::has_image_extension(p) || io::is_dicom_file(p); }

// Image and DICOM files under `dir`, recursively, sorted; hidden files and folders (".DS_Store",
// "._x.jpg" resource forks, ".ipynb_checkpoints") are skipped: they are never training images.
std::vector<fs::path> images_under(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw UserError("cannot list " + dir.string() + ": " + ec.message());
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) throw UserError("cannot list " + dir.string() + ": " + ec.message());
    const fs::path& p = it->path();
    if (is_hidden(p)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && is_input_file(p)) files.push_back(p);
  }
  if (ec) throw UserError("cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end(), path_less);
  return files;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

ClassificationDataset load_image_folder(const fs::path& root, const std::vector<std::string>& classes) {
  std::error_code ec;
  if (!fs::exists(root, ec)) throw UserError("image folder not found: " + root.string());
  if (!fs::is_directory(root, ec)) throw UserError("not a folder: " + root.string());

  std::vector<std::string> subfolders;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!is_hidden(it->path()) && it->is_directory()) subfolders.push_back(it->path().filename().string());
  }
  if (ec) throw UserError("cannot list " + root.string() + ": " + ec.message());
  std::sort(subfolders.begin(), subfolders.end());

  ClassificationDataset ds;
  ds.root = root;
  ds.classes = classes.empty() ? subfolders : classes;
  std::unordered_map<std::string, std::int64_t> index;
  for (std::size_t i = 0; i < ds.classes.size(); ++i) {
    if (!index.emplace(ds.classes[i], static_cast<std::int64_t>(i)).second) {
      throw UserError("class '" + ds.classes[i] + "' is listed twice (image folder " + root.string() + ")");
    }
  }
  for (const auto& name : subfolders) {
    if (!index.count(name)) {
      throw UserError("subfolder '" + name + "' of " + root.string() +
                      " is not one of the " + std::to_string(ds.classes.size()) + " known classes");
    }
  }

  for (std::size_t c = 0; c < ds.classes.size(); ++c) {
    const fs::path dir = root / ds.classes[c];
    if (!fs::is_directory(dir, ec)) continue;  // a known class with no examples here
    for (auto& file : images_under(dir)) ds.samples.push_back({std::move(file), static_cast<std::int64_t>(c)});
  }
  if (ds.samples.empty()) {
    // Images lying directly in the root are the common mistake: say so rather than "none found".
    std::size_t loose = 0;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      if (!is_hidden(it->path()) && it->is_regular_file(ec) && is_input_file(it->path())) ++loose;
    }
    const std::string expected = "expected one subfolder per class holding .png/.jpg/.bmp/.tif or .dcm/.dicom files";
    if (loose > 0) {
      throw UserError(std::to_string(loose) + " image(s) lie directly in " + root.string() +
                      " but no class subfolder holds any (" + expected + ")");
    }
    throw UserError("no images found in " + root.string() + " (" + expected + ")");
  }
  return ds;
}

ClassificationDataset load_dataset(const fs::path& path, const std::vector<std::string>& classes) {
  if (lower(path.extension().string()) == ".csv") return load_csv_manifest(path, classes);
  std::error_code ec;
  if (fs::is_directory(path, ec)) return load_image_folder(path, classes);
  if (!fs::exists(path, ec)) throw UserError("dataset not found: " + path.string());
  throw UserError("dataset must be a folder of class subfolders or a .csv manifest: " + path.string());
}

std::vector<fs::path> list_images(const fs::path& folder_or_file) {
  std::error_code ec;
  if (!fs::exists(folder_or_file, ec)) throw UserError("input not found: " + folder_or_file.string());
  if (!fs::is_directory(folder_or_file, ec)) return {folder_or_file};
  auto files = images_under(folder_or_file);
  if (files.empty()) throw UserError("no images or DICOM files found in " + folder_or_file.string());
  return files;
}

bool is_dicom_dataset(const ClassificationDataset& dataset) {
  std::size_t dicom = 0;
  for (const auto& s : dataset.samples) dicom += io::is_dicom_file(s.path) ? 1 : 0;
  if (dicom != 0 && dicom != dataset.samples.size()) {
    throw UserError(dataset.root.string() + " mixes " + std::to_string(dataset.samples.size() - dicom) + " image(s) and " +
                    std::to_string(dicom) +
                    " DICOM file(s); a dataset must be all images or all DICOM, since the two "
                    "take different preprocessing (8-bit colour vs windowed modality values)");
  }
  return dicom != 0;
}

}  // namespace tessera::data

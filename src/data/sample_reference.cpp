#include "tessera/data/sample_reference.h"

#include <filesystem>

#include "tessera/data/loader.h"

namespace tessera::data {
namespace {

// `dicom`: data::is_dicom_dataset(dataset), decided once by the caller: it reads the first bytes
// of every file without an extension, so asking per sample would cost O(samples) per sample.
std::string reference_of(const data::ClassificationDataset& dataset, std::size_t index, bool dicom) {
  if (dicom) return data::dicom_sample_reference(dataset, index);
  const std::filesystem::path& path = dataset.samples.at(index).path;
  const std::filesystem::path base =
      std::filesystem::is_directory(dataset.root) ? dataset.root : dataset.root.parent_path();
  const std::filesystem::path relative = path.lexically_relative(base);
  if (relative.empty() || *relative.begin() == "..") return path.filename().generic_string();
  return relative.generic_string();
}

}  // namespace

std::string sample_reference(const data::ClassificationDataset& dataset, std::size_t index) {
  return reference_of(dataset, index, data::is_dicom_dataset(dataset));
}

std::string path_hint(const data::ClassificationDataset& dataset) {
  if (data::is_dicom_dataset(dataset)) return data::opaque_reference("dicom dataset", 0, dataset.root);
  const std::filesystem::path name = dataset.root.lexically_normal().filename();
  return name.empty() ? dataset.root.lexically_normal().parent_path().filename().string() : name.string();
}

nlohmann::json data_summary(const data::ClassificationDataset& dataset) {
  return {{"path_hint", path_hint(dataset)}, {"samples", dataset.samples.size()}};
}

void add_mistake_references(nlohmann::json& report, const data::ClassificationDataset& dataset) {
  if (!report.contains("mistakes")) return;
  const bool dicom = data::is_dicom_dataset(dataset);
  for (auto& mistake : report["mistakes"]) {
    const auto index = mistake.value("index", std::int64_t{-1});
    if (index >= 0 && static_cast<std::size_t>(index) < dataset.samples.size()) {
      mistake["reference"] = reference_of(dataset, static_cast<std::size_t>(index), dicom);
    }
  }
}

}  // namespace tessera::data

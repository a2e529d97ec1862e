#pragma once
// How reports name a dataset and its samples without leaking patient data: DICOM paths often
// hold patient names or IDs, so DICOM samples and datasets get opaque references
// (data::opaque_reference: an index plus a hash of the path); image samples keep their path
// relative to the dataset, which is what a user needs to find the file.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "tessera/data/dataset.h"

namespace tessera::data {

// A DICOM sample: data::dicom_sample_reference. An image: its path relative to the dataset's
// folder (a CSV manifest's folder), or its file name when it lies outside it.
std::string sample_reference(const data::ClassificationDataset& dataset, std::size_t index);

// The dataset's folder or manifest name ("test", "labels.csv"); for DICOM an opaque reference.
std::string path_hint(const data::ClassificationDataset& dataset);

// {"path_hint": path_hint(dataset), "samples": dataset size}: report.json's and compare.json's "data".
nlohmann::json data_summary(const data::ClassificationDataset& dataset);

// Sets "reference" on each entry of report["mistakes"] from its "index".
void add_mistake_references(nlohmann::json& report, const data::ClassificationDataset& dataset);

}  // namespace tessera::data

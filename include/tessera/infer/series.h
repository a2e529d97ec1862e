#pragma once
// DICOM series in an inference input: which files form a series, in which slice order, and how
// slice probabilities become one answer per series (config `infer`, see core/config/infer.h).
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tessera/core/config/infer.h"
#include "tessera/data/dataset.h"

namespace tessera::infer {

using SeriesAggregate = config::SeriesAggregate;  // infer.series_aggregate

// "mean" or "max" (--series-aggregate; anything else is std::invalid_argument).
SeriesAggregate parse_series_aggregate(const std::string& name);

struct Series {
  std::filesystem::path folder;        // the folder, or the multi-frame file, the series came from
  std::vector<std::size_t> slices;     // dataset indices in position order (duplicates included)
  std::vector<double> positions;       // mm along the slice normal, per entry of `slices`
  std::vector<std::size_t> unreadable; // dataset indices of files in the folder whose header failed
  double spacing = 0.0;                // median step between slices, mm
  std::vector<std::string> warnings;   // gaps, duplicates, orientation; slices named by `name`
};

// The series among a DICOM dataset's samples: every folder that directly holds two or more of
// them whose readable headers all carry slice position and orientation, at two or more distinct
// positions (a class folder of independent images at one position is not a series). Folders come
// in the order of their first sample; files elsewhere belong to no series. `name` names a sample in warnings
// (never a path: see predictor.h). The frames of one multi-frame file (samples with a frame
// index, see expand_multi_frame) form a series of their own, ordered by their per-frame positions.
std::vector<Series> find_series(const data::ClassificationDataset& dataset,
                                const std::function<std::string(std::size_t)>& name);

// Replaces each multi-frame DICOM sample by one sample per frame (Sample::frame), in place and in
// order, so an enhanced CT/MR file is inferred slice by slice and forms a series. Files whose
// header cannot be read stay as they are (the loader reports why). Headers are read on `threads`
// threads (0 = data::auto_workers(), cores - 1), at most one per 64 files.
void expand_multi_frame(data::ClassificationDataset& dataset, int threads = 0);

// Per class, the mean or the maximum over the slices' probability vectors (all the same length).
// An empty input gives an empty result.
std::vector<float> aggregate_probabilities(const std::vector<std::vector<float>>& slices, SeriesAggregate how);

}  // namespace tessera::infer

// Series grouping and aggregation for inference (see include/tessera/infer/series.h).
#include "tessera/infer/series.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <stdexcept>
#include <thread>

#include "tessera/core/error.h"
#include "tessera/io/dicom.h"
#include "tessera/data/loader.h"
#include "tessera/io/dicom_series.h"

namespace tessera::infer {
namespace fs = std::filesystem;

SeriesAggregate parse_series_aggregate(const std::string& name) {
  if (const auto how = config::choice_named<SeriesAggregate>(name)) return *how;
  throw std::invalid_argument("series aggregate must be mean or max, got '" + name + "'");
}

void expand_multi_frame(data::ClassificationDataset& dataset, int threads) {
  // One header read per file, on several threads: on a large input (or a network file system)
  // these reads are the whole cost, and each is independent of the others.
  const std::size_t n = dataset.samples.size();
  std::vector<int> frames(n, 1);
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < n;) {
      if (dataset.samples[i].frame >= 0) continue;
      try {
        frames[i] = io::read_dicom_header(dataset.samples[i].path).frames;
      } catch (const UserError&) {
        // decoding it will fail, and the loader says why
      }
    }
  };
  const std::size_t count = std::min<std::size_t>(threads > 0 ? threads : data::auto_workers(), (n + 63) / 64);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < count; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();

  std::vector<data::Sample> expanded;
  expanded.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    data::Sample& sample = dataset.samples[i];
    if (frames[i] <= 1) {
      expanded.push_back(std::move(sample));
      continue;
    }
    for (int f = 0; f < frames[i]; ++f) expanded.push_back({sample.path, sample.label, f});
  }
  dataset.samples = std::move(expanded);
}

namespace {

// The header of sample i as a slice: a frame's own plane position for frames of a multi-frame file.
// `file` keeps the last multi-frame file's header: its frames are consecutive samples, and an
// enhanced file's header (hundreds of functional-group items) is read once, not once per frame.
io::DicomMetadata slice_header(const data::Sample& sample, std::pair<fs::path, io::DicomMetadata>& file) {
  if (sample.frame < 0) return io::read_dicom_header(sample.path);
  if (file.first != sample.path) file = {sample.path, io::read_dicom_header(sample.path)};
  return io::frame_metadata(file.second, sample.frame);
}

}  // namespace

std::vector<Series> find_series(const data::ClassificationDataset& dataset,
                                const std::function<std::string(std::size_t)>& name) {
  // Folder (or multi-frame file) -> its samples, in the order of their first sample.
  std::vector<fs::path> folders;
  std::map<fs::path, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < dataset.samples.size(); ++i) {
    const data::Sample& sample = dataset.samples[i];
    const fs::path folder = sample.frame >= 0 ? sample.path : sample.path.parent_path();
    auto& list = members[folder];
    if (list.empty()) folders.push_back(folder);
    list.push_back(i);
  }

  std::vector<Series> result;
  for (const auto& folder : folders) {
    const auto& samples = members[folder];
    if (samples.size() < 2) continue;
    Series series;
    series.folder = folder;
    std::vector<io::DicomMetadata> headers;
    std::vector<std::size_t> readable;
    std::pair<fs::path, io::DicomMetadata> multi_frame_file;
    for (std::size_t index : samples) {
      try {
        headers.push_back(slice_header(dataset.samples[index], multi_frame_file));
        readable.push_back(index);
      } catch (const UserError&) {
        series.unreadable.push_back(index);  // the loader reports why when it fails to decode it
      }
    }
    const bool geometry = std::all_of(headers.begin(), headers.end(), [](const io::DicomMetadata& m) {
      return m.image_position.has_value() && m.image_orientation.has_value();
    });
    if (readable.size() < 2 || !geometry) continue;
    const io::SliceOrder order = io::order_slices(headers, [&](std::size_t i) { return name(readable[i]); });
    // Copies of one image (a class folder of independent pictures) all sit at one position: those
    // are not slices of anything.
    if (order.duplicates.size() + 1 >= readable.size()) continue;
    for (std::size_t i : order.order) series.slices.push_back(readable[i]);
    series.positions = order.positions;
    series.spacing = order.spacing;
    series.warnings = order.warnings;
    result.push_back(std::move(series));
  }
  return result;
}

std::vector<float> aggregate_probabilities(const std::vector<std::vector<float>>& slices, SeriesAggregate how) {
  if (slices.empty()) return {};
  std::vector<float> result(slices.front().size(), 0.0f);  // probabilities are >= 0: a valid start for max too
  for (const auto& slice : slices) {
    if (slice.size() != result.size()) throw std::invalid_argument("aggregate_probabilities: slices differ in length");
    for (std::size_t c = 0; c < result.size(); ++c) {
      result[c] = how == SeriesAggregate::max ? std::max(result[c], slice[c]) : result[c] + slice[c];
    }
  }
  if (how == SeriesAggregate::mean) {
    for (float& p : result) p /= static_cast<float>(slices.size());
  }
  return result;
}

}  // namespace tessera::infer

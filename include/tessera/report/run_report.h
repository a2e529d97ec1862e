#pragma once
// report.html from the files of a run directory: report.json (from `tessera eval`; with the
// mistakes' thumbnails already in it), metrics.jsonl, config.yaml and data_fingerprint.json.
// Only report.json is required; the others add their sections when present.
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/data/dataset.h"
#include "tessera/data/loader.h"
#include "tessera/report/report_page.h"

namespace tessera::report {

// The records of a metrics.jsonl; missing file: none. A line that does not parse as a JSON
// object (the half-written last line of a killed run) is skipped.
std::vector<nlohmann::json> read_metrics_log(const std::filesystem::path& path);

// `report` plus the run's metrics.jsonl, config.yaml and data_fingerprint.json, whichever exist.
ReportInputs gather_report_inputs(const std::filesystem::path& run_dir, nlohmann::json report);

// Renders `report` with the run's files and writes `html_path` atomically.
void write_report_html(const std::filesystem::path& html_path, const nlohmann::json& report,
                       const std::filesystem::path& run_dir);

// `tessera eval`'s last step for a classification run: thumbnails of the mistakes into `report`
// (report/thumbnails.h; `options` are the eval loader's), then `html_path` written atomically
// from `report` and the files of `run_dir`.
void add_thumbnails_and_write_html(nlohmann::json& report, const data::ClassificationDataset& dataset,
                                   const data::LoaderOptions& options, const std::filesystem::path& html_path,
                                   const std::filesystem::path& run_dir);

// `tessera report RUN`: rebuilds RUN/report.html from RUN/report.json without the dataset.
// UserError naming RUN/report.json when it is missing ("run `tessera eval RUN --data PATH` first")
// or is not a JSON object. Returns the page's path.
std::filesystem::path rebuild_report_html(const std::filesystem::path& run_dir);

}  // namespace tessera::report

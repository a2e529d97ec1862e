#include "tessera/report/run_report.h"

#include <fstream>
#include <string>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/report/thumbnails.h"

namespace tessera::report {
namespace fs = std::filesystem;

std::vector<nlohmann::json> read_metrics_log(const fs::path& path) {
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_object()) records.push_back(std::move(record));
  }
  return records;
}

ReportInputs gather_report_inputs(const fs::path& run_dir, nlohmann::json report) {
  ReportInputs inputs;
  inputs.report = std::move(report);
  inputs.metrics = read_metrics_log(run_dir / "metrics.jsonl");
  if (fs::is_regular_file(run_dir / "config.yaml")) inputs.config_yaml = read_file(run_dir / "config.yaml");
  if (fs::is_regular_file(run_dir / "data_fingerprint.json")) {
    auto fingerprint = nlohmann::json::parse(read_file(run_dir / "data_fingerprint.json"), nullptr, false);
    if (fingerprint.is_object()) inputs.fingerprint = std::move(fingerprint);
  }
  return inputs;
}

void write_report_html(const fs::path& html_path, const nlohmann::json& report, const fs::path& run_dir) {
  write_file_atomic(html_path, render_report_html(gather_report_inputs(run_dir, report)));
}

void add_thumbnails_and_write_html(nlohmann::json& report, const data::ClassificationDataset& dataset,
                                   const data::LoaderOptions& options, const fs::path& html_path,
                                   const fs::path& run_dir) {
  add_thumbnails(report, dataset, options);
  write_report_html(html_path, report, run_dir);
}

fs::path rebuild_report_html(const fs::path& run_dir) {
  const fs::path report_path = run_dir / "report.json";
  if (!fs::is_regular_file(report_path)) {
    throw UserError(report_path.string() + " does not exist: run `tessera eval " + run_dir.string() +
                    " --data PATH` first");
  }
  const auto report = nlohmann::json::parse(read_file(report_path), nullptr, false);
  if (!report.is_object()) throw UserError(report_path.string() + " is not a JSON object (a report of `tessera eval`)");
  const fs::path html_path = run_dir / "report.html";
  write_report_html(html_path, report, run_dir);
  return html_path;
}

}  // namespace tessera::report

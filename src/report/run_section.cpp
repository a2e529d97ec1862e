// Sections both report pages share: training curves, the run's config and data fingerprint.
#include <cstdio>

#include "json_fields.h"
#include "pages.h"
#include "training_curves.h"

namespace tessera::report::detail {
namespace {

std::string byte_size(double bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return buffer;
}

}  // namespace

std::string join_parts(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += " \xC2\xB7 ";
    out += p;
  }
  return out;
}

std::string data_description(const nlohmann::json& report) {
  const json* data = member(report, "data");
  if (!data) return "";
  if (data->is_string()) return "data: " + data->get<std::string>();
  if (!data->is_object()) return "";
  std::string out = "data: " + text_at(*data, "path_hint", "?");
  if (const auto samples = number_at(*data, "samples")) out += " (" + integer_or_dash(samples) + " samples)";
  return out;
}

void add_training_section(Page& page, const std::vector<nlohmann::json>& metrics, bool language_model) {
  const std::string curves = training_curves_html(metrics, language_model);
  if (curves.empty()) {
    page.section("training", "Training", "", paragraph_html("No training metrics: the run directory has no metrics.jsonl, "
                                                            "or it holds no epoch yet.", "note"));
    return;
  }
  page.section("training", "Training", "Per epoch, from the run's metrics.jsonl.", curves);
}

void add_run_section(Page& page, const std::string& config_yaml, const nlohmann::json& fingerprint) {
  std::string body;
  if (fingerprint.is_object()) {
    std::vector<std::vector<std::string>> rows;
    if (const json* splits = object_at(fingerprint, "splits")) {
      for (const auto& [name, split] : splits->items()) {
        const auto bytes = number_at(split, "bytes");
        rows.push_back({name, integer_or_dash(number_at(split, "files")), bytes ? byte_size(*bytes) : "\xE2\x80\x93",
                        text_at(split, "sha256", text_at(split, "digest", "\xE2\x80\x93"))});
      }
    }
    body += "<h3>Data fingerprint</h3>";
    if (rows.empty()) {
      body += pre_html(fingerprint.dump(2));
    } else {
      body += table_html({"split", "files", "size", text_at(fingerprint, "algorithm", "digest")}, rows,
                         {"", "", "", "mono"});
    }
  }
  body += "<h3>Config (config.yaml)</h3>";
  body += config_yaml.empty() ? paragraph_html("The run directory has no config.yaml.", "note") : pre_html(config_yaml);
  page.section("run", "Run", "", body);
}

}  // namespace tessera::report::detail

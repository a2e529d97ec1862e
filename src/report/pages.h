#pragma once
// The two report pages and the sections they share (see report/report_page.h).
#include <string>

#include <nlohmann/json.hpp>

#include "page.h"
#include "tessera/report/report_page.h"

namespace tessera::report::detail {

std::string classification_page(const ReportInputs& inputs);
std::string language_model_page(const ReportInputs& inputs);

// "Run": the config as written (YAML) and, when the run has one, the data fingerprint.
void add_run_section(Page& page, const std::string& config_yaml, const nlohmann::json& fingerprint);
// "Training": the curves from metrics.jsonl, or a note that there are none.
void add_training_section(Page& page, const std::vector<nlohmann::json>& metrics, bool language_model);
// What was evaluated, for the subtitle: "data: NAME (N samples)"; "" when unknown.
std::string data_description(const nlohmann::json& report);
// Joins the non-empty parts with " · ".
std::string join_parts(const std::vector<std::string>& parts);

}  // namespace tessera::report::detail

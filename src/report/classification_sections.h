#pragma once
// The sections of the classification page, each from report.json alone; each adds nothing
// when its keys are absent.
#include <nlohmann/json.hpp>

#include "page.h"

namespace tessera::report::detail {

void add_binary_section(Page& page, const nlohmann::json& report);       // "binary": ROC, PR, operating points
void add_confusion_section(Page& page, const nlohmann::json& report);    // "confusion", "classes"
void add_per_class_section(Page& page, const nlohmann::json& report);    // "per_class"
void add_calibration_section(Page& page, const nlohmann::json& report);  // "calibration"
void add_mistakes_section(Page& page, const nlohmann::json& report);     // "mistakes"
void add_speed_section(Page& page, const nlohmann::json& report);        // "throughput", "*_latency_ms"

}  // namespace tessera::report::detail

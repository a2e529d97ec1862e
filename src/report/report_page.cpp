#include "tessera/report/report_page.h"

#include "json_fields.h"
#include "pages.h"

namespace tessera::report {

std::string render_report_html(const ReportInputs& inputs) {
  const std::string task = detail::text_at(inputs.report, "task");
  const bool language_model =
      task == "language_model" || (task.empty() && detail::member(inputs.report, "bits_per_character") != nullptr);
  return language_model ? detail::language_model_page(inputs) : detail::classification_page(inputs);
}

}  // namespace tessera::report

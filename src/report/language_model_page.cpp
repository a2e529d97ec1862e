// report.html of a language-model run: how well it predicts the evaluated text, how it trained,
// and the config. Perplexity and bits per character only mean something with the window and
// stride they were measured with, so those sit beside them.
#include <algorithm>

#include "json_fields.h"
#include "pages.h"

namespace tessera::report::detail {

std::string language_model_page(const ReportInputs& inputs) {
  const json& report = inputs.report;
  Page page("Evaluation of " + text_at(report, "run", "a language model"),
            join_parts({data_description(report), "tokenizer: " + text_at(report, "tokenizer", "?"),
                        "weights: " + text_at(report, "weights", "?"), text_at(report, "device"),
                        text_at(report, "precision")}));
  auto perplexity = number_at(report, "perplexity");
  if (!perplexity) {
    if (const auto loss = number_at(report, "loss")) perplexity = std::exp(*loss);
  }
  page.lead(tiles_html({
      {"loss", fixed_or_dash(number_at(report, "loss")), "nats per token"},
      {"perplexity", fixed_or_dash(perplexity, 3), "exp(loss)"},
      {"bits per character", fixed_or_dash(number_at(report, "bits_per_character")), "comparable across tokenizers"},
      {"bits per token", fixed_or_dash(number_at(report, "bits_per_token")), ""},
      {"next-token accuracy", percent_or_dash(number_at(report, "accuracy")), ""},
      {"throughput", fixed_or_dash(number_at(report, "tokens_per_second"), 0) + " tok/s", ""},
  }));
  std::vector<std::vector<std::string>> rows = {
      {"tokens", integer_or_dash(number_at(report, "tokens"))},
      {"characters", integer_or_dash(number_at(report, "characters"))},
      {"window (tokens)", integer_or_dash(number_at(report, "window"))},
      {"stride (tokens)", integer_or_dash(number_at(report, "stride"))},
      {"windows", integer_or_dash(number_at(report, "windows"))},
      {"batch size", integer_or_dash(number_at(report, "batch_size"))},
      {"seconds", fixed_or_dash(number_at(report, "seconds"), 3)},
  };
  if (const json* encoding = object_at(report, "encoding")) {
    for (const auto& [key, value] : encoding->items()) {
      std::string name = key;  // "unknown_characters" -> "unknown characters"
      std::replace(name.begin(), name.end(), '_', ' ');
      if (value.is_number()) rows.push_back({"encoding: " + name, integer_or_dash(value.get<double>())});
    }
  }
  page.section("text", "Evaluated text",
               "Each token is scored once, with up to a window of history; a stride below the window gives more "
               "history and a lower loss.",
               table_html({"", ""}, rows));
  add_training_section(page, inputs.metrics, true);
  add_run_section(page, inputs.config_yaml, inputs.fingerprint);
  return page.str();
}

}  // namespace tessera::report::detail

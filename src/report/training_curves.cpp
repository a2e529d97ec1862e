#include "training_curves.h"

#include <cmath>

#include "json_fields.h"
#include "page.h"
#include "tessera/report/charts.h"

namespace tessera::report::detail {
namespace {

// The (epoch, value) points of `key`, from the records that hold it as a finite number.
// Records without an "epoch" count from 1 in file order.
charts::Series curve(const std::vector<nlohmann::json>& metrics, const std::string& key, const std::string& name,
                     const std::string& color, bool dashed, double (*transform)(double) = nullptr) {
  charts::Series series{name, {}, {}, color, dashed, false};
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto value = number_at(metrics[i], key);
    if (!value) continue;
    series.x.push_back(number_at(metrics[i], "epoch").value_or(static_cast<double>(i + 1)));
    series.y.push_back(transform ? transform(*value) : *value);
  }
  series.markers = series.x.size() <= 40;
  return series;
}

std::string chart_of(const std::string& caption, const std::string& y_label, std::vector<charts::Series> series) {
  std::erase_if(series, [](const charts::Series& s) { return s.x.empty(); });
  if (series.empty()) return "";
  charts::LineChart chart;
  chart.label = caption;
  chart.x_label = "epoch";
  chart.y_label = y_label;
  chart.series = std::move(series);
  chart.integer_x = true;
  chart.width = 360;
  chart.height = 260;
  return figure_html(caption, charts::line_chart(chart));
}

double exp_of(double v) { return std::exp(v); }

}  // namespace

std::string training_curves_html(const std::vector<nlohmann::json>& metrics, bool language_model) {
  constexpr const char* train_color = "#2563eb";
  constexpr const char* val_color = "#ea580c";
  std::vector<std::string> figures;
  figures.push_back(chart_of("Loss", "loss (nats)",
                             {curve(metrics, "train_loss", "train", train_color, false),
                              curve(metrics, "val_loss", "validation", val_color, false)}));
  figures.push_back(chart_of(language_model ? "Next-token accuracy" : "Accuracy", "accuracy",
                             {curve(metrics, "train_accuracy", "train", train_color, false),
                              curve(metrics, "val_accuracy", "validation", val_color, false)}));
  if (language_model) {
    figures.push_back(chart_of("Perplexity", "perplexity",
                               {curve(metrics, "train_loss", "train", train_color, false, exp_of),
                                curve(metrics, "val_loss", "validation", val_color, false, exp_of)}));
  }
  figures.push_back(chart_of("Learning rate", "learning rate", {curve(metrics, "lr", "learning rate", "#16a34a", false)}));
  std::erase(figures, std::string());
  return figures.empty() ? std::string() : row_html(figures);
}

}  // namespace tessera::report::detail

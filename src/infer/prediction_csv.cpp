#include "tessera/infer/prediction_csv.h"

#include <algorithm>
#include <numeric>

#include "tessera/core/format.h"

namespace tessera::infer {

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string prediction_header(int k) {
  std::string header = "label,confidence";
  for (int j = 1; j <= k; ++j) header += ",top" + std::to_string(j) + ",top" + std::to_string(j) + "_prob";
  return header;
}

std::string prediction_columns(const std::vector<float>& probabilities, const std::vector<std::string>& classes, int k) {
  std::vector<std::size_t> order(probabilities.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto top = order.begin() + std::min<std::ptrdiff_t>(k, static_cast<std::ptrdiff_t>(order.size()));
  // Ties keep the lower class index first, as torch.topk does on the CPU.
  std::partial_sort(order.begin(), top, order.end(), [&](std::size_t a, std::size_t b) {
    return probabilities[a] > probabilities[b] || (probabilities[a] == probabilities[b] && a < b);
  });
  std::string line = csv_field(classes.at(order[0])) + "," + fixed(probabilities[order[0]], 6);
  for (auto it = order.begin(); it != top; ++it) {
    line.append(",").append(csv_field(classes.at(*it))).append(",").append(fixed(probabilities[*it], 6));
  }
  return line;
}

std::string empty_prediction_columns(int k) { return std::string(static_cast<std::size_t>(1 + 2 * k), ','); }

}  // namespace tessera::infer

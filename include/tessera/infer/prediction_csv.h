#pragma once
// The pieces of infer's CSV files: quoting, and the label/confidence/top-k columns of one
// probability vector, shared by the per-file rows and the per-series rows.
#include <string>
#include <vector>

namespace tessera::infer {

// RFC 4180 quoting when the value holds a comma, quote or line break.
std::string csv_field(const std::string& value);

// "label,confidence,top1,top1_prob,...,topK,topK_prob".
std::string prediction_header(int k);

// The values under prediction_header: the most probable class, its probability, then the k most
// probable classes with their probabilities (6 decimals), comma-separated, no leading comma.
std::string prediction_columns(const std::vector<float>& probabilities, const std::vector<std::string>& classes, int k);

// As many empty fields as prediction_header has columns (a row for an unreadable file).
std::string empty_prediction_columns(int k);

}  // namespace tessera::infer

// PSI, quantile bins and the two-sample KS statistic (see statistics.h); the Kolmogorov
// distribution itself is in kolmogorov.cpp.
#include "tessera/monitor/statistics.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace tessera::monitor {

double population_stability_index(const std::vector<double>& reference_counts, const std::vector<double>& new_counts,
                                  double epsilon) {
  if (reference_counts.size() != new_counts.size()) {
    throw std::invalid_argument("population_stability_index: " + std::to_string(reference_counts.size()) +
                                " reference bins but " + std::to_string(new_counts.size()) + " new ones");
  }
  if (!(epsilon > 0.0 && epsilon < 1.0)) throw std::invalid_argument("population_stability_index: epsilon must be in (0, 1)");
  const auto total = [](const std::vector<double>& counts) {
    double sum = 0.0;
    for (double c : counts) {
      if (!(c >= 0.0)) throw std::invalid_argument("population_stability_index: counts must be >= 0");
      sum += c;
    }
    if (!(sum > 0.0)) throw std::invalid_argument("population_stability_index: a side has no counts");
    return sum;
  };
  const double reference_total = total(reference_counts), new_total = total(new_counts);
  double psi = 0.0;
  for (std::size_t i = 0; i < reference_counts.size(); ++i) {
    const double p = std::max(reference_counts[i] / reference_total, epsilon);
    const double q = std::max(new_counts[i] / new_total, epsilon);
    psi += (q - p) * std::log(q / p);
  }
  return psi;
}

std::vector<double> quantile_edges(std::vector<double> sample, int bins) {
  if (sample.empty()) throw std::invalid_argument("quantile_edges: empty reference sample");
  if (bins < 1) throw std::invalid_argument("quantile_edges: bins must be >= 1");
  std::sort(sample.begin(), sample.end());
  const auto n = sample.size();
  std::vector<double> edges;
  edges.reserve(static_cast<std::size_t>(bins) + 1);
  for (int k = 0; k <= bins; ++k) {
    const double position = static_cast<double>(k) / bins * static_cast<double>(n - 1);
    const auto below = std::min(static_cast<std::size_t>(std::floor(position)), n - 1);
    const auto above = std::min(below + 1, n - 1);
    const double t = position - static_cast<double>(below);
    edges.push_back(sample[below] + (sample[above] - sample[below]) * t);
  }
  edges.front() = sample.front();  // exactly the extremes, whatever the rounding above
  edges.back() = sample.back();
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return edges;
}

std::vector<double> bin_counts(const std::vector<double>& values, const std::vector<double>& edges) {
  if (edges.empty()) throw std::invalid_argument("bin_counts: no edges");
  const std::size_t k = edges.size();
  std::vector<double> counts(k == 1 ? 3 : k + 1, 0.0);
  for (double x : values) {
    if (std::isnan(x)) continue;
    std::size_t bin;
    if (x < edges.front()) {
      bin = 0;
    } else if (x > edges.back()) {
      bin = counts.size() - 1;
    } else if (k == 1) {
      bin = 1;
    } else {
      // The first edge above x closes x's bin; x == the last edge belongs to the last inner bin.
      bin = std::min<std::size_t>(static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin()),
                                  k - 1);
    }
    counts[bin] += 1.0;
  }
  return counts;
}

namespace {

// numpy.round: half to even.
std::int64_t round_half_even(double x) {
  const int mode = std::fegetround();
  std::fesetround(FE_TONEAREST);
  const double r = std::nearbyint(x);
  std::fesetround(mode);
  return static_cast<std::int64_t>(r);
}

}  // namespace

KsResult ks_two_sample(std::vector<double> a, std::vector<double> b) {
  if (a.empty() || b.empty()) throw std::invalid_argument("ks_two_sample: a sample is empty");
  const auto has_nan = [](const std::vector<double>& v) {
    return std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); });
  };
  if (has_nan(a) || has_nan(b)) throw std::invalid_argument("ks_two_sample: a sample holds NaN");
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const auto n_a = static_cast<double>(a.size()), n_b = static_cast<double>(b.size());
  // Walk the pooled values in order; after every value x (all its ties consumed) compare
  // F_a(x) = #{a <= x} / n_a with F_b(x), computed as scipy does (count / n, then subtract).
  double statistic = 0.0;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const double x = j >= b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.size() && a[i] <= x) ++i;
    while (j < b.size() && b[j] <= x) ++j;
    statistic = std::max(statistic, std::abs(static_cast<double>(i) / n_a - static_cast<double>(j) / n_b));
  }
  KsResult result;
  result.statistic = std::min(statistic, 1.0);
  // scipy: m, n = sorted sizes (larger first); en = m * n / (m + n) in float; kstwo.sf(D, round(en)).
  const double m = std::max(n_a, n_b), n = std::min(n_a, n_b);
  result.effective_n = round_half_even(m * n / (m + n));
  result.p_value = kolmogorov_two_sided_sf(result.effective_n, result.statistic);
  return result;
}

}  // namespace tessera::monitor

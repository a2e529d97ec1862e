#pragma once
// The statistics behind drift detection: the population stability index (PSI) and the two-sample
// Kolmogorov-Smirnov test, with p-values as scipy.stats.ks_2samp(method='asymp') gives them.
// Pure functions of their inputs; no torch.
#include <cstdint>
#include <vector>

namespace tessera::monitor {

// PSI = sum over bins of (q - p) * ln(q / p), where p and q are the reference and new proportions
// of each bin (count / total). A proportion below `epsilon` (an empty bin) counts as `epsilon`,
// so one-sided bins cost (q - epsilon) ln(q / epsilon) instead of infinity; bins empty on both
// sides add nothing. Throws std::invalid_argument when the sizes differ, either side has no
// counts, a count is negative, or epsilon is not in (0, 1).
double population_stability_index(const std::vector<double>& reference_counts, const std::vector<double>& new_counts,
                                  double epsilon);

// Bin edges for the PSI of a numeric feature, from the reference sample: the minimum, the
// `bins` - 1 inner quantiles (numpy.quantile's default, linear interpolation: position
// q * (n - 1) in the sorted sample) and the maximum, duplicates removed. Throws
// std::invalid_argument for an empty sample or bins < 1.
std::vector<double> quantile_edges(std::vector<double> reference_sample, int bins);

// Counts of `values` in the bins the sorted, distinct `edges` e_0 < ... < e_k define:
//   [0]      x < e_0 (below everything the reference showed)
//   [j]      e_{j-1} <= x < e_j for j = 1..k-1, the last of them closed: e_{k-2} <= x <= e_k-1
//   [k]      x > e_k-1 (above everything the reference showed)
// With a single edge (a constant reference) the bins are x < e_0, x == e_0, x > e_0. Values
// outside the reference's range get bins of their own, so a shift away from a constant
// reference is still seen. NaN values are not counted.
std::vector<double> bin_counts(const std::vector<double>& values, const std::vector<double>& edges);

struct KsResult {
  double statistic = 0.0;  // D = max |F_a(x) - F_b(x)| over the pooled values
  double p_value = 1.0;    // two-sided, asymptotic (see ks_two_sample)
  std::int64_t effective_n = 0;  // round(n_a n_b / (n_a + n_b)), the n of the distribution used
};

// The two-sided two-sample Kolmogorov-Smirnov test of scipy.stats.ks_2samp(a, b,
// method='asymp'): the statistic over the empirical CDFs (right-continuous, so ties are handled
// exactly), and the p-value kstwo.sf(D, round(n_a n_b / (n_a + n_b))): the exact distribution
// of the one-sample two-sided statistic for that n (round half to even, as numpy rounds).
// Throws std::invalid_argument when a sample is empty or holds NaN.
KsResult ks_two_sample(std::vector<double> a, std::vector<double> b);

// P(D_n >= x) for the two-sided one-sample Kolmogorov-Smirnov statistic D_n: scipy.stats.kstwo.sf(x, n),
// computed as scipy does (Simard and L'Ecuyer 2011: Ruben-Gambino near the ends, Durbin's matrix
// (Marsaglia-Tsang-Wang), Pomeranz's recursion, Pelz-Good's asymptotic series, or twice the
// one-sided Smirnov tail, by region). NaN for n < 1.
double kolmogorov_two_sided_sf(std::int64_t n, double x);

// P(D_n^+ >= x) for the one-sided statistic: scipy.special.smirnov(n, x), by the Birnbaum-Tingey
// sum (all its terms are positive, summed in log space).
double smirnov_sf(std::int64_t n, double x);

}  // namespace tessera::monitor

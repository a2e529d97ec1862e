// The distribution of the Kolmogorov-Smirnov statistics, region by region as scipy computes them
// (scipy/stats/_ksstats.py for the two-sided D_n, scipy.special.smirnov for the one-sided D_n^+),
// so p-values agree with scipy.stats.ks_2samp(method='asymp') to within rounding.
//
// References: Simard, L'Ecuyer (2011) "Computing the Two-Sided Kolmogorov-Smirnov Distribution",
// J. Stat. Softw. 39(11); Marsaglia, Tsang, Wang (2003) "Evaluating Kolmogorov's Distribution",
// J. Stat. Softw. 8(18); Pomeranz (1974) CACM Algorithm 487; Pelz, Good (1976) JRSS B 38(2);
// Birnbaum, Tingey (1951) Ann. Math. Statist. 22(4).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <tuple>
#include <vector>

#include "tessera/monitor/statistics.h"

namespace tessera::monitor {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kScale = 0x1p128;     // intermediate rescaling, as in scipy (2^128)
constexpr double kInverseScale = 0x1p-128;
constexpr double kMinLog = -708.3964185322641;  // log of the smallest normal double (cephes MINLOG)

double clip01(double p) { return std::clamp(p, 0.0, 1.0); }

// log(n! / n^n) by Stirling's series with n log n removed up front (no cancellation).
double log_factorial_over_power(std::int64_t n) {
  static constexpr double kStirling[] = {-2.955065359477124183e-2, 6.4102564102564102564e-3,
                                         -1.9175269175269175269e-3, 8.4175084175084175084e-4,
                                         -5.952380952380952381e-4,  7.9365079365079365079e-4,
                                         -2.7777777777777777778e-3, 8.3333333333333333333e-2};
  const double inverse = 1.0 / static_cast<double>(n);
  const double inverse_squared = inverse / static_cast<double>(n);
  double series = 0.0;
  for (double c : kStirling) series = series * inverse_squared + c;  // Horner, as numpy.polyval
  return std::log(static_cast<double>(n)) / 2 - static_cast<double>(n) + std::log(2 * kPi) / 2 + inverse * series;
}

using Matrix = std::vector<double>;  // m x m, row-major

Matrix multiply(const Matrix& a, const Matrix& b, int m) {
  Matrix c(static_cast<std::size_t>(m) * m, 0.0);
  for (int i = 0; i < m; ++i) {
    for (int k = 0; k < m; ++k) {
      const double aik = a[static_cast<std::size_t>(i) * m + k];
      if (aik == 0.0) continue;
      for (int j = 0; j < m; ++j) c[static_cast<std::size_t>(i) * m + j] += aik * b[static_cast<std::size_t>(k) * m + j];
    }
  }
  return c;
}

// P(D_n <= d) by Durbin's matrix method as Marsaglia, Tsang and Wang compute it: with
// d = (k - h) / n, the (k, k) entry of H^n times n! / n^n, H of size 2k - 1.
double cdf_durbin_matrix(std::int64_t n, double d) {
  if (d >= 1.0) return 1.0;
  const double nd = static_cast<double>(n) * d;
  if (nd <= 0.5) return 0.0;
  const int k = static_cast<int>(std::ceil(nd));
  const double h = k - nd;
  const int m = 2 * k - 1;
  std::vector<double> v(static_cast<std::size_t>(m)), w(static_cast<std::size_t>(m));
  double factorial_inverse = 1.0;
  for (int j = 1; j <= m; ++j) {
    w[static_cast<std::size_t>(j - 1)] = factorial_inverse;  // 1 / (j-1)!
    factorial_inverse /= j;
    v[static_cast<std::size_t>(j - 1)] = (1.0 - std::pow(h, j)) * factorial_inverse;  // (1 - h^j) / j!
  }
  const double tail = std::pow(std::max(2 * h - 1.0, 0.0), m) - 2 * std::pow(h, m);
  v[static_cast<std::size_t>(m - 1)] = (1.0 + tail) * factorial_inverse;

  Matrix H(static_cast<std::size_t>(m) * m, 0.0);
  const auto at = [m](Matrix& x, int r, int c) -> double& { return x[static_cast<std::size_t>(r) * m + c]; };
  for (int i = 1; i < m; ++i) {
    for (int r = i - 1; r < m; ++r) at(H, r, i) = w[static_cast<std::size_t>(r - (i - 1))];
  }
  for (int r = 0; r < m; ++r) at(H, r, 0) = v[static_cast<std::size_t>(r)];
  for (int c = 0; c < m; ++c) at(H, m - 1, c) = v[static_cast<std::size_t>(m - 1 - c)];

  Matrix power(static_cast<std::size_t>(m) * m, 0.0);
  for (int i = 0; i < m; ++i) at(power, i, i) = 1.0;
  std::int64_t remaining = n;
  long exponent = 0, h_exponent = 0;  // power = 2^exponent * stored values, H likewise
  while (remaining > 0) {
    if (remaining % 2) {
      power = multiply(power, H, m);
      exponent += h_exponent;
    }
    H = multiply(H, H, m);
    h_exponent *= 2;
    if (std::abs(at(H, k - 1, k - 1)) > kScale) {
      for (double& x : H) x /= kScale;
      h_exponent += 128;
    }
    remaining /= 2;
  }
  double p = at(power, k - 1, k - 1);
  for (std::int64_t i = 1; i <= n; ++i) {  // times n! / n^n
    p = static_cast<double>(i) * p / static_cast<double>(n);
    if (std::abs(p) < kInverseScale) {
      p *= kScale;
      exponent -= 128;
    }
  }
  if (exponent != 0) p = std::ldexp(p, static_cast<int>(exponent));
  return clip01(p);
}

// Row i's range of non-zero entries in Pomeranz's recursion.
std::pair<std::int64_t, std::int64_t> pomeranz_range(std::int64_t i, std::int64_t n, std::int64_t ll, int ceilf, int roundf) {
  std::int64_t j1, j2;
  if (i == 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const std::int64_t half = (i + 1) / 2;
    if ((i + 1) % 2 == 0) {  // i odd
      if (half == n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return {std::max<std::int64_t>(j1 + 2, 0), std::min(j2, n)};
}

// P(D_n <= x) by Pomeranz's recursion: 2n + 1 convolutions of a band of one row with (almost)
// Poisson probabilities, two rows kept, rescaled against underflow.
double cdf_pomeranz(std::int64_t n, double x) {
  const double t = static_cast<double>(n) * x;
  const auto ll = static_cast<std::int64_t>(std::floor(t));
  const double f = t - static_cast<double>(ll);
  const double g = std::min(f, 1.0 - f);
  const int ceilf = f > 0 ? 1 : 0;
  const int roundf = f > 0.5 ? 1 : 0;
  const auto powers = static_cast<std::size_t>(2 * (ll + 1));
  std::vector<double> g_power(powers), two_g_power(powers), one_minus_two_g_power(powers);
  g_power[0] = two_g_power[0] = one_minus_two_g_power[0] = 1.0;
  const double nd = static_cast<double>(n);
  for (std::size_t m = 1; m < powers; ++m) {
    g_power[m] = g_power[m - 1] * (g / nd) / static_cast<double>(m);
    two_g_power[m] = two_g_power[m - 1] * (2 * g / nd) / static_cast<double>(m);
    one_minus_two_g_power[m] = one_minus_two_g_power[m - 1] * ((1 - 2 * g) / nd) / static_cast<double>(m);
  }
  std::vector<double> row0(powers, 0.0), row1(powers, 0.0);
  row1[0] = 1.0;
  std::int64_t start0 = 0, start1 = 0;  // column of each row's first stored entry
  long exponent = 0;
  auto [j1, j2] = pomeranz_range(0, n, ll, ceilf, roundf);
  for (std::int64_t i = 1; i < 2 * n + 2; ++i) {
    const std::int64_t k1 = j1;
    std::swap(row0, row1);
    std::swap(start0, start1);
    std::fill(row1.begin(), row1.end(), 0.0);
    std::tie(j1, j2) = pomeranz_range(i, n, ll, ceilf, roundf);
    const std::vector<double>& weights =
        (i == 1 || i == 2 * n + 1) ? g_power : (i % 2 ? two_g_power : one_minus_two_g_power);
    const std::int64_t length = j2 - k1 + 1;
    if (length > 0) {
      // conv = convolve(row0[k1 - start0 : k1 - start0 + length], weights[:length]) (numpy slices
      // clip at the end); row1[0 : j2 - j1 + 1] = conv[j1 - k1 : ...].
      const std::int64_t first = k1 - start0;
      const std::int64_t a_length = std::clamp<std::int64_t>(static_cast<std::int64_t>(powers) - first, 0, length);
      const std::int64_t b_length = std::min<std::int64_t>(length, static_cast<std::int64_t>(powers));
      const std::int64_t conv_start = j1 - k1, conv_length = j2 - j1 + 1;
      const std::int64_t conv_size = a_length + b_length - 1;
      for (std::int64_t c = 0; c < conv_length && conv_start + c < conv_size; ++c) {
        const std::int64_t s = conv_start + c;
        double sum = 0.0;
        for (std::int64_t a = std::max<std::int64_t>(0, s - (b_length - 1)); a <= std::min(s, a_length - 1); ++a) {
          sum += row0[static_cast<std::size_t>(first + a)] * weights[static_cast<std::size_t>(s - a)];
        }
        row1[static_cast<std::size_t>(c)] = sum;
      }
      const double largest = *std::max_element(row1.begin(), row1.end());
      if (largest > 0 && largest < kInverseScale) {
        for (double& value : row1) value *= kScale;
        exponent -= 128;
      }
      start1 = start0 + j1 - k1;
    }
  }
  double answer = row1[static_cast<std::size_t>(n - start1)];
  for (std::int64_t m = 1; m <= n; ++m) {  // times n!
    if (std::abs(answer) > kScale) {
      answer *= kInverseScale;
      exponent += 128;
    }
    answer *= static_cast<double>(m);
  }
  if (exponent != 0) answer = std::ldexp(answer, static_cast<int>(exponent));
  return clip01(answer);
}

// P(D_n <= x) by Pelz and Good's series (Li-Chien and Korolyuk's expansion transformed by the
// Jacobi theta function identity, for small sqrt(n) x). Not clipped, as in scipy.
double cdf_pelz_good(std::int64_t n, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double z = std::sqrt(static_cast<double>(n)) * x;
  const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
  const double pi2 = kPi * kPi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
  const double q_log = -pi2 / 8 / z2;
  if (q_log < -708) return 0.0;
  double q = std::exp(q_log);
  const double k1a = -z2, k1b = pi2 / 4;
  const double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16;
  const double k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16,
               k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * std::pow(z, 8);
  double K[4] = {0, 0, 0, 0};
  const auto max_k = static_cast<int>(std::ceil(16 * z / kPi));
  for (int k = max_k; k >= 1; --k) {  // Horner over q^(8k): sums of c_i q^((2k-1)^2)
    const double m = 2.0 * k - 1, m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
    const double q_power = std::pow(q, 8.0 * k);
    const double coefficients[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6};
    for (int i = 0; i < 4; ++i) K[i] = K[i] * q_power + coefficients[i];
  }
  const double root_two_pi = std::sqrt(2 * kPi);
  const double divisors[4] = {z, 6 * z4, 72 * std::pow(z, 7), 6480 * std::pow(z, 10)};
  for (int i = 0; i < 4; ++i) K[i] = K[i] * q * root_two_pi / divisors[i];
  // The terms over all integers k: K2 gets (pi^2 k^2) q^(k^2), K3 (3 pi^2 k^2 z^2 - pi^4 k^4) q^(k^2).
  q = std::exp(-pi2 / 2 / z2);
  double k2_extra = 0.0, k3_extra = 0.0;
  const double root3_z = std::sqrt(3.0) * z;
  for (int k = max_k; k >= 1; --k) {
    const double k2 = static_cast<double>(k) * k;
    const double q_power = std::pow(q, k2);
    const double k_pi = kPi * k;
    k2_extra += k2 * q_power;
    k3_extra += (root3_z + k_pi) * (root3_z - k_pi) * k2 * q_power;
  }
  K[2] += k2_extra * pi2 * root_two_pi / (-36 * z3);
  K[3] += k3_extra * pi2 * root_two_pi / (216 * z6);
  double sum = 0.0;
  for (int i = 0; i < 4; ++i) sum += K[i] / std::pow(static_cast<double>(n), i / 2.0);
  return sum;
}

}  // namespace

double smirnov_sf(std::int64_t n, double x) {
  if (n < 1 || std::isnan(x) || x < 0.0 || x > 1.0) return std::numeric_limits<double>::quiet_NaN();
  if (n == 1) return 1.0 - x;
  if (x == 0.0) return 1.0;
  if (x == 1.0) return 0.0;
  const double nd = static_cast<double>(n);
  const double nx = nd * x;
  if (nx <= 1.0) return clip01(1.0 - x * std::pow(1.0 + x, nd - 1));  // x <= 1/n: the CDF in closed form
  if (-2 * nd * x * x < kMinLog) return 0.0;                          // underflows, as in scipy
  if (nx >= nd - 1) return clip01(std::pow(1.0 - x, nd));              // x >= 1 - 1/n
  // Birnbaum-Tingey: sum over v = 0 .. floor(n (1 - x)) of C(n, v) x (x + v/n)^(v-1) (1 - x - v/n)^(n-v);
  // a term whose (1 - x - v/n) is 0 (n x an integer) is 0.
  const auto last = static_cast<std::int64_t>(std::floor(nd - nx));
  std::vector<double> logs;
  logs.reserve(static_cast<std::size_t>(last) + 1);
  const double log_n_factorial = std::lgamma(nd + 1);
  for (std::int64_t v = 0; v <= last; ++v) {
    const double vd = static_cast<double>(v);
    const double rest = (nd - vd - nx) / nd;  // 1 - x - v/n
    if (!(rest > 0.0)) continue;
    logs.push_back(log_n_factorial - std::lgamma(vd + 1) - std::lgamma(nd - vd + 1) + std::log(x) +
                   (vd - 1) * std::log((vd + nx) / nd) + (nd - vd) * std::log(rest));
  }
  if (logs.empty()) return 0.0;
  const double largest = *std::max_element(logs.begin(), logs.end());
  double sum = 0.0;
  for (double l : logs) sum += std::exp(l - largest);
  return clip01(std::exp(largest + std::log(sum)));
}

double kolmogorov_two_sided_sf(std::int64_t n, double x) {
  if (n < 1 || std::isnan(x)) return std::numeric_limits<double>::quiet_NaN();
  if (x >= 1.0) return 0.0;
  if (x <= 0.0) return 1.0;
  const double nd = static_cast<double>(n);
  const double t = nd * x;
  if (t <= 1.0) {  // Ruben-Gambino: 1/(2n) <= x <= 1/n
    if (t <= 0.5) return 1.0;
    double cdf;
    if (n <= 140) {
      cdf = 1.0;
      for (std::int64_t i = 1; i <= n; ++i) cdf *= static_cast<double>(i) * (1.0 / nd) * (2 * t - 1);
    } else {
      cdf = std::exp(log_factorial_over_power(n) + nd * std::log(2 * t - 1));
    }
    return clip01(1.0 - cdf);
  }
  if (t >= nd - 1) return clip01(2 * std::pow(1.0 - x, nd));  // Ruben-Gambino
  if (x >= 0.5) return clip01(2 * smirnov_sf(n, x));            // exact: the two tails cannot both be exceeded
  const double nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip01(1.0 - cdf_durbin_matrix(n, x));
    if (nx2 <= 4) return clip01(1.0 - cdf_pomeranz(n, x));
    return clip01(2 * smirnov_sf(n, x));
  }
  if (nx2 >= 370.0) return 0.0;
  if (nx2 >= 2.2) return clip01(2 * smirnov_sf(n, x));
  double cdf;
  if (nx2 >= 18.0) cdf = 1.0;
  else if (n <= 100000 && nd * std::pow(x, 1.5) <= 1.4) cdf = cdf_durbin_matrix(n, x);
  else cdf = cdf_pelz_good(n, x);
  return clip01(1.0 - clip01(cdf));
}

}  // namespace tessera::monitor

// The Wilson score interval for a binomial proportion (E. B. Wilson, "Probable inference, the law
// of succession, and statistical inference", JASA 22(158):209–212, 1927). With p̂ = s/n:
//
//   centre = (p̂ + z²/(2n)) / (1 + z²/n)
//   half   = z / (1 + z²/n) · √( p̂(1−p̂)/n + z²/(4n²) )
//
// It stays inside [0, 1] and keeps near-nominal coverage at p̂ = 0 or 1 and for n ≈ 100 — exactly
// the regime of an override benchmark (100 eval examples, accuracies near 0 % or 100 %), where the
// normal ("Wald") interval collapses to a width of zero.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace flipside {

// Φ⁻¹(0.975): the two-sided 95 % normal quantile.
inline constexpr double z_95 = 1.959963984540054;

struct proportion_interval {
  double lo = 0;
  double hi = 1;
};

// n = 0 gives [0, 1] (no information).
inline proportion_interval wilson_interval(std::uint64_t successes, std::uint64_t n,
                                           double z = z_95) {
  if (n == 0) return {0.0, 1.0};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(std::min(successes, n)) / nn;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2 * nn)) / denom;
  const double half = z / denom * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

}  // namespace flipside

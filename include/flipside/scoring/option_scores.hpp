// The scores of one prompt's label options, and the decision rule shared by every scoring path.
//
//   d_c      = decision score of option c: log_probs[c] (sum) or log_probs[c] / n_tokens[c] (mean)
//   predicted = argmax_c d_c; ties go to the lowest option index (numpy/torch argmax), so a tie
//              never depends on the order of floating-point work
//   probs[c] = exp(d_c) / Σ_j exp(d_j)   the probabilities renormalised over the label set; with
//              sum scoring, p(option c | prompt) / Σ_j p(option j | prompt)
//
// A NaN score (a model that produced NaN logits) is an error, never a silent prediction.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/scoring/policies.hpp>

namespace flipside {

struct option_scores {
  // Σ_j log p(o_j | prompt, o_<j) per option. When `normalised` is false the first position's
  // log-normaliser is left out: every entry is shifted by the same log Z_0.
  std::vector<double> log_probs;
  std::vector<std::size_t> n_tokens;  // tokens per option
  std::vector<double> probs;          // renormalised over the label set (see above)
  int predicted = -1;
  bool normalised = false;

  std::size_t size() const noexcept { return log_probs.size(); }
};

// Index of the largest score, ties → lowest index; throws on NaN.
inline int argmax_option(const std::vector<double>& d) {
  int best = -1;
  for (std::size_t c = 0; c < d.size(); ++c) {
    if (std::isnan(d[c]))
      throw error("scoring: option " + std::to_string(c) +
                  " has a NaN score (the model produced NaN logits)");
    if (best < 0 || d[c] > d[static_cast<std::size_t>(best)]) best = static_cast<int>(c);
  }
  return best;
}

// Softmax over the options in double precision: exp(d_c − max) / Σ. All −inf: uniform (no option
// has any probability mass; nothing distinguishes them).
inline std::vector<double> renormalise(const std::vector<double>& d) {
  std::vector<double> p(d.size(), 0.0);
  if (d.empty()) return p;
  double m = -std::numeric_limits<double>::infinity();
  for (double x : d) m = x > m ? x : m;
  if (m == -std::numeric_limits<double>::infinity()) {
    for (double& x : p) x = 1.0 / static_cast<double>(d.size());
    return p;
  }
  double s = 0;
  for (std::size_t c = 0; c < d.size(); ++c) s += (p[c] = std::exp(d[c] - m));
  for (double& x : p) x /= s;
  return p;
}

// The decision scores of `s` under `agg` (see the top of this file).
inline std::vector<double> decision_scores(const option_scores& s, option_aggregation agg) {
  std::vector<double> d = s.log_probs;
  if (agg == option_aggregation::mean)
    for (std::size_t c = 0; c < d.size(); ++c) d[c] /= static_cast<double>(s.n_tokens[c]);
  return d;
}

// Fills predicted and probs from decision scores d.
inline void decide(option_scores& s, const std::vector<double>& d) {
  s.predicted = argmax_option(d);
  s.probs = renormalise(d);
}

}  // namespace flipside

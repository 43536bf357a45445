// Contextual calibration (Zhao et al. 2021, "Calibrate Before Use", arXiv 2102.09690).
//
// A prompt's exemplars, their order and its label words bias a model towards some labels. The bias
// is estimated by asking the same prompt about content-free inputs ("N/A", "", "[MASK]": see
// content_free.hpp) and undone with a diagonal correction:
//
//   p_cf = (1/K) Σ_k p(· | prompt with content-free input k)      label probabilities renormalised
//          (then renormalised to sum 1)                            over the label set
//          (option_scores::probs)
//   W    = diag(p_cf)⁻¹,  b = 0
//   q    = softmax(W·p)    the paper's calibrated probabilities, q̂ = softmax(W p̂ + b)
//   prediction = argmax_c q_c = argmax_c p_c / p_cf_c   (ties → lowest index)
//
// Two ways of averaging over the K content-free inputs:
//   from_content_free       the mean of each input's label-set (renormalised) probabilities: needs
//                           only label-set scores, so an unnormalised scorer suffices;
//   from_content_free_mass  the mean of each input's raw probabilities p(label | prompt), then
//                           renormalised — what the paper's reference code does
//                           (tonyzhaozh/few-shot-learning, get_p_content_free); needs normalised
//                           log-probs. Computed in log space (no underflow for long labels).
// They differ only in how the K inputs are weighted (equal for K = 1). The reference code predicts
// argmax W·p without the softmax; the prediction is the same.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/scoring/option_scores.hpp>

namespace flipside {

class contextual_calibration {
 public:
  // p_cf directly: positive, finite; renormalised to sum 1.
  explicit contextual_calibration(std::vector<double> p_cf) : p_cf_(std::move(p_cf)) {
    if (p_cf_.empty()) throw argument_error("calibration: no label probabilities");
    double s = 0;
    for (std::size_t c = 0; c < p_cf_.size(); ++c) {
      if (!std::isfinite(p_cf_[c]) || p_cf_[c] <= 0)
        throw argument_error("calibration: content-free probability of label option " +
                             std::to_string(c) + " is " + std::to_string(p_cf_[c]) +
                             "; W = diag(p_cf)^-1 needs positive probabilities");
      s += p_cf_[c];
    }
    for (double& p : p_cf_) p /= s;
  }

  // From the label-set probabilities of each content-free input (the mean, renormalised).
  static contextual_calibration from_content_free(const std::vector<std::vector<double>>& probs) {
    if (probs.empty()) throw argument_error("calibration: no content-free inputs");
    std::vector<double> mean(probs[0].size(), 0.0);
    for (std::size_t k = 0; k < probs.size(); ++k) {
      if (probs[k].size() != mean.size())
        throw argument_error("calibration: content-free input " + std::to_string(k) + " has " +
                             std::to_string(probs[k].size()) +
                             " label probabilities, input 0 has " + std::to_string(mean.size()));
      for (std::size_t c = 0; c < mean.size(); ++c) mean[c] += probs[k][c];
    }
    for (double& m : mean) m /= static_cast<double>(probs.size());
    return contextual_calibration(std::move(mean));
  }

  static contextual_calibration from_content_free(const std::vector<option_scores>& scores) {
    std::vector<std::vector<double>> probs;
    probs.reserve(scores.size());
    for (const auto& s : scores) probs.push_back(s.probs);
    return from_content_free(probs);
  }

  // p_cf_c ∝ (1/K) Σ_k p(label c | content-free prompt k), from normalised log-probs:
  // m_c = logsumexp_k(log_probs[k][c]), p_cf = softmax(m) (the 1/K cancels).
  static contextual_calibration from_content_free_mass(const std::vector<option_scores>& scores) {
    if (scores.empty()) throw argument_error("calibration: no content-free inputs");
    const std::size_t C = scores[0].size();
    std::vector<double> m(C, -std::numeric_limits<double>::infinity());
    for (std::size_t k = 0; k < scores.size(); ++k) {
      if (!scores[k].normalised)
        throw argument_error(
            "calibration: from_content_free_mass needs normalised log-probs (content-free input " +
            std::to_string(k) + " was scored unnormalised): use label_scorer<normalised_logprobs>");
      if (scores[k].size() != C)
        throw argument_error("calibration: content-free input " + std::to_string(k) + " has " +
                             std::to_string(scores[k].size()) + " label options, input 0 has " +
                             std::to_string(C));
      for (std::size_t c = 0; c < C; ++c) {
        const double a = m[c], b = scores[k].log_probs[c];
        const double hi = std::max(a, b), lo = std::min(a, b);
        m[c] = hi == -std::numeric_limits<double>::infinity() ? hi
                                                              : hi + std::log1p(std::exp(lo - hi));
      }
    }
    return contextual_calibration(renormalise(m));
  }

  const std::vector<double>& p_cf() const noexcept { return p_cf_; }
  std::size_t size() const noexcept { return p_cf_.size(); }

  // W·p = (p_c / p_cf_c)_c.
  std::vector<double> corrected(const std::vector<double>& p) const {
    check(p);
    std::vector<double> w(p.size());
    for (std::size_t c = 0; c < p.size(); ++c) w[c] = p[c] / p_cf_[c];
    return w;
  }

  // q = softmax(W·p).
  std::vector<double> calibrated(const std::vector<double>& p) const {
    return renormalise(corrected(p));
  }

  int predict(const std::vector<double>& p) const { return argmax_option(corrected(p)); }

  // Scores with probs ← q and predicted ← argmax q; log_probs and n_tokens are kept.
  option_scores apply(option_scores s) const {
    const std::vector<double> w = corrected(s.probs);
    s.predicted = argmax_option(w);
    s.probs = renormalise(w);
    return s;
  }

 private:
  void check(const std::vector<double>& p) const {
    if (p.size() != p_cf_.size())
      throw argument_error("calibration: " + std::to_string(p.size()) +
                           " label probabilities for a calibration of " +
                           std::to_string(p_cf_.size()) + " labels");
  }

  std::vector<double> p_cf_;
};

}  // namespace flipside

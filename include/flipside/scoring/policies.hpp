// Compile-time policies of the label scorer: how much of the vocabulary's distribution a scoring
// step computes.
//
// The log-probability of a label option o = (o_0, …, o_{m−1}) after a prompt is, by teacher
// forcing,
//
//   log p(o | prompt) = Σ_j ( ℓ_j[o_j] − log Z_j ),   ℓ_j = W_out·h_j,   log Z_j = logsumexp(ℓ_j)
//
// where h_j is the final hidden state before token o_j (h_0: the prompt's last position). Every
// option shares h_0, so log Z_0 shifts all options' sums equally: the prediction (argmax) and the
// probabilities renormalised over the label set do not need it, and without it the first position
// reads only the label tokens' rows of W_out (2–6 dot products) instead of all V rows. The later
// positions' log Z_j differ per option and are always computed.
//
//   unnormalised_logprobs  restricted unembedding at h_0; log_probs are log p(o) + log Z_0
//                          (exact differences between options). The default.
//   normalised_logprobs    restricted label logits plus log Z_0 from the full row at h_0: true
//                          log-probabilities.
//   full_vocabulary        every position unembedded over the full vocabulary and label entries
//                          read from the full rows (the straightforward path; a reference and the
//                          benchmark's baseline). Results are bitwise those of normalised_logprobs.
#pragma once

namespace flipside {

struct unnormalised_logprobs {
  static constexpr bool normalised = false;
  static constexpr bool restricted = true;
  static constexpr const char* name = "unnormalised";
};

struct normalised_logprobs {
  static constexpr bool normalised = true;
  static constexpr bool restricted = true;
  static constexpr const char* name = "normalised";
};

struct full_vocabulary {
  static constexpr bool normalised = true;
  static constexpr bool restricted = false;
  static constexpr const char* name = "full-vocabulary";
};

using default_scoring_policy = unnormalised_logprobs;

// How an option's token log-probabilities make its decision score.
enum class option_aggregation {
  sum,   // log p(option): the probability of the whole label string (default)
  mean,  // average token log-prob (length-normalised); needs normalised log-probs
};

}  // namespace flipside

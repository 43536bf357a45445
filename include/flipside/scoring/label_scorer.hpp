// Label-logit scoring: each label option's log-probability as the continuation of a prompt, the
// prompt evaluated once and its KV cache shared by all options.
//
//   flipside::label_scorer scorer(m);                       // default: unnormalised_logprobs
//   auto s = scorer.score(tp);                              // tp: tokenized_prompt<int32_t>
//   s.predicted, s.probs, s.log_probs
//
// For one prompt with options o^c = (o^c_0, …, o^c_{m_c−1}) (policies.hpp has the equation):
//   1. the prompt's last final hidden state h_0 (from the forward that appended the prompt);
//   2. position 0 for every option at once: ℓ_0[o^c_0] from the label rows of W_out only
//      (model::token_logits); log Z_0 from the full row only under a normalised policy;
//   3. teacher forcing of the options with m_c > 1: o^c_0 … o^c_{m_c−2} run as continuations of the
//      prompt — all such options in one batched forward call, the first in the caller's cache
//      (appended, then truncated back) and the others in compact forks of it (kv_fork.hpp) — and
//      each of their output rows unembedded over the full vocabulary for ℓ_j[o^c_j] − log Z_j.
//
// Sums are accumulated in double in a fixed order (position 0, then 1, 2, …), and the decision
// (option_scores.hpp) is taken from the sums before log Z_0 is subtracted, so every policy gives
// bitwise the same predictions and renormalised probabilities, and normalised_logprobs the same
// log-probs as full_vocabulary (model::token_logits equals the entries of model::logits bitwise).
//
// Every entry point leaves the caller's cache as it found it (same size; contents of the kept
// positions untouched), also when it throws. A scorer keeps scratch buffers: one per thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <flipside/attention/kv_cache.hpp>
#include <flipside/core/error.hpp>
#include <flipside/model/model.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/prompt/tokenized_prompt.hpp>
#include <flipside/scoring/kv_fork.hpp>
#include <flipside/scoring/label_options.hpp>
#include <flipside/scoring/option_scores.hpp>
#include <flipside/scoring/policies.hpp>
#include <flipside/simd/softmax.hpp>

namespace flipside {

struct scoring_options {
  option_aggregation aggregation = option_aggregation::sum;
  thread_pool* pool = nullptr;  // forward passes and full-vocabulary rows; nullptr: this thread
};

// What a scorer computed (for throughput reports: tokens run vs tokens in the prompts).
struct scoring_stats {
  std::uint64_t forward_tokens = 0;   // tokens run through the model
  std::uint64_t forward_calls = 0;    // forward calls (each reads every weight once)
  std::uint64_t vocabulary_rows = 0;  // full-vocabulary unembedding rows
  std::uint64_t label_rows = 0;       // label-token rows read by restricted unembedding
};

namespace detail {

inline std::size_t longest_option(const label_option_ids& options) {
  std::size_t m = 0;
  for (const auto& o : options) m = std::max(m, o.size());
  return m;
}

}  // namespace detail

template <class Policy = default_scoring_policy>
class label_scorer {
 public:
  using policy = Policy;

  explicit label_scorer(model m, scoring_options opt = {}) : m_(std::move(m)), opt_(opt) {
    if (opt_.aggregation == option_aggregation::mean && !Policy::normalised)
      throw argument_error(
          "scoring: length-normalised (mean) option scores need normalised log-probs: use "
          "label_scorer<normalised_logprobs>");
  }

  const model& scored_model() const noexcept { return m_; }
  const scoring_options& options() const noexcept { return opt_; }
  const scoring_stats& stats() const noexcept { return stats_; }
  void reset_stats() noexcept { stats_ = {}; }

  // `cache` holds the whole prompt; `hidden` is the final hidden state of its last position (the
  // forward_result row of the call that appended it). The cache ends as it started.
  template <class E>
  option_scores score_options(kv_cache<E>& cache, const float* hidden,
                              const label_option_ids& options,
                              const std::vector<std::string>& names = {}) {
    check_label_options(options, names, m_.config().vocab_size);
    if (cache.size() == 0) throw argument_error("score_options: the cache holds no prompt");
    if (hidden == nullptr) throw argument_error("score_options: null hidden state");
    const std::size_t C = options.size();
    const std::size_t V = vocab();

    // Position 0, shared by every option.
    std::vector<std::int32_t> first(C);
    for (std::size_t c = 0; c < C; ++c) first[c] = options[c][0];
    std::vector<float> l0(C);
    double lse0 = 0;
    if constexpr (Policy::restricted) {
      m_.token_logits(hidden, first.data(), C, l0.data());
      stats_.label_rows += C;
      if constexpr (Policy::normalised) lse0 = full_row_lse(hidden);
    } else {
      rows_.resize(V);
      m_.logits(hidden, 1, rows_.data(), opt_.pool);
      ++stats_.vocabulary_rows;
      lse0 = static_cast<double>(simd::logsumexp(rows_.data(), V));
      for (std::size_t c = 0; c < C; ++c) l0[c] = rows_[static_cast<std::size_t>(first[c])];
    }
    std::vector<double> sum(C);
    for (std::size_t c = 0; c < C; ++c) sum[c] = static_cast<double>(l0[c]);

    // Positions 1 … m_c − 1 of the multi-token options.
    teacher_force(cache, options, sum);

    option_scores s;
    s.normalised = Policy::normalised;
    s.n_tokens.resize(C);
    s.log_probs.resize(C);
    for (std::size_t c = 0; c < C; ++c) {
      s.n_tokens[c] = options[c].size();
      s.log_probs[c] = Policy::normalised ? sum[c] - lse0 : sum[c];
    }
    decide(s, opt_.aggregation == option_aggregation::sum ? sum
                                                          : decision_scores(s, opt_.aggregation));
    return s;
  }

  // `cache` holds a prefix of the prompt (possibly nothing); `tail` is the rest of the prompt (at
  // least its last token). The cache ends as it started.
  template <class E>
  option_scores score_prompt(kv_cache<E>& cache, const std::vector<std::int32_t>& tail,
                             const label_option_ids& options,
                             const std::vector<std::string>& names = {}) {
    check_label_options(options, names, m_.config().vocab_size);
    if (tail.empty())
      throw argument_error(
          "score_prompt: empty prompt tail (the prompt's last token must be run to get its "
          "hidden state)");
    const std::size_t n0 = cache.size();
    detail::cache_restore<E> restore{cache, n0};
    const forward_result r = m_.forward(cache, tail, output_rows::last, {false, opt_.pool});
    count_forward(tail.size());
    return score_options(cache, r.hidden_row(0), options, names);
  }

  // One tokenized prompt from scratch (an f32 cache sized for it).
  option_scores score(const tokenized_prompt<std::int32_t>& p,
                      const std::vector<std::string>& names = {}) {
    const std::vector<std::int32_t> ids = p.prompt();
    auto cache = m_.new_cache(ids.size() + extra_capacity(p.options));
    return score_prompt(cache, ids, p.options, names);
  }

  // Prompts whose prefix `cache` already holds (every prompts[i].prefix has cache.size() tokens
  // and must equal what the cache was built from): each query is run on top of it and scored,
  // then the cache is truncated back.
  template <class E>
  std::vector<option_scores> score_prompts(kv_cache<E>& cache,
                                           const std::vector<tokenized_prompt<std::int32_t>>& ps,
                                           const std::vector<std::string>& names = {}) {
    std::vector<option_scores> out;
    out.reserve(ps.size());
    for (std::size_t i = 0; i < ps.size(); ++i) {
      if (ps[i].prefix.size() != cache.size())
        throw argument_error("score_prompts: prompt " + std::to_string(i) + " has a prefix of " +
                             std::to_string(ps[i].prefix.size()) + " tokens; the cache holds " +
                             std::to_string(cache.size()));
      out.push_back(score_prompt(cache, ps[i].query, ps[i].options, names));
    }
    return out;
  }

  // Any prompts: those with equal prefixes share one evaluation of it (a cache per distinct
  // prefix, in order of first appearance); results in input order.
  std::vector<option_scores> score_prompts(const std::vector<tokenized_prompt<std::int32_t>>& ps,
                                           const std::vector<std::string>& names = {}) {
    // The shared part of a prompt is its prefix, less its last token when the query is empty (a
    // prompt's last token is always run, for its hidden state).
    auto shared_of = [](const tokenized_prompt<std::int32_t>& p) {
      std::vector<std::int32_t> s = p.prefix;
      if (p.query.empty() && !s.empty()) s.pop_back();
      return s;
    };
    std::map<std::vector<std::int32_t>, std::size_t> group_of;
    std::vector<std::vector<std::size_t>> groups;
    std::vector<std::vector<std::int32_t>> shared;
    for (std::size_t i = 0; i < ps.size(); ++i) {
      auto key = shared_of(ps[i]);
      auto it = group_of.find(key);
      if (it == group_of.end()) {
        it = group_of.emplace(key, groups.size()).first;
        groups.emplace_back();
        shared.push_back(std::move(key));
      }
      groups[it->second].push_back(i);
    }
    std::vector<option_scores> out(ps.size());
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const std::vector<std::int32_t>& pre = shared[g];
      std::size_t need = 0;
      std::vector<std::vector<std::int32_t>> tails;
      for (const std::size_t i : groups[g]) {
        std::vector<std::int32_t> t(ps[i].prefix.begin() + static_cast<std::ptrdiff_t>(pre.size()),
                                    ps[i].prefix.end());
        t.insert(t.end(), ps[i].query.begin(), ps[i].query.end());
        need = std::max(need, t.size() + extra_capacity(ps[i].options));
        tails.push_back(std::move(t));
      }
      auto cache = m_.new_cache(pre.size() + need);
      if (!pre.empty()) {
        m_.forward(cache, pre, output_rows::none, {false, opt_.pool});
        count_forward(pre.size());
      }
      for (std::size_t j = 0; j < groups[g].size(); ++j) {
        const std::size_t i = groups[g][j];
        out[i] = score_prompt(cache, tails[j], ps[i].options, names);
      }
    }
    return out;
  }

 private:
  std::size_t vocab() const noexcept { return static_cast<std::size_t>(m_.config().vocab_size); }

  // Cache positions a prompt's options need beyond the prompt (for in-place teacher forcing).
  static std::size_t extra_capacity(const label_option_ids& options) {
    const std::size_t m = detail::longest_option(options);
    return m > 0 ? m - 1 : 0;
  }

  void count_forward(std::size_t tokens) {
    stats_.forward_tokens += tokens;
    ++stats_.forward_calls;
  }

  double full_row_lse(const float* hidden) {
    rows_.resize(vocab());
    m_.logits(hidden, 1, rows_.data(), opt_.pool);
    ++stats_.vocabulary_rows;
    return static_cast<double>(simd::logsumexp(rows_.data(), vocab()));
  }

  // sum[c] += Σ_{j≥1} (ℓ_j[o^c_j] − log Z_j) for every option with more than one token.
  template <class E>
  void teacher_force(kv_cache<E>& cache, const label_option_ids& options,
                     std::vector<double>& sum) {
    std::vector<std::size_t> multi;
    for (std::size_t c = 0; c < options.size(); ++c)
      if (options[c].size() > 1) multi.push_back(c);
    if (multi.empty()) return;

    const std::size_t n = cache.size();
    detail::cache_restore<E> restore{cache, n};
    std::vector<kv_cache<E>> forks;
    forks.reserve(multi.size());  // batch keeps pointers into it
    std::vector<sequence_step<E>> batch;
    bool in_place = false;
    std::size_t tokens = 0;
    for (const std::size_t c : multi) {
      const std::size_t k = options[c].size() - 1;
      kv_cache<E>* target = nullptr;
      if (!in_place && cache.capacity() - n >= k) {
        target = &cache;
        in_place = true;
      } else {
        forks.push_back(fork_prefix(cache, n, n + k));
        target = &forks.back();
      }
      batch.push_back({target, options[c].data(), k, output_rows::all});
      tokens += k;
    }
    const forward_result r = m_.forward(batch, {false, opt_.pool});
    count_forward(tokens);

    // Rows of the batch in order: option multi[i]'s positions 1 … m−1 are rows
    // [sequence_rows[i], sequence_rows[i + 1]). Unembedded four at a time (the runtime's
    // bitwise-consistent path), each row's log Z_j from its full row.
    const std::size_t V = vocab(), H = r.hidden_size, R = r.rows();
    std::vector<std::size_t> owner(R), token_index(R);
    for (std::size_t i = 0; i < multi.size(); ++i)
      for (std::size_t row = r.sequence_rows[i]; row < r.sequence_rows[i + 1]; ++row) {
        owner[row] = multi[i];
        token_index[row] = row - r.sequence_rows[i] + 1;
      }
    constexpr std::size_t block = 4;
    rows_.resize(block * V);
    for (std::size_t r0 = 0; r0 < R; r0 += block) {
      const std::size_t k = std::min(block, R - r0);
      m_.logits(r.hidden.data() + r0 * H, k, rows_.data(), opt_.pool);
      stats_.vocabulary_rows += k;
      for (std::size_t i = 0; i < k; ++i) {
        const float* row = rows_.data() + i * V;
        const std::size_t c = owner[r0 + i];
        const auto tok = static_cast<std::size_t>(options[c][token_index[r0 + i]]);
        const double lse = static_cast<double>(simd::logsumexp(row, V));
        sum[c] += static_cast<double>(row[tok]) - lse;
      }
    }
  }

  model m_;
  scoring_options opt_;
  scoring_stats stats_;
  std::vector<float> rows_;  // full-vocabulary logits scratch
};

// One-call forms (a scorer per call; keep a label_scorer to reuse its buffers).
template <class Policy = default_scoring_policy, class E>
option_scores score_options(const model& m, kv_cache<E>& cache, const float* hidden,
                            const label_option_ids& options,
                            const std::vector<std::string>& names = {},
                            const scoring_options& opt = {}) {
  return label_scorer<Policy>(m, opt).score_options(cache, hidden, options, names);
}

template <class Policy = default_scoring_policy>
option_scores score_prompt(const model& m, const tokenized_prompt<std::int32_t>& p,
                           const std::vector<std::string>& names = {},
                           const scoring_options& opt = {}) {
  return label_scorer<Policy>(m, opt).score(p, names);
}

}  // namespace flipside

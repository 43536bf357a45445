// Evaluating tokenized prompts with prefix sharing: the engine under `flipside run`.
//
// With sharing on, a prompt (prefix ++ query) is run on a working KV cache that already holds as
// much of it as possible:
//   1. the working cache keeps what it holds up to its longest common prefix with the new prompt
//      (consecutive queries of one exemplar set: only the query is new);
//   2. if the prefix tree (prefix_tree.hpp) stores a longer prefix — the same exemplars shown by
//      an earlier cell with other flip ratios, up to the first changed label — its rows are copied
//      in rather than computed;
//   3. the rest is run through the model, and the prompt's exemplar prefix is stored in the tree;
//   4. all label options are scored as continuations of the one prompt (label_scorer), the
//      generate mode decodes on top of it; both leave the cache holding the prompt.
// The prompt's last token is always run (its final hidden state is what is scored).
//
// score_batch scores several prompts at once: after their longest common prefix is in the working
// cache (steps 1–3), each prompt gets a copy of those rows and all the tails run as one batched
// forward call (at most forward_options::max_batch_rows rows, so no tail is split), which reads
// every weight once for the whole group instead of once per query — the queries of one exemplar
// set cost one GEMM per layer. Each prompt's rows and options are computed as in score() (same
// kernels for tails of more than 4 tokens, ≥ 16 for quantized weights: the kernel class depends
// on a call's row count), so scores agree with one-at-a-time scoring to rounding.
//
// With sharing off — the baseline — every label option is scored from scratch: the whole prompt
// is run again for each option in an empty cache, as a naive harness would do.
//
// Counters: prompt_tokens counts the tokens of every prompt and option as if each were evaluated
// from scratch (Σ_c |prefix + query + option_c| per prompt, |prompt| + generated tokens in generate
// mode); computed_tokens the positions actually run through the model.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <flipside/attention/kv_cache.hpp>
#include <flipside/core/error.hpp>
#include <flipside/eval/prefix_tree.hpp>
#include <flipside/model/model.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/prompt/tokenized_prompt.hpp>
#include <flipside/scoring/generate.hpp>
#include <flipside/scoring/kv_fork.hpp>
#include <flipside/scoring/label_scorer.hpp>

namespace flipside {

struct evaluator_options {
  bool share_prefixes = true;
  std::size_t max_tree_bytes = std::size_t{2} << 30;  // prefix tree memory bound (K/V rows)
  thread_pool* pool = nullptr;
};

struct evaluator_counters {
  std::uint64_t prompts = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t computed_tokens = 0;
};

class prompt_evaluator {
 public:
  explicit prompt_evaluator(model m, evaluator_options opt = {})
      : m_(std::move(m)),
        opt_(opt),
        scorer_(m_, scoring_options{option_aggregation::sum, opt.pool}),
        tree_(static_cast<std::size_t>(m_.config().n_layers),
              static_cast<std::size_t>(m_.config().n_kv_heads * m_.config().head_dim),
              opt.max_tree_bytes) {}

  const model& evaluated_model() const noexcept { return m_; }
  const evaluator_options& options() const noexcept { return opt_; }
  const evaluator_counters& counters() const noexcept { return counters_; }
  const prefix_tree_stats& tree_stats() const noexcept { return tree_.stats(); }

  // Label-logit scores of every option of `p` (label_scorer's default policy and decision).
  option_scores score(const tokenized_prompt<std::int32_t>& p,
                      const std::vector<std::string>& names = {}) {
    const std::vector<std::int32_t> ids = p.prompt();
    check_prompt(ids);
    count_prompt(ids, p.options);
    if (opt_.share_prefixes) {
      const float* h = run_prompt(ids, p.prefix.size(), longest_option(p.options));
      const std::uint64_t before = scorer_.stats().forward_tokens;
      option_scores s = scorer_.score_options(work_, h, p.options, names);
      counters_.computed_tokens += scorer_.stats().forward_tokens - before;
      return s;
    }
    // From scratch, one option at a time.
    option_scores s;
    std::vector<double> sums;
    for (std::size_t c = 0; c < p.options.size(); ++c) {
      const float* h = run_from_scratch(ids, p.options[c].size());
      const std::uint64_t before = scorer_.stats().forward_tokens;
      const option_scores one = scorer_.score_options(work_, h, {p.options[c]});
      counters_.computed_tokens += scorer_.stats().forward_tokens - before;
      sums.push_back(one.log_probs[0]);
      s.n_tokens.push_back(one.n_tokens[0]);
      s.normalised = one.normalised;
    }
    s.log_probs = sums;
    decide(s, sums);
    return s;
  }

  // Label-logit scores of every prompt in `ps` (score() for each, batched as the file comment
  // says; one at a time with sharing off or when the prompts share no prefix).
  std::vector<option_scores> score_batch(const std::vector<tokenized_prompt<std::int32_t>>& ps,
                                         const std::vector<std::string>& names = {}) {
    std::vector<option_scores> out;
    out.reserve(ps.size());
    // Tokens every prompt shares (0: sharing off, a single prompt, or nothing in common).
    std::vector<std::vector<std::int32_t>> ids;
    std::size_t common = 0;
    if (opt_.share_prefixes && ps.size() > 1) {
      ids.reserve(ps.size());
      for (const auto& p : ps) {
        ids.push_back(p.prompt());
        check_prompt(ids.back());
        const std::size_t limit = ids.back().size() - 1;  // the last token is always run
        common =
            ids.size() == 1
                ? limit
                : std::min({common, limit, detail::common_prefix_length(ids.front(), ids.back())});
      }
    }
    if (common == 0) {
      for (const auto& p : ps) out.push_back(score(p, names));
      return out;
    }
    // The shared part once, then groups of tails that fit one forward call.
    run_prefix(ids.front(), common, std::min(ps.front().prefix.size(), common), 0);
    const std::size_t cap = forward_options{}.max_batch_rows;
    for (std::size_t b = 0; b < ps.size();) {
      std::size_t e = b, rows = 0;
      while (e < ps.size() && (e == b || rows + ids[e].size() - common <= cap))
        rows += ids[e++].size() - common;
      std::vector<kv_cache<float>> caches;
      caches.reserve(e - b);
      std::vector<sequence_step<float>> steps;
      for (std::size_t i = b; i < e; ++i) {
        caches.push_back(fork_prefix(work_, common, ids[i].size() + longest_option(ps[i].options)));
        steps.push_back(
            {&caches.back(), ids[i].data() + common, ids[i].size() - common, output_rows::last});
      }
      const forward_result r = m_.forward(steps, {false, opt_.pool});
      counters_.computed_tokens += rows;
      for (std::size_t i = b; i < e; ++i) {
        count_prompt(ids[i], ps[i].options);
        const std::uint64_t before = scorer_.stats().forward_tokens;
        out.push_back(scorer_.score_options(caches[i - b], r.hidden_row(r.last_row(i - b)),
                                            ps[i].options, names));
        counters_.computed_tokens += scorer_.stats().forward_tokens - before;
      }
      b = e;
    }
    return out;
  }

  // Greedy generation after the prompt, matched against `labels` (generate.hpp).
  template <class Decode>
  generated_answer generate(const tokenized_prompt<std::int32_t>& p,
                            const std::vector<std::string>& labels, Decode&& decode,
                            generate_options gen = {}) {
    const std::vector<std::int32_t> ids = p.prompt();
    check_prompt(ids);
    ++counters_.prompts;
    gen.pool = opt_.pool;
    const std::size_t extra = gen.max_new_tokens;
    const float* h = opt_.share_prefixes ? run_prompt(ids, p.prefix.size(), extra)
                                         : run_from_scratch(ids, extra);
    generated_answer g = generate_answer(m_, work_, h, labels, std::forward<Decode>(decode), gen);
    // Every generated token but the last is run to produce the next one; the end-of-sequence
    // token (not in g.tokens) ends decoding after its predecessor was run.
    const bool ended_by_eos = g.tokens.size() < gen.max_new_tokens &&
                              (gen.stop.empty() || g.text.find(gen.stop) == std::string::npos);
    const std::uint64_t run = g.tokens.empty() ? 0 : g.tokens.size() - (ended_by_eos ? 0 : 1);
    counters_.computed_tokens += run;
    counters_.prompt_tokens += ids.size() + run;
    return g;
  }

 private:
  // A scored prompt in the counters: its tokens once per option, as from scratch.
  void count_prompt(const std::vector<std::int32_t>& ids, const label_option_ids& options) {
    ++counters_.prompts;
    for (const auto& o : options) counters_.prompt_tokens += ids.size() + o.size();
  }

  static std::size_t longest_option(const label_option_ids& options) {
    std::size_t n = 0;
    for (const auto& o : options) n = std::max(n, o.size());
    return n;
  }

  void check_prompt(const std::vector<std::int32_t>& ids) const {
    if (ids.empty()) throw argument_error("prompt_evaluator: empty prompt");
    const auto V = m_.config().vocab_size;
    for (const std::int32_t t : ids)
      if (t < 0 || t >= V)
        throw argument_error("prompt_evaluator: token " + std::to_string(t) +
                             " is outside the model's vocabulary [0, " + std::to_string(V) +
                             "): the tokenizer does not belong to this model");
  }

  // The working cache with room for n positions (its content kept).
  void reserve(std::size_t n) {
    if (work_.n_layers() != 0 && work_.capacity() >= n) return;
    const std::size_t cap = std::max(n, work_.capacity() + work_.capacity() / 2);
    if (work_.n_layers() == 0 || work_.size() == 0)
      work_ = m_.new_cache(cap);
    else
      work_ = fork_prefix(work_, work_.size(), cap);
  }

  // Runs `ids` with sharing (steps 1–3 of the file comment); `store` = tokens of its exemplar
  // prefix; `extra` = positions the continuation needs. Returns the last position's hidden state.
  const float* run_prompt(const std::vector<std::int32_t>& ids, std::size_t store,
                          std::size_t extra) {
    const std::size_t n = ids.size();
    run_prefix(ids, n, std::min(store, n), extra);
    return last_.hidden_row(0);
  }

  // Makes the working cache hold ids[0, n): keeps its common prefix with them, copies what the
  // tree stores beyond that, runs the rest (keeping the last position's output in last_ when
  // n = ids.size()), and stores ids[0, store) in the tree.
  void run_prefix(const std::vector<std::int32_t>& ids, std::size_t n, std::size_t store,
                  std::size_t extra) {
    const std::size_t limit = std::min(n, ids.size() - 1);  // the last token is always run
    reserve(n + extra);
    std::size_t have = std::min(work_.size(), work_tokens_.size());
    std::size_t keep = 0;
    while (keep < have && keep < limit && work_tokens_[keep] == ids[keep]) ++keep;
    work_.truncate(keep);
    const std::size_t stored = std::min(tree_.match(ids.data(), limit), limit);
    if (stored > keep) {
      tree_.copy_to(ids.data(), keep, stored, work_);
      keep = stored;
    }
    if (keep < n) {
      const std::vector<std::int32_t> tail(ids.begin() + static_cast<std::ptrdiff_t>(keep),
                                           ids.begin() + static_cast<std::ptrdiff_t>(n));
      last_ = m_.forward(work_, tail, n == ids.size() ? output_rows::last : output_rows::none,
                         {false, opt_.pool});
      counters_.computed_tokens += tail.size();
    }
    work_tokens_.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(n));
    if (store > 0) tree_.insert(ids.data(), store, work_);
  }

  // Runs `ids` in an emptied working cache.
  const float* run_from_scratch(const std::vector<std::int32_t>& ids, std::size_t extra) {
    reserve(ids.size() + extra);
    work_.truncate(0);
    work_tokens_.clear();
    last_ = m_.forward(work_, ids, output_rows::last, {false, opt_.pool});
    counters_.computed_tokens += ids.size();
    work_tokens_ = ids;
    return last_.hidden_row(0);
  }

  model m_;
  evaluator_options opt_;
  label_scorer<> scorer_;
  prefix_tree<float> tree_;
  kv_cache<float> work_;
  std::vector<std::int32_t> work_tokens_;  // the tokens whose rows work_ holds
  forward_result last_;
  evaluator_counters counters_;
};

}  // namespace flipside

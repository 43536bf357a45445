// Evaluating one cell of the sweep (cell.hpp): for each chosen eval example, the prompt its
// label policy, k and seed make (prompt_builder), tokenized as a whole (tokenize_prompt), scored by
// the prompt evaluator (label-logit or generate mode; optionally with contextual calibration), and
// one example_record — prediction, renormalised label probabilities, the class a flip-follower
// would answer.
//
// Contextual calibration (Zhao et al. 2021) needs p_cf per exemplar set: the same prompt asked
// about each content-free input. The content-free prompts share the real prompts' prefix, so they
// cost a query each; with shared exemplars they are computed once per cell.
//
// With shared exemplars and label-logit scoring the cell's queries are scored in batches
// (prompt_evaluator::score_batch): every query continues the same exemplar prefix.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/cell.hpp>
#include <flipside/eval/prompt_evaluator.hpp>
#include <flipside/eval/run_inputs.hpp>
#include <flipside/eval/run_settings.hpp>
#include <flipside/prompt/exemplar_sampler.hpp>
#include <flipside/prompt/label_policy.hpp>
#include <flipside/prompt/prompt_builder.hpp>
#include <flipside/prompt/tokenized_prompt.hpp>
#include <flipside/scoring/calibration.hpp>
#include <flipside/scoring/content_free.hpp>
#include <flipside/scoring/generate.hpp>

namespace flipside {

namespace detail {

template <class Sampling>
void run_cell_prompts(prompt_evaluator& ev, const tokenizer& tok, const run_task& task,
                      const cell_key& key, const run_settings& st, cell_result& out,
                      const std::function<void(std::uint64_t)>& on_tokens) {
  prompt_config cfg;
  cfg.tmpl = st.prompt_format();
  cfg.policy = parse_label_policy(key.policy);
  cfg.k_per_class = static_cast<std::size_t>(key.k);
  cfg.seed = key.seed;
  const prompt_builder<Sampling> build(task.data, st.eval_split, cfg);
  const auto encode = [&](const std::string& text) {
    return tok.encode(text, encode_options{true, true});
  };
  const std::size_t n_fields = task.data.task.field_names.size();
  std::map<std::string, contextual_calibration> calibrations;  // by prompt prefix text
  generate_options gen;
  gen.max_new_tokens = st.max_new_tokens;
  gen.stop = "\n";
  if (const auto eos = tok.eos()) gen.eos = *eos;
  const auto decode = [&](const std::vector<std::int32_t>& ids) { return tok.decode(ids); };

  // A label-logit record from the prompt's scores (calibrated when the cell says so).
  const auto label_record = [&](const assembled_prompt& p, option_scores s, example_record& r) {
    if (key.calibrated) {
      auto it = calibrations.find(p.prefix);
      if (it == calibrations.end()) {
        std::vector<option_scores> cf;
        for (const auto& input : st.content_free) {
          const assembled_prompt q = content_free_prompt(p, cfg.tmpl, input, n_fields);
          cf.push_back(ev.score(tokenize_prompt(q, encode), p.label_words));
        }
        it = calibrations.emplace(p.prefix, contextual_calibration::from_content_free(cf)).first;
      }
      s = it->second.apply(std::move(s));
    }
    r.predicted = s.predicted;
    r.probs = s.probs;
  };
  const auto new_record = [&](std::size_t i, const assembled_prompt& p) {
    example_record r;
    r.index = static_cast<std::int64_t>(i);
    r.gold = p.gold;
    r.flipped = p.num_flipped() > 0 ? p.flipped_target : no_flip;
    return r;
  };

  // Shared exemplars, label-logit: the queries of the cell share the whole exemplar prefix, so
  // they are scored in batches (prompt_evaluator::score_batch), one forward call per group.
  constexpr bool shared = std::is_same_v<Sampling, shared_per_seed>;
  if (shared && key.scoring == scoring_mode::label_logit) {
    constexpr std::size_t chunk = 64;  // eval examples per score_batch call (progress granularity)
    const auto& idx = task.eval_indices;
    for (std::size_t b = 0; b < idx.size(); b += chunk) {
      const std::uint64_t before = ev.counters().computed_tokens;
      const std::size_t e = std::min(idx.size(), b + chunk);
      std::vector<assembled_prompt> ps;
      std::vector<tokenized_prompt<std::int32_t>> tps;
      for (std::size_t j = b; j < e; ++j) {
        ps.push_back(build(idx[j]));
        tps.push_back(tokenize_prompt(ps.back(), encode));
      }
      std::vector<option_scores> scores = ev.score_batch(tps, ps.front().label_words);
      for (std::size_t j = b; j < e; ++j) {
        example_record r = new_record(idx[j], ps[j - b]);
        label_record(ps[j - b], std::move(scores[j - b]), r);
        out.records.push_back(std::move(r));
      }
      if (on_tokens) on_tokens(ev.counters().computed_tokens - before);
    }
    return;
  }

  for (const std::size_t i : task.eval_indices) {
    const std::uint64_t before = ev.counters().computed_tokens;
    const assembled_prompt p = build(i);
    const tokenized_prompt<std::int32_t> tp = tokenize_prompt(p, encode);
    example_record r = new_record(i, p);
    if (key.scoring == scoring_mode::label_logit) {
      label_record(p, ev.score(tp, p.label_words), r);
    } else {
      const generated_answer g = ev.generate(tp, p.label_words, decode, gen);
      r.predicted = g.label == no_label_match ? out_of_set : g.label;
      r.output = g.answer;
    }
    out.records.push_back(std::move(r));
    if (on_tokens) on_tokens(ev.counters().computed_tokens - before);
  }
}

}  // namespace detail

// The cell's records and timing (key, classes, records, timing; the caller adds the fingerprint
// and shard tags). `on_tokens(n)` is called after each eval example with the tokens it computed.
inline cell_result run_cell(prompt_evaluator& ev, const tokenizer& tok, const run_task& task,
                            const cell_key& key, const run_settings& st,
                            const std::function<void(std::uint64_t)>& on_tokens = {}) {
  if (key.calibrated && key.scoring != scoring_mode::label_logit)
    throw argument_error("contextual calibration applies to label-logit scoring only");
  if (key.calibrated && st.content_free.empty())
    throw argument_error("contextual calibration needs at least one content-free input");
  const auto t0 = std::chrono::steady_clock::now();
  const evaluator_counters c0 = ev.counters();
  cell_result out;
  out.key = key;
  out.classes = task.data.task.class_names;
  if (st.sampling == exemplar_sampling::shared)
    detail::run_cell_prompts<shared_per_seed>(ev, tok, task, key, st, out, on_tokens);
  else
    detail::run_cell_prompts<fresh_per_example>(ev, tok, task, key, st, out, on_tokens);
  const evaluator_counters& c1 = ev.counters();
  out.timing.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.timing.prompts = c1.prompts - c0.prompts;
  out.timing.prompt_tokens = c1.prompt_tokens - c0.prompt_tokens;
  out.timing.computed_tokens = c1.computed_tokens - c0.computed_tokens;
  return out;
}

}  // namespace flipside

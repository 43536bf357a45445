// Generate mode: greedy decoding after the prompt and an exact match of the answer against the
// label strings (answer_match.hpp) — how the paper appears to have scored (Wei et al. 2023), and
// the only mode in which a model can answer outside the label set.
//
//   t_1 = argmax ℓ(h_0),  t_{i+1} = argmax ℓ(h_i)     (full-vocabulary logits; ties → lowest id,
//                                                      like torch.argmax and
//                                                      model::generate_greedy)
//
// Decoding stops after max_new_tokens tokens, at the end-of-sequence token (not part of the text),
// or as soon as the decoded text contains the stop string (the answer is complete). The text is
// decoded from all generated tokens at once each step, so characters split across tokens come out
// whole. The caller's cache ends as it started; when it lacks the capacity, a compact fork is used.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <flipside/attention/kv_cache.hpp>
#include <flipside/core/error.hpp>
#include <flipside/model/model.hpp>
#include <flipside/parallel/thread_pool.hpp>
#include <flipside/scoring/answer_match.hpp>
#include <flipside/scoring/kv_fork.hpp>

namespace flipside {

struct generate_options {
  std::size_t max_new_tokens = 16;
  std::string stop = "\n";  // see answer_match.hpp; "" = no stop string
  std::int32_t eos = -1;    // end-of-sequence id (e.g. tokenizer::eos()); −1: none
  thread_pool* pool = nullptr;
};

struct generated_answer {
  std::vector<std::int32_t> tokens;  // generated ids, the end-of-sequence token excluded
  std::string text;                  // decode(tokens)
  std::string answer;                // extract_answer(text, stop)
  int label = no_label_match;        // match_label(answer, labels)

  bool in_label_set() const noexcept { return label != no_label_match; }
};

// `cache` holds the whole prompt and `hidden` is its last position's final hidden state.
// `decode` is any callable vector<int32_t> → std::string (e.g. a tokenizer's decode).
template <class E, class Decode>
generated_answer generate_answer(const model& m, kv_cache<E>& cache, const float* hidden,
                                 const std::vector<std::string>& labels, Decode&& decode,
                                 const generate_options& opt = {}) {
  if (cache.size() == 0) throw argument_error("generate_answer: the cache holds no prompt");
  if (hidden == nullptr) throw argument_error("generate_answer: null hidden state");
  const std::size_t n = cache.size();
  const std::size_t V = static_cast<std::size_t>(m.config().vocab_size);
  const std::size_t need = n + (opt.max_new_tokens > 0 ? opt.max_new_tokens - 1 : 0);
  kv_cache<E> fork;
  kv_cache<E>* c = &cache;
  if (cache.capacity() < need) {
    fork = fork_prefix(cache, n, need);
    c = &fork;
  }
  detail::cache_restore<E> restore{cache, n};

  generated_answer g;
  std::vector<float> row(V);
  m.logits(hidden, 1, row.data(), opt.pool);
  const float* logits = row.data();
  forward_result r;
  while (g.tokens.size() < opt.max_new_tokens) {
    const auto next = static_cast<std::int32_t>(std::max_element(logits, logits + V) - logits);
    if (next == opt.eos) break;
    g.tokens.push_back(next);
    g.text = decode(g.tokens);
    if (!opt.stop.empty() && g.text.find(opt.stop) != std::string::npos) break;
    if (g.tokens.size() == opt.max_new_tokens) break;
    r = m.forward(*c, std::vector<std::int32_t>{next}, output_rows::last, {true, opt.pool});
    logits = r.logits_row(0);
  }
  g.answer = extract_answer(g.text, opt.stop);
  g.label = match_label(g.answer, labels);
  return g;
}

// `cache` holds a prefix of the prompt (possibly nothing) and `tail` the rest (≥ 1 token).
template <class E, class Decode>
generated_answer generate_answer(const model& m, kv_cache<E>& cache,
                                 const std::vector<std::int32_t>& tail,
                                 const std::vector<std::string>& labels, Decode&& decode,
                                 const generate_options& opt = {}) {
  if (tail.empty()) throw argument_error("generate_answer: empty prompt tail");
  const std::size_t n0 = cache.size();
  detail::cache_restore<E> restore{cache, n0};
  const forward_result r = m.forward(cache, tail, output_rows::last, {false, opt.pool});
  return generate_answer(m, cache, r.hidden_row(0), labels, std::forward<Decode>(decode), opt);
}

// From scratch: the whole prompt in a new f32 cache.
template <class Decode>
generated_answer generate_answer(const model& m, const std::vector<std::int32_t>& prompt,
                                 const std::vector<std::string>& labels, Decode&& decode,
                                 const generate_options& opt = {}) {
  auto cache = m.new_cache(prompt.size() + opt.max_new_tokens);
  return generate_answer(m, cache, prompt, labels, std::forward<Decode>(decode), opt);
}

}  // namespace flipside

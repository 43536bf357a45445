// The built-in demonstration model, step by step: what `flipside run` evaluates when no model is
// given, and why its answers are known in advance.
//
// Wei et al. 2023 ("Larger language models do in-context learning differently", arXiv 2303.03846)
// show few-shot prompts whose exemplar labels are flipped ("great" → Negative). Small models keep
// answering from what they learned in pre-training (their semantic prior); large models follow the
// flipped labels and can be pushed below chance. The demo models reproduce both behaviours with two
// hand-wired circuits in a 2-layer GPT-2-architecture transformer (weights set by hand, NOT a
// trained language model; include/flipside/demo/demo_model.hpp has the full construction):
//
//   layer 1, "nearest sentiment word" head: every position copies the valence v = ±1 of the latest
//            sentiment word at or before it — a label token now knows its exemplar's input valence,
//            and the query's final ":" knows the query's;
//   layer 2, "label copy" head (induction-style): the final position attends to the label tokens of
//            the exemplars whose valence matches the query's, and copies which labels they show;
//   unembedding: logit(label) = γ·(share of those exemplars showing it) ± α·v + 20
//            (+α·v for " Positive", −α·v for " Negative": the prior; nothing for " Foo"/" Bar").
//
// So with n matching exemplars of which f are flipped, the correct label wins iff
// γ·(n − 2f)/n + 2α > 0: a model with γ < 2α never follows flipped labels, one with γ > 2α follows
// them once more than (1 + 2α/γ)/2 of the matching exemplars are flipped.
//
// Build and run: cmake --build build --target example_override_demo && build/examples/override_demo
#include <cstdio>
#include <string>
#include <vector>

#include <flipside/demo.hpp>
#include <flipside/prompt.hpp>
#include <flipside/scoring/label_scorer.hpp>
#include <flipside/tokenizer/load_gguf.hpp>

using namespace flipside;

int main() {
  // 1. The task: single sentiment words, "Negative" / "Positive" (32 train + 8 test words a class).
  const dataset data = demo_task();
  std::printf("demo task: %zu train words, %zu test words\n", data.train.size(), data.test.size());
  // demo task: 64 train words, 16 test words

  // 2. A prompt: k = 2 exemplars per class, all labels flipped, test word 0.
  prompt_config cfg;
  cfg.k_per_class = 2;
  cfg.policy = parse_label_policy("flip:100");
  const prompt_builder<fresh_per_example> build(data, split::test, cfg);
  const assembled_prompt p = build(0);
  std::printf("--- prompt (all exemplar labels flipped) ---\n%s%s\n---\n", p.prefix.c_str(),
              p.query.c_str());
  // --- prompt (all exemplar labels flipped) ---
  // Input: brilliant
  // Output: Negative
  //
  // Input: fabulous
  // Output: Negative
  //
  // Input: wretched
  // Output: Positive
  //
  // Input: shoddy
  // Output: Positive
  //
  // Input: amazing
  // Output:
  // ---

  // 3. The models: the same circuits at three strengths (α = prior, γ = context).
  for (const demo_strength& s : demo_strengths()) {
    const model m = load_demo_model(s);  // a GGUF image built in memory, loaded by the runtime
    const tokenizer tok = tokenizer_from_gguf(*m.gguf());  // its own BPE vocabulary
    const auto tp = tokenize_prompt(p, [&](const std::string& t) { return tok.encode(t); });
    label_scorer<> scorer(m);
    const option_scores sc = scorer.score(tp);
    // For one-token options the unnormalised log-probabilities are the label logits.
    const double v = p.gold == 1 ? 1.0 : -1.0;  // the query's valence
    // Both matching exemplars (the positive words) show the flipped label: share 1 for it.
    const double want_neg = s.context * (p.gold == 1 ? 1.0 : 0.0) - s.prior * v + 20;
    const double want_pos = s.context * (p.gold == 1 ? 0.0 : 1.0) + s.prior * v + 20;
    std::printf("%-13s Negative %.3f (analytic %.3f), Positive %.3f (analytic %.3f) -> %s\n",
                s.name.c_str(), sc.log_probs[0], want_neg, sc.log_probs[1], want_pos,
                p.label_words[std::size_t(sc.predicted)].c_str());
  }
  // demo-prior    Negative 20.500 (analytic 20.500), Positive 21.000 (analytic 21.000) -> Positive
  // demo-balanced Negative 21.350 (analytic 21.350), Positive 21.000 (analytic 21.000) -> Negative
  // demo-context  Negative 26.300 (analytic 26.300), Positive 21.000 (analytic 21.000) -> Negative

  // 4. Accuracy vs % flipped labels, k = 16, all 16 test words (what `flipside run` sweeps).
  std::printf("\naccuracy at k = 16:   0%%    25%%    50%%    75%%   100%%   SUL\n");
  for (const demo_strength& s : demo_strengths()) {
    const model m = load_demo_model(s);
    const tokenizer tok = tokenizer_from_gguf(*m.gguf());
    label_scorer<> scorer(m);
    std::printf("%-20s", s.name.c_str());
    for (const char* policy : {"gold", "flip:25", "flip:50", "flip:75", "flip:100", "sul"}) {
      prompt_config c;
      c.k_per_class = 16;
      c.policy = parse_label_policy(policy);
      const prompt_builder<fresh_per_example> b(data, split::test, c);
      int correct = 0;
      for (std::size_t i = 0; i < b.size(); ++i) {
        const assembled_prompt q = b(i);
        const auto tq = tokenize_prompt(q, [&](const std::string& t) { return tok.encode(t); });
        correct += scorer.score(tq).predicted == q.gold;
      }
      std::printf(" %5.1f", 100.0 * correct / double(b.size()));
    }
    std::printf("\n");
  }
  // accuracy at k = 16:   0%    25%    50%    75%   100%   SUL
  // demo-prior           100.0 100.0 100.0 100.0 100.0 100.0
  // demo-balanced        100.0 100.0 100.0 100.0   0.0 100.0
  // demo-context         100.0 100.0 100.0   6.2   0.0 100.0
  // (`flipside run` sweeps the same with several seeds and k values, and writes the report)
  return 0;
}

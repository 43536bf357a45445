// flipped_prompt — the same 4-shot SST-2 prompt under the label policies of Wei et al. 2023
// ("Larger language models do in-context learning differently"): gold labels, 50 % flipped,
// 100 % flipped, and semantically unrelated labels (Foo/Bar).
//
//   usage: flipped_prompt [DATA_DIR]      (default: the shared data directory, ../shared/data)
//
// The exemplars (2 per class, from the train split) and their order depend only on the seed, so
// all four prompts show the same sentences; only the label words change. A model that reads the
// labels as evidence should answer "Positive" for the negative query below under 100 % flipped
// labels (the paper's "override"); a model that relies on what it learned in pre-training keeps
// answering "Negative".
//
// clang-format off
// Expected output (SST-2 from "Calibrate Before Use", seed 2, test example 0):
//
//   === gold (0 of 4 labels flipped) ===
//   Input: -lrb- swimfan -rrb- falls victim to sloppy plotting , an insultingly unbelievable final act and a villainess who is too crazy to be interesting .
//   Output: Negative Sentiment
//
//   Input: i love the robust middle of this picture .
//   Output: Positive Sentiment
//
//   Input: like its script , which nurses plot holes gaping enough to pilot an entire olympic swim team through , the characters in swimfan seem motivated by nothing short of dull , brain-deadening hangover .
//   Output: Negative Sentiment
//
//   Input: based on dave barry 's popular book of the same name , the movie benefits from having a real writer plot out all of the characters ' moves and overlapping story .
//   Output: Positive Sentiment
//
//   Input: no movement , no yuks , not much of anything .
//   Output:
//   --- options: " Negative Sentiment" (gold) | " Positive Sentiment"
//
//   === flip:50 (2 of 4 labels flipped) ===
//   Input: -lrb- swimfan -rrb- falls victim to sloppy plotting , an insultingly unbelievable final act and a villainess who is too crazy to be interesting .
//   Output: Negative Sentiment
//
//   Input: i love the robust middle of this picture .
//   Output: Negative Sentiment
//
//   Input: like its script , which nurses plot holes gaping enough to pilot an entire olympic swim team through , the characters in swimfan seem motivated by nothing short of dull , brain-deadening hangover .
//   Output: Positive Sentiment
//
//   Input: based on dave barry 's popular book of the same name , the movie benefits from having a real writer plot out all of the characters ' moves and overlapping story .
//   Output: Positive Sentiment
//
//   Input: no movement , no yuks , not much of anything .
//   Output:
//   --- options: " Negative Sentiment" (gold) | " Positive Sentiment"
//
//   === flip:100 (4 of 4 labels flipped) ===
//   Input: -lrb- swimfan -rrb- falls victim to sloppy plotting , an insultingly unbelievable final act and a villainess who is too crazy to be interesting .
//   Output: Positive Sentiment
//
//   Input: i love the robust middle of this picture .
//   Output: Negative Sentiment
//
//   Input: like its script , which nurses plot holes gaping enough to pilot an entire olympic swim team through , the characters in swimfan seem motivated by nothing short of dull , brain-deadening hangover .
//   Output: Positive Sentiment
//
//   Input: based on dave barry 's popular book of the same name , the movie benefits from having a real writer plot out all of the characters ' moves and overlapping story .
//   Output: Negative Sentiment
//
//   Input: no movement , no yuks , not much of anything .
//   Output:
//   --- options: " Negative Sentiment" (gold) | " Positive Sentiment"
//
//   === sul (0 of 4 labels flipped) ===
//   Input: -lrb- swimfan -rrb- falls victim to sloppy plotting , an insultingly unbelievable final act and a villainess who is too crazy to be interesting .
//   Output: Foo
//
//   Input: i love the robust middle of this picture .
//   Output: Bar
//
//   Input: like its script , which nurses plot holes gaping enough to pilot an entire olympic swim team through , the characters in swimfan seem motivated by nothing short of dull , brain-deadening hangover .
//   Output: Foo
//
//   Input: based on dave barry 's popular book of the same name , the movie benefits from having a real writer plot out all of the characters ' moves and overlapping story .
//   Output: Bar
//
//   Input: no movement , no yuks , not much of anything .
//   Output:
//   --- options: " Foo" (gold) | " Bar"
// clang-format on
#include <cstdio>
#include <exception>
#include <string>

#include <flipside/data.hpp>
#include <flipside/prompt.hpp>

int main(int argc, char** argv) {
  const std::string data_dir =
      argc > 1 ? argv[1] : std::string(FLIPSIDE_SHARED_DIR_DEFAULT) + "/data";
  try {
    const flipside::dataset sst2 = flipside::load_builtin_dataset("sst2", data_dir);

    for (const char* policy : {"gold", "flip:50", "flip:100", "sul"}) {
      flipside::prompt_config cfg;
      cfg.policy = flipside::parse_label_policy(policy);
      cfg.k_per_class = 2;  // 2 per class = 4 exemplars
      cfg.seed = 2;
      const flipside::prompt_builder<> build(sst2, flipside::split::test, cfg);
      const flipside::assembled_prompt p = build(0);  // the first test sentence

      std::printf("=== %s (%zu of %zu labels flipped) ===\n%s%s\n--- options:", policy,
                  p.num_flipped(), p.exemplars.size(), p.prefix.c_str(), p.query.c_str());
      for (std::size_t c = 0; c < p.options.size(); ++c) {
        std::printf("%s \"%s\"%s", c ? " |" : "", p.options[c].c_str(),
                    static_cast<int>(c) == p.gold ? " (gold)" : "");
      }
      std::printf("\n\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "flipped_prompt: %s\n"
                 "usage: flipped_prompt [DATA_DIR]  (a directory with sst2/stsa.binary.{train,dev,"
                 "test}; default %s/data)\n",
                 e.what(), FLIPSIDE_SHARED_DIR_DEFAULT);
    return 1;
  }
  return 0;
}

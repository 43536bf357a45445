// Helpers for the eval tests: synthetic cells with known predictions and scratch directories.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_dir.hpp"

#include <flipside/eval/cell.hpp>

namespace eval_test {

using flipside::test::scratch_dir;
using flipside::test::slurp;
using flipside::test::spit;

inline flipside::fingerprint fp_for(const flipside::cell_key& k) {
  return {"model-" + k.model, "data-" + k.task, "settings-1", "code-0.1.0"};
}

// A binary cell of n records: example i has gold i % 2; the first `correct` examples are predicted
// correctly, the rest wrongly. Flip-labelled policies set `flipped` to the other class.
inline flipside::cell_result make_cell(flipside::cell_key key, int n, int correct) {
  flipside::cell_result c;
  c.key = std::move(key);
  c.fp = fp_for(c.key);
  c.classes = {"negative", "positive"};
  const bool flipped = c.key.policy.rfind("flip:", 0) == 0 && c.key.policy != "flip:0";
  for (int i = 0; i < n; ++i) {
    flipside::example_record r;
    r.index = i;
    r.gold = i % 2;
    r.predicted = i < correct ? r.gold : 1 - r.gold;
    r.flipped = flipped ? 1 - r.gold : flipside::no_flip;
    const double p = 0.25 + 0.5 * (r.predicted == 1);
    r.probs = {1 - p, p};
    c.records.push_back(r);
  }
  c.timing = {0.5, static_cast<std::uint64_t>(n), 1000u * static_cast<std::uint64_t>(n),
              100u * static_cast<std::uint64_t>(n)};
  return c;
}

// A small grid: 2 models × 2 tasks × {gold, flip:50, flip:100, sul} × k {4, 8} × seeds {0, 1}.
inline std::vector<flipside::cell_key> small_grid() {
  std::vector<flipside::cell_key> keys;
  for (const char* m : {"a.gguf", "b.gguf+lora:ad@0.5"})
    for (const char* t : {"sst2", "subj"})
      for (const char* p : {"gold", "flip:50", "flip:100", "sul"})
        for (int k : {4, 8})
          for (std::uint64_t s : {0u, 1u}) {
            flipside::cell_key key;
            key.model = m;
            key.task = t;
            key.policy = p;
            key.k = k;
            key.seed = s;
            keys.push_back(key);
          }
  return keys;
}

}  // namespace eval_test

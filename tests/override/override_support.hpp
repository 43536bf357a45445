// Helpers for the override-benchmark tests: scratch directories, a small demo-model sweep, and the
// demo models' analytic answer for a prompt (include/flipside/demo/demo_model.hpp).
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_dir.hpp"

#include <flipside/demo/demo_model.hpp>
#include <flipside/eval/sweep.hpp>
#include <flipside/prompt/assembled_prompt.hpp>

namespace override_test {

using flipside::test::scratch_dir;
using flipside::test::slurp;
using flipside::test::spit;

// A small demo sweep: two models, the demo task, gold / 75 % / 100 % flipped / SUL, k 2 and 8,
// two seeds; silent, single-threaded, no report.
inline flipside::sweep_request small_demo_sweep(const std::filesystem::path& out) {
  flipside::sweep_request rq;
  rq.grid.models = {"demo-prior", "demo-context"};
  rq.grid.tasks = {"demo"};
  rq.grid.policies = {"gold", "flip:75", "flip:100", "sul"};
  rq.grid.ks = {2, 8};
  rq.grid.seeds = {0, 1};
  rq.settings.threads = 1;
  rq.out = out;
  rq.log = nullptr;
  rq.write_report = false;
  return rq;
}

// The class a demo model predicts for prompt p, from its construction: with n exemplars whose
// input has the query's valence, f of them showing the flipped label, the correct label wins
// iff γ·(n − 2f)/n + 2α > 0 (task words: α = prior weight; unrelated words carry no prior, α = 0).
inline int demo_answer(const flipside::demo_strength& s, const flipside::assembled_prompt& p,
                       bool task_words) {
  int n = 0, f = 0;
  for (const auto& e : p.exemplars) {
    if (e.true_class != p.gold) continue;
    ++n;
    if (e.flipped()) ++f;
  }
  const double alpha = task_words ? s.prior : 0.0;
  const double margin = s.context * double(n - 2 * f) / double(n) + 2 * alpha;
  return margin > 0 ? p.gold : 1 - p.gold;
}

// cells by canonical key
inline std::map<std::string, flipside::cell_result> by_key(
    const std::vector<flipside::cell_result>& cells) {
  std::map<std::string, flipside::cell_result> m;
  for (const auto& c : cells) m.emplace(c.key.canonical(), c);
  return m;
}

}  // namespace override_test

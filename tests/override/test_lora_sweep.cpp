// End to end with a real (tiny) model and a LoRA adapter (issue 8): `flipside run --model BASE
// --model BASE+lora:ADAPTER@0 … @0.5 … @1` on ../shared/golden/hf/llama_lora (a random 3-layer
// llama and a PEFT adapter, the references of tests/model/test_lora.cpp). Its vocabulary has 1024
// ids and no tokenizer, so the run uses the demo task with the demo vocabulary (< 1024 tokens)
// written as a GGUF tokenizer file and given as --tokenizer.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include <flipside/demo/demo_vocabulary.hpp>
#include <flipside/eval/aggregate.hpp>
#include <flipside/eval/cell_set.hpp>
#include <flipside/eval/override_summary.hpp>
#include <flipside/eval/results_reader.hpp>
#include <flipside/eval/scale_sweep.hpp>
#include <flipside/io/gguf_writer.hpp>
#include <flipside/model/model.hpp>

#include "override_support.hpp"
#include "shared_data.hpp"

using namespace flipside;
using override_test::scratch_dir;

namespace {

// The cell's coordinates without the model.
std::string lora_sweep_cell(const cell_key& k) {
  cell_key c = k;
  c.model.clear();
  return c.canonical();
}

double max_prob_diff(const cell_result& a, const cell_result& b) {
  double d = 0;
  REQUIRE(a.records.size() == b.records.size());
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    REQUIRE(a.records[i].probs.size() == b.records[i].probs.size());
    for (std::size_t c = 0; c < a.records[i].probs.size(); ++c)
      d = std::max(d, std::fabs(a.records[i].probs[c] - b.records[i].probs[c]));
  }
  return d;
}

}  // namespace

TEST_CASE("LoRA scale sweep on a golden model: same cells for every model, @0 is the base") {
  FLIPSIDE_SHARED_OR_SKIP(dir, "golden/hf/llama_lora");
  scratch_dir tmp("lora");
  // The demo vocabulary as a GGUF tokenizer file (its ids fit the model's 1024-row embedding).
  const demo_vocabulary vocab = build_demo_vocabulary();
  REQUIRE(vocab.pieces.size() <= 1024);
  {
    gguf_writer w;
    vocab.write_metadata(w);
    w.write(tmp / "demo-tokenizer.gguf");
  }

  const std::string base = dir.string(), lora = base + "+lora:" + (dir / "adapter").string();
  sweep_request rq;
  rq.grid.models = {base, lora + "@0", lora + "@0.5", lora + "@1"};
  rq.grid.tasks = {"demo"};
  rq.grid.policies = {"gold", "flip:100", "sul"};
  rq.grid.ks = {2, 4};
  rq.grid.seeds = {0};
  rq.settings.tokenizer = (tmp / "demo-tokenizer.gguf").string();
  rq.settings.threads = 1;
  rq.out = tmp / "out";
  rq.log = nullptr;
  const sweep_outcome r = run_sweep(rq);
  REQUIRE(r.cells_run == 4 * 3 * 2);
  const results_log log = read_results(r.results);
  REQUIRE(log.cells.size() == r.cells_run);

  // Every model saw the same cells: the same coordinates, eval examples and flipped mappings,
  // and the same prompts (as many prompt tokens).
  std::map<std::string, std::map<std::string, cell_result>> by_model;
  for (const cell_result& c : log.cells) by_model[c.key.model][lora_sweep_cell(c.key)] = c;
  REQUIRE(by_model.size() == 4);
  const auto& ref = by_model.at(base);
  REQUIRE(ref.size() == 6);
  for (const auto& m : by_model) {
    INFO(m.first);
    REQUIRE(m.second.size() == ref.size());
    for (const auto& kv : m.second) {
      REQUIRE(ref.count(kv.first));
      const cell_result& a = kv.second;
      const cell_result& b = ref.at(kv.first);
      REQUIRE(a.records.size() == 16);
      REQUIRE(a.records.size() == b.records.size());
      CHECK(a.timing.prompt_tokens == b.timing.prompt_tokens);
      for (std::size_t i = 0; i < a.records.size(); ++i) {
        CHECK(a.records[i].index == b.records[i].index);
        CHECK(a.records[i].gold == b.records[i].gold);
        CHECK(a.records[i].flipped == b.records[i].flipped);
      }
    }
  }

  // The adapter at scale 0 is the base model, exactly; at 0.5 and 1 it moves every cell's
  // probabilities (the adapter changes these logits by up to ~6), by more at full strength.
  for (const auto& kv : ref) {
    INFO(kv.first);
    CHECK(by_model.at(lora + "@0").at(kv.first).records == kv.second.records);
    const double half = max_prob_diff(by_model.at(lora + "@0.5").at(kv.first), kv.second);
    const double full = max_prob_diff(by_model.at(lora + "@1").at(kv.first), kv.second);
    CHECK(half > 1e-3);
    CHECK(full > 1e-3);
  }

  // The report: one scale sweep (0, 0.5, 1) with its plot and table.
  std::map<std::string, std::string> files(r.report.files.begin(), r.report.files.end());
  REQUIRE(files.count("override_vs_scale.svg"));
  const std::string& svg = files.at("override_vs_scale.svg");
  CHECK(svg.find("adapter scale") != std::string::npos);
  CHECK(svg.find("flip-following, 100 % flipped") != std::string::npos);
  const std::string md = override_test::slurp(tmp / "out" / "report.md");
  CHECK(md.find("(override_vs_scale.svg)") != std::string::npos);
  const auto table = md.find("## Override vs LoRA adapter scale");
  REQUIRE(table != std::string::npos);
  for (const char* row : {"| llama_lora+adapter | demo | label-logit | 0 |",
                          "| llama_lora+adapter | demo | label-logit | 0.5 |",
                          "| llama_lora+adapter | demo | label-logit | 1 |"})
    CHECK(md.find(row, table) != std::string::npos);
  // Side by side: every model has its row in the override summary.
  for (const char* name : {"| llama_lora | demo |", "| llama_lora+adapter@0 | demo |",
                           "| llama_lora+adapter@0.5 |", "| llama_lora+adapter@1 |"})
    CHECK(md.find(name) != std::string::npos);

  // The sweep the report draws: scales in order; at 0 the base's numbers.
  std::vector<override_summary> summaries;
  {
    cell_set set;
    for (const auto& c : log.cells) set.insert(c, "results.jsonl");
    summaries = summarize_override(aggregate_over_seeds(set.sorted()));
  }
  const auto sweeps = find_scale_sweeps(summaries);
  REQUIRE(sweeps.size() == 1);
  REQUIRE(sweeps[0].by_scale.size() == 3);
  CHECK(sweeps[0].by_scale[0].first == 0.0);
  CHECK(sweeps[0].by_scale[1].first == 0.5);
  CHECK(sweeps[0].by_scale[2].first == 1.0);
  for (const auto& s : summaries)
    if (s.model == base) {
      REQUIRE(sweeps[0].by_scale[0].second.flip100);
      CHECK(sweeps[0].by_scale[0].second.flip100->correct == s.flip100->correct);
      CHECK(sweeps[0].by_scale[0].second.flip100->flip_followed == s.flip100->flip_followed);
    }
}

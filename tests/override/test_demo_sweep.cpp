// End to end on the built-in demo models: every prediction of a sweep equals the models' analytic
// answer (demo_model.hpp), and the headline numbers of the paper's picture come out exactly.
#include <catch2/catch.hpp>

#include <flipside/eval/cell_metrics.hpp>
#include <flipside/eval/results_reader.hpp>
#include <flipside/prompt/prompt_builder.hpp>

#include "override_support.hpp"

using namespace flipside;
using override_test::scratch_dir;

TEST_CASE("demo sweep: every prediction is the demo model's analytic answer") {
  scratch_dir dir("e2e");
  sweep_request rq = override_test::small_demo_sweep(dir.path);
  rq.write_report = true;
  const sweep_outcome r = run_sweep(rq);
  REQUIRE(r.cells_in_grid == 2 * 4 * 2 * 2);
  REQUIRE(r.cells_run == r.cells_in_grid);
  const results_log log = read_results(r.results);
  REQUIRE(log.cells.size() == r.cells_in_grid);
  REQUIRE(!log.recovered());

  const dataset data = demo_task();
  const auto eval = select_eval_examples(data.test, 2, rq.settings.eval_n);
  REQUIRE(eval.size() == 16);  // the demo task's whole test split
  std::size_t checked = 0;
  for (const cell_result& c : log.cells) {
    const demo_strength s = *find_demo_strength(c.key.model);
    prompt_config cfg;
    cfg.policy = parse_label_policy(c.key.policy);
    cfg.k_per_class = static_cast<std::size_t>(c.key.k);
    cfg.seed = c.key.seed;
    const prompt_builder<fresh_per_example> build(data, split::test, cfg);
    REQUIRE(c.records.size() == eval.size());
    for (const example_record& rec : c.records) {
      const assembled_prompt p = build(static_cast<std::size_t>(rec.index));
      INFO(c.key.canonical() << " example " << rec.index);
      CHECK(rec.gold == p.gold);
      CHECK(rec.predicted == override_test::demo_answer(s, p, !is_sul_policy(c.key.policy)));
      REQUIRE(rec.probs.size() == 2);
      CHECK(rec.probs[0] + rec.probs[1] == Approx(1.0));
      ++checked;
    }
    // Prefix sharing computed fewer tokens than the prompts and options hold.
    CHECK(c.timing.computed_tokens < c.timing.prompt_tokens);
  }
  CHECK(checked == r.cells_in_grid * 16);

  // The report files exist.
  for (const char* f : {"summary.csv", "report.md"}) CHECK(std::filesystem::file_size(dir / f) > 0);
}

TEST_CASE("demo sweep: the paper's picture, exactly") {
  scratch_dir dir("picture");
  sweep_request rq = override_test::small_demo_sweep(dir.path);
  rq.grid.models = {"demo-prior", "demo-context"};
  rq.grid.policies = {"gold", "flip:100", "sul"};
  rq.grid.ks = {4};
  rq.grid.seeds = {0};
  run_sweep(rq);
  const auto cells = override_test::by_key(read_results(dir / "results.jsonl").cells);
  auto acc = [&](const std::string& model, const std::string& policy) {
    const cell_key k{model, "demo", policy, 4, 0, scoring_mode::label_logit, false};
    return compute_metrics(cells.at(k.canonical())).accuracy();
  };
  // Gold labels and SUL: both models are always right.
  CHECK(acc("demo-prior", "gold") == 1.0);
  CHECK(acc("demo-context", "gold") == 1.0);
  CHECK(acc("demo-prior", "sul") == 1.0);
  CHECK(acc("demo-context", "sul") == 1.0);
  // All labels flipped: the prior-dominated model keeps its prior (γ = 1.5 < 2α), the
  // context-dominated one follows every flipped label (γ = 7.3 > 2α).
  CHECK(acc("demo-prior", "flip:100") == 1.0);
  CHECK(acc("demo-context", "flip:100") == 0.0);
  const cell_key k{"demo-context", "demo", "flip:100", 4, 0, scoring_mode::label_logit, false};
  CHECK(compute_metrics(cells.at(k.canonical())).flip_following() == 1.0);
}

TEST_CASE("demo sweep: sharing on and off give the same predictions; sharing computes less") {
  for (const auto sampling : {exemplar_sampling::shared, exemplar_sampling::fresh}) {
    INFO("sampling " << to_string(sampling));
    scratch_dir on("on"), off("off");
    sweep_request a = override_test::small_demo_sweep(on.path);
    a.grid.models = {"demo-balanced"};
    a.grid.ks = {8};
    a.grid.seeds = {0};
    a.settings.sampling = sampling;
    sweep_request b = a;
    b.out = off.path;
    b.settings.share_prefixes = false;
    const sweep_outcome ra = run_sweep(a), rb = run_sweep(b);
    const auto ca = read_results(on / "results.jsonl").cells;
    const auto cb = override_test::by_key(read_results(off / "results.jsonl").cells);
    REQUIRE(ca.size() == cb.size());
    for (const auto& c : ca) {
      const cell_result& d = cb.at(c.key.canonical());
      REQUIRE(c.records.size() == d.records.size());
      for (std::size_t i = 0; i < c.records.size(); ++i) {
        CHECK(c.records[i].predicted == d.records[i].predicted);
        for (std::size_t j = 0; j < 2; ++j)
          CHECK(c.records[i].probs[j] == Approx(d.records[i].probs[j]).margin(1e-6));
      }
      CHECK(c.timing.prompt_tokens == d.timing.prompt_tokens);
    }
    // Off: every option of every prompt from scratch; an option's last token is never run (its
    // log-probability comes from the position before it), and the demo's options are one token.
    CHECK(rb.work.computed_tokens + 2 * rb.work.prompts == rb.work.prompt_tokens);
    CHECK(rb.tree.reused_tokens == 0);
    if (sampling == exemplar_sampling::shared) {
      // One exemplar prefix per seed: only queries are new.
      CHECK(ra.work.computed_tokens * 5 < rb.work.computed_tokens);
    } else {
      // Fresh exemplars: prompts of one eval example share their text across flip ratios up to
      // the first changed label, found in the tree (the cells run one after the other).
      CHECK(ra.tree.reused_tokens > 0);
      CHECK(ra.work.computed_tokens * 2 < rb.work.computed_tokens);
    }
  }
}

TEST_CASE("demo sweep: generate mode answers the label words and stops at the newline") {
  scratch_dir dir("generate");
  sweep_request rq = override_test::small_demo_sweep(dir.path);
  rq.grid.models = {"demo-context"};
  rq.grid.policies = {"gold", "flip:100"};
  rq.grid.ks = {4};
  rq.grid.seeds = {0};
  rq.grid.scorings = {scoring_mode::generate};
  run_sweep(rq);
  const auto cells = read_results(dir / "results.jsonl").cells;
  REQUIRE(cells.size() == 2);
  for (const auto& c : cells) {
    const cell_metrics m = compute_metrics(c);
    CHECK(m.n_out_of_set == 0);
    CHECK(m.accuracy() == (c.key.policy == "gold" ? 1.0 : 0.0));
    for (const auto& rec : c.records) CHECK((rec.output == "Positive" || rec.output == "Negative"));
  }
}

TEST_CASE("demo sweep: calibrated cells ask three content-free prompts per exemplar set") {
  for (const auto sampling : {exemplar_sampling::fresh, exemplar_sampling::shared}) {
    scratch_dir dir("calibrated");
    sweep_request rq = override_test::small_demo_sweep(dir.path);
    rq.grid.models = {"demo-context"};
    rq.grid.policies = {"gold"};
    rq.grid.ks = {4};
    rq.grid.seeds = {0};
    rq.grid.calibrations = {false, true};
    rq.settings.sampling = sampling;
    run_sweep(rq);
    const auto cells = read_results(dir / "results.jsonl").cells;
    REQUIRE(cells.size() == 2);
    for (const auto& c : cells) {
      const std::uint64_t sets = sampling == exemplar_sampling::fresh ? 16 : 1;
      CHECK(c.timing.prompts == 16 + (c.key.calibrated ? 3 * sets : 0));
      for (const auto& rec : c.records) CHECK(rec.probs[0] + rec.probs[1] == Approx(1.0));
    }
  }
}

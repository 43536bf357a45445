#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include <flipside/eval/grid.hpp>
#include <flipside/eval/merge.hpp>
#include <flipside/eval/results_writer.hpp>
#include <flipside/eval/shard.hpp>

#include "eval_support.hpp"

using namespace flipside;

TEST_CASE("shards partition the grid: every cell exactly once, groups kept together") {
  const auto grid = eval_test::small_grid();  // 64 cells, 16 sharing groups
  for (std::size_t n = 1; n <= 9; ++n) {
    std::map<std::string, int> seen;
    std::map<std::string, std::set<std::size_t>> group_shards;
    std::vector<std::size_t> sizes;
    for (std::size_t i = 0; i < n; ++i) {
      const auto part = select_shard(grid, {i, n});
      sizes.push_back(part.size());
      for (const auto& k : part) {
        ++seen[k.canonical()];
        group_shards[shard_group(k)].insert(i);
      }
    }
    CHECK(seen.size() == grid.size());
    for (const auto& kv : seen) CHECK(kv.second == 1);
    for (const auto& kv : group_shards) CHECK(kv.second.size() == 1);
    // Round-robin over 16 groups of 4 cells: shard sizes differ by at most one group.
    const auto mm = std::minmax_element(sizes.begin(), sizes.end());
    CHECK(*mm.second - *mm.first <= 4);
  }
}

TEST_CASE("shard assignment is independent of the grid's order and pinned across platforms") {
  auto grid = eval_test::small_grid();
  const auto a = shard_assignment(grid, 3);
  std::map<std::string, std::size_t> by_key;
  for (std::size_t i = 0; i < grid.size(); ++i) by_key[grid[i].canonical()] = a[i];
  std::reverse(grid.begin(), grid.end());
  std::rotate(grid.begin(), grid.begin() + 17, grid.end());
  const auto b = shard_assignment(grid, 3);
  for (std::size_t i = 0; i < grid.size(); ++i) CHECK(b[i] == by_key[grid[i].canonical()]);
  // Sorted groups: a.gguf|sst2|4|0, a.gguf|sst2|4|1, a.gguf|sst2|8|0, … dealt 0, 1, 2, 0, …
  CHECK(by_key["a.gguf|sst2|gold|4|0|label-logit|uncal"] == 0);
  CHECK(by_key["a.gguf|sst2|sul|4|1|label-logit|uncal"] == 1);
  CHECK(by_key["a.gguf|sst2|flip:50|8|0|label-logit|uncal"] == 2);
  CHECK(by_key["a.gguf|subj|flip:100|4|0|label-logit|uncal"] == 1);  // 5th group → 4 mod 3
  CHECK(shard_plan_hash(grid, 3) == shard_plan_hash(eval_test::small_grid(), 3));
  CHECK(shard_plan_hash(grid, 3) != shard_plan_hash(grid, 4));
}

TEST_CASE("shard_spec parses i/n and rejects the rest") {
  CHECK(shard_spec::parse("0/4").index == 0);
  CHECK(shard_spec::parse("3/4").count == 4);
  CHECK(shard_spec::parse("3/4").str() == "3/4");
  for (const char* bad : {"4/4", "1", "a/b", "-1/4", "1/0", "/4", "1/", " 1/4"})
    CHECK_THROWS_AS(shard_spec::parse(bad), argument_error);
}

namespace {
cell_result cell_for(const cell_key& k) {
  const int correct = static_cast<int>(std::hash<std::string>{}(k.canonical()) % 11);
  return eval_test::make_cell(k, 10, correct);
}
}  // namespace

TEST_CASE("merging shard outputs equals the single-run file") {
  eval_test::scratch_dir dir("merge");
  const auto grid = eval_test::small_grid();
  {
    results_writer single(dir / "single.jsonl", results_open::create);
    for (const auto& k : grid) single.append(cell_for(k));
  }
  const std::size_t n = 3;
  std::vector<std::filesystem::path> inputs;
  const std::string plan = shard_plan_hash(grid, n);
  for (std::size_t i = 0; i < n; ++i) {
    inputs.push_back(dir / ("shard" + std::to_string(i) + ".jsonl"));
    results_writer w(inputs.back(), results_open::create);
    for (const auto& k : select_shard(grid, {i, n})) {
      cell_result c = cell_for(k);
      c.shard = shard_spec{i, n}.str();
      c.plan = plan;
      w.append(c);
    }
  }
  // Shard 1 given twice: identical duplicates are dropped.
  inputs.push_back(inputs[1]);
  const merge_stats st = merge_results(inputs, dir / "merged.jsonl");
  CHECK(st.cells_written == grid.size());
  CHECK(st.duplicates == select_shard(grid, {1, n}).size());
  CHECK(st.warnings.empty());

  auto sorted_lines = [](const std::string& text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const auto nl = text.find('\n', pos);
      lines.push_back(text.substr(pos, nl - pos));
      pos = nl + 1;
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  CHECK(sorted_lines(eval_test::slurp(dir / "merged.jsonl")) ==
        sorted_lines(eval_test::slurp(dir / "single.jsonl")));

  // A missing shard is reported.
  const merge_stats partial = merge_results({inputs[0], inputs[2]}, dir / "partial.jsonl");
  REQUIRE(partial.warnings.size() == 1);
  CHECK(partial.warnings[0].find("shard(s) 1 of 3") != std::string::npos);
}

TEST_CASE("merge refuses mismatched fingerprints and conflicting duplicates") {
  eval_test::scratch_dir dir("merge-refuse");
  const auto grid = eval_test::small_grid();
  auto write = [&](const std::string& name, const std::vector<cell_result>& cells) {
    results_writer w(dir / name, results_open::create);
    for (const auto& c : cells) w.append(c);
    return dir / name;
  };
  const auto a = write("a.jsonl", {cell_for(grid[0]), cell_for(grid[1])});
  cell_result other_settings = cell_for(grid[2]);
  other_settings.fp.settings = "settings-2";
  const auto b = write("b.jsonl", {other_settings});
  CHECK_THROWS_WITH(
      merge_results({a, b}, dir / "out.jsonl"),
      Catch::Contains("fingerprint mismatch (settings)") && Catch::Contains("b.jsonl: line 1"));
  cell_result other_model = cell_for(grid[2]);  // same model id as grid[0], other file
  other_model.fp.model = "model-changed";
  const auto c = write("c.jsonl", {other_model});
  CHECK_THROWS_WITH(merge_results({a, c}, dir / "out.jsonl"),
                    Catch::Contains("fingerprint mismatch (model)"));
  cell_result other_data = cell_for(grid[2]);
  other_data.fp.data = "data-changed";
  CHECK_THROWS_WITH(merge_results({a, write("d.jsonl", {other_data})}, dir / "out.jsonl"),
                    Catch::Contains("(data)"));
  cell_result conflicting = cell_for(grid[1]);
  conflicting.records[0].predicted = 1 - conflicting.records[0].predicted;
  CHECK_THROWS_WITH(merge_results({a, write("e.jsonl", {conflicting})}, dir / "out.jsonl"),
                    Catch::Contains("conflicting results"));
  CHECK_FALSE(std::filesystem::exists(dir / "out.jsonl"));
  // Same cell, different timing: identical evaluation, deduplicated.
  cell_result retimed = cell_for(grid[1]);
  retimed.timing.seconds = 99;
  const auto st = merge_results({a, write("f.jsonl", {retimed})}, dir / "out.jsonl");
  CHECK(st.duplicates == 1);
  CHECK(st.cells_written == 2);
}

TEST_CASE("grid_spec enumerates every combination once, sharing groups contiguous") {
  grid_spec g;
  g.models = {"a.gguf", "b.gguf"};
  g.tasks = {"sst2", "trec"};
  g.policies = {"gold", "flip:50", "flip:100", "sul"};
  g.ks = {4, 16};
  g.seeds = {0, 1, 2};
  g.calibrations = {false, true};
  const auto cells = g.cells();
  CHECK(cells.size() == 2u * 2 * 4 * 2 * 3 * 2);
  std::set<std::string> unique;
  for (const auto& c : cells) unique.insert(c.canonical());
  CHECK(unique.size() == cells.size());
  // Each (model, task, k, seed) group is one contiguous run of 4 policies × 2 calibrations.
  std::set<std::string> closed;
  std::string current;
  for (const auto& c : cells) {
    const std::string grp = shard_group(c);
    if (grp != current) {
      CHECK(closed.insert(grp).second);
      current = grp;
    }
  }
  CHECK(closed.size() == 2u * 2 * 2 * 3);
  CHECK(cells.front() ==
        cell_key{"a.gguf", "sst2", "gold", 4, 0, scoring_mode::label_logit, false});
  g.seeds = {1, 1};
  CHECK_THROWS_AS(g.cells(), argument_error);
  g.seeds = {};
  CHECK_THROWS_AS(g.cells(), argument_error);
}

// Crash safety and cluster use of `flipside run` (sweep.hpp) on the demo models: a results.jsonl
// cut mid-line by a crash resumes to the same results with no duplicate cell, and the shards of a
// sweep merged together equal the single run.
#include <catch2/catch.hpp>

#include <set>

#include <flipside/eval/merge.hpp>
#include <flipside/eval/results_reader.hpp>

#include "override_support.hpp"

using namespace flipside;
using override_test::scratch_dir;

namespace {

void require_same_cells(const std::vector<cell_result>& a, const std::vector<cell_result>& b) {
  REQUIRE(a.size() == b.size());
  const auto mb = override_test::by_key(b);
  std::set<std::string> seen;
  for (const auto& c : a) {
    INFO(c.key.canonical());
    CHECK(seen.insert(c.key.canonical()).second);  // no duplicates
    REQUIRE(mb.count(c.key.canonical()) == 1);
    CHECK(c.same_evaluation(mb.at(c.key.canonical())));
  }
}

}  // namespace

TEST_CASE("resume after a crash that tore the last line of results.jsonl") {
  scratch_dir ref("ref"), crash("crash");
  const sweep_outcome full = run_sweep(override_test::small_demo_sweep(ref.path));
  const std::vector<cell_result> expected = read_results(ref / "results.jsonl").cells;

  // The crash: the first 5 cells complete, the 6th cut in the middle of its line.
  const std::string text = override_test::slurp(ref / "results.jsonl");
  std::size_t end = 0;
  for (int i = 0; i < 5; ++i) end = text.find('\n', end) + 1;
  const std::size_t sixth = text.find('\n', end) + 1;
  override_test::spit(crash / "results.jsonl", text.substr(0, end + (sixth - end) / 2));

  sweep_request rq = override_test::small_demo_sweep(crash.path);
  // Without --resume the half-finished run is not clobbered.
  CHECK_THROWS_WITH(run_sweep(rq), Catch::Contains("--resume"));
  rq.resume = true;
  const sweep_outcome r = run_sweep(rq);
  CHECK(r.cells_resumed == 5);
  CHECK(r.cells_run == full.cells_run - 5);
  const results_log log = read_results(crash / "results.jsonl");
  CHECK(!log.recovered());
  require_same_cells(log.cells, expected);

  // Resuming a finished run does nothing.
  const sweep_outcome again = run_sweep(rq);
  CHECK(again.cells_run == 0);
  CHECK(read_results(crash / "results.jsonl").cells.size() == expected.size());
}

TEST_CASE("resume refuses results computed with other settings") {
  scratch_dir dir("settings");
  sweep_request rq = override_test::small_demo_sweep(dir.path);
  rq.grid.models = {"demo-prior"};
  rq.grid.ks = {2};
  rq.grid.seeds = {0};
  run_sweep(rq);
  rq.resume = true;
  rq.settings.eval_n = 8;  // a setting that changes numbers
  CHECK_THROWS_WITH(run_sweep(rq), Catch::Contains("settings"));
}

TEST_CASE("shards of a sweep merged equal the single run") {
  scratch_dir single("single"), s0("shard0"), s1("shard1"), s2("shard2"), merged("merged");
  run_sweep(override_test::small_demo_sweep(single.path));
  const auto expected = read_results(single / "results.jsonl").cells;
  std::vector<std::filesystem::path> parts;
  std::size_t total = 0;
  const scratch_dir* dirs[] = {&s0, &s1, &s2};
  for (std::size_t i = 0; i < 3; ++i) {
    sweep_request rq = override_test::small_demo_sweep(dirs[i]->path);
    rq.shard = shard_spec{i, 3};
    const sweep_outcome r = run_sweep(rq);
    total += r.cells_run;
    for (const auto& c : read_results(dirs[i]->path / "results.jsonl").cells)
      CHECK(c.shard == std::to_string(i) + "/3");
    parts.push_back(dirs[i]->path / "results.jsonl");
  }
  CHECK(total == expected.size());
  const merge_stats st = merge_results(parts, merged / "results.jsonl");
  CHECK(st.warnings.empty());
  CHECK(st.duplicates == 0);
  require_same_cells(read_results(merged / "results.jsonl").cells, expected);
}

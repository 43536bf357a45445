// `flipside run` as a library call: a grid of cells (grid.hpp), optionally one shard of it
// (shard.hpp), minus the cells a resumed results.jsonl already holds (resume.hpp), evaluated in
// grid order — model, task, k and seed outermost, so one exemplar set's prompts stay hot in the
// prefix tree — each finished cell appended durably to results.jsonl (results_writer.hpp) with
// its fingerprint, a progress display on stderr (progress.hpp), and at the end the report files
// (report.hpp) regenerated from the whole results.jsonl.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/cell_runner.hpp>
#include <flipside/eval/fingerprint.hpp>
#include <flipside/eval/grid.hpp>
#include <flipside/eval/progress.hpp>
#include <flipside/eval/prompt_evaluator.hpp>
#include <flipside/eval/report.hpp>
#include <flipside/eval/results_writer.hpp>
#include <flipside/eval/resume.hpp>
#include <flipside/eval/run_inputs.hpp>
#include <flipside/eval/run_settings.hpp>
#include <flipside/eval/shard.hpp>
#include <flipside/eval/throughput.hpp>
#include <flipside/parallel/thread_pool.hpp>

namespace flipside {

struct sweep_request {
  grid_spec grid;
  run_settings settings;
  std::filesystem::path out = "results";
  std::optional<shard_spec> shard;
  bool resume = false;
  bool overwrite = false;    // start results.jsonl afresh (otherwise an existing one is an error)
  bool write_report = true;  // summary.csv, report.md, SVGs after the run
  std::FILE* log = stderr;   // messages and progress; nullptr: silent
  int tty = -1;              // progress display: -1 ask isatty, 0 plain lines, 1 bar
};

struct sweep_outcome {
  std::size_t cells_in_grid = 0;  // the whole grid
  std::size_t cells_mine = 0;     // this shard's
  std::size_t cells_resumed = 0;  // already in results.jsonl
  std::size_t cells_run = 0;
  throughput work;         // of the cells run now
  prefix_tree_stats tree;  // summed over models
  double seconds = 0;
  std::filesystem::path results;  // results.jsonl
  report_files report;            // when written
};

inline sweep_outcome run_sweep(const sweep_request& rq) {
  namespace fs = std::filesystem;
  const auto t0 = std::chrono::steady_clock::now();
  auto say = [&](const std::string& s) {
    if (rq.log) std::fprintf(rq.log, "%s\n", s.c_str());
  };
  sweep_outcome res;
  const std::vector<cell_key> all = rq.grid.cells();
  for (const auto& c : all)
    if (c.calibrated && c.scoring != scoring_mode::label_logit)
      throw argument_error("contextual calibration applies to label-logit scoring only (cell " +
                           c.canonical() + ")");
  res.cells_in_grid = all.size();
  const std::vector<cell_key> mine = rq.shard ? select_shard(all, *rq.shard) : all;
  res.cells_mine = mine.size();
  const std::string plan = rq.shard ? shard_plan_hash(all, rq.shard->count) : std::string();

  // Fingerprints (no model is loaded for these).
  const std::string settings_fp = rq.settings.fingerprint();
  const std::string code_fp = code_fingerprint();
  std::map<std::string, std::string> model_fp;
  for (const auto& m : rq.grid.models) model_fp[m] = run_model_fingerprint(m);
  std::map<std::string, run_task> tasks;
  for (const auto& t : rq.grid.tasks) tasks.emplace(t, load_run_task(t, rq.settings));
  auto expected = [&](const cell_key& k) -> std::optional<fingerprint> {
    if (!model_fp.count(k.model) || !tasks.count(k.task)) return std::nullopt;
    return fingerprint{model_fp.at(k.model), tasks.at(k.task).fingerprint, settings_fp, code_fp};
  };

  fs::create_directories(rq.out);
  res.results = rq.out / "results.jsonl";
  const results_open mode = rq.resume      ? results_open::append
                            : rq.overwrite ? results_open::overwrite
                                           : results_open::create;
  std::unique_ptr<results_writer> writer;
  try {
    writer = std::make_unique<results_writer>(res.results, mode);
  } catch (const error& e) {
    if (mode == results_open::create && fs::exists(res.results))
      throw error(res.results.string() +
                  " already holds results: add --resume to finish that run, --overwrite to "
                  "start again, or choose another --out directory");
    throw;
  }
  std::set<std::string> done;
  if (rq.resume) {
    if (writer->existing().recovered())
      say("flipside run: " + writer->existing().recovery_message());
    done = finished_cells(writer->existing(), expected);
  }
  std::vector<cell_key> todo;
  for (const auto& c : mine)
    if (!done.count(c.canonical())) todo.push_back(c);
  res.cells_resumed = mine.size() - todo.size();

  say("flipside run: " + std::to_string(all.size()) + " cells (" +
      std::to_string(rq.grid.models.size()) + " model(s) x " +
      std::to_string(rq.grid.tasks.size()) + " task(s) x " +
      std::to_string(rq.grid.policies.size()) + " policies x " + std::to_string(rq.grid.ks.size()) +
      " k x " + std::to_string(rq.grid.seeds.size()) + " seed(s)" +
      (rq.grid.scorings.size() * rq.grid.calibrations.size() > 1
           ? " x " + std::to_string(rq.grid.scorings.size() * rq.grid.calibrations.size()) +
                 " scoring variants"
           : std::string()) +
      ")" + (rq.shard ? ", shard " + rq.shard->str() + ": " + std::to_string(mine.size()) : "") +
      (res.cells_resumed ? ", " + std::to_string(res.cells_resumed) + " already done" : "") +
      "; results in " + rq.out.string() + "/");
  for (const auto& t : rq.grid.tasks) {
    const run_task& rt = tasks.at(t);
    say("  task " + t + ": " + std::to_string(rt.eval_indices.size()) + " eval examples (" +
        to_string(rq.settings.eval_split) + " split), " + std::to_string(rt.data.train.size()) +
        " train examples, classes " + std::to_string(rt.data.task.num_classes()) + ", " +
        to_string(rq.settings.sampling) + " exemplars per " +
        (rq.settings.sampling == exemplar_sampling::fresh ? "eval example" : "seed"));
  }

  thread_pool pool(rq.settings.threads);
  progress_reporter progress(mine.size(), res.cells_resumed, rq.log, rq.log ? rq.tty : 0);
  std::unique_ptr<run_model> current;
  std::unique_ptr<prompt_evaluator> ev;
  auto add_tree = [&] {
    if (!ev) return;
    const prefix_tree_stats& s = ev->tree_stats();
    res.tree.lookups += s.lookups;
    res.tree.reused_tokens += s.reused_tokens;
    res.tree.stored_tokens += s.stored_tokens;
    res.tree.evicted_tokens += s.evicted_tokens;
    res.tree.peak_bytes = std::max(res.tree.peak_bytes, s.peak_bytes);
  };
  for (const cell_key& key : todo) {
    if (!current || current->id != key.model) {
      add_tree();
      ev.reset();
      current.reset();
      if (rq.log && progress.is_tty()) std::fprintf(rq.log, "\r\x1b[K");
      current = std::make_unique<run_model>(load_run_model(key.model, rq.settings));
      say("  model " + current->description);
      evaluator_options eo;
      eo.share_prefixes = rq.settings.share_prefixes;
      eo.max_tree_bytes = rq.settings.max_tree_bytes;
      eo.pool = &pool;
      ev = std::make_unique<prompt_evaluator>(current->weights, eo);
    }
    cell_result cell = run_cell(*ev, current->tok, tasks.at(key.task), key, rq.settings,
                                [&](std::uint64_t n) { progress.add_tokens(n); });
    cell.fp = *expected(key);
    if (rq.shard) {
      cell.shard = rq.shard->str();
      cell.plan = plan;
    }
    writer->append(cell);
    res.work.add(cell.timing);
    ++res.cells_run;
    progress.advance(1, 0);
  }
  add_tree();
  progress.finish();
  writer.reset();  // releases the lock before the report reads the file
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (rq.write_report && fs::file_size(res.results) > 0)
    res.report = write_report(res.results, rq.out);
  return res;
}

}  // namespace flipside

// `flipside run`: the ICL-override benchmark (Wei et al. 2023, arXiv 2303.03846). With no
// arguments it runs the built-in demonstration models (hand-built two-layer transformers, not
// pretrained language models) on the demo word task, end to end through the real tokenizer,
// prompt assembly, runtime, scorer and reports. With --model it runs real models over the paper's
// grid. Everything goes to --out: results.jsonl (one line per finished cell, resumable),
// summary.csv, report.md and SVG plots.
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <flipside/demo/demo_model.hpp>
#include <flipside/eval/aggregate.hpp>
#include <flipside/eval/cell_set.hpp>
#include <flipside/eval/override_summary.hpp>
#include <flipside/eval/results_reader.hpp>
#include <flipside/eval/sweep.hpp>

#include "command.hpp"

namespace {

struct run_args {
  std::vector<std::string> models, tasks, policies, scorings;
  std::string data_dir = std::string(FLIPSIDE_SHARED_DIR_DEFAULT) + "/data";
  int k = 16;
  std::vector<int> k_sweep;
  std::size_t eval_n = 100;
  std::size_t seeds = 1;
  std::uint64_t first_seed = 0;
  std::size_t threads = 0;
  std::string out = "results";
  std::string shard;
  bool resume = false, overwrite = false, no_sharing = false, no_report = false;
  bool lenient = false;
  std::string sampling = "fresh";
  std::string tmpl = "paper";
  std::string instruction;
  std::string split = "test";
  std::string calibration = "off";
  std::string tokenizer;
  std::size_t cache_mb = 2048;
  std::size_t max_new_tokens = 16;
  std::uint64_t eval_seed = 0;
};

const std::vector<std::string>& paper_policies() {
  static const std::vector<std::string> p{"gold",    "flip:25",  "flip:50",
                                          "flip:75", "flip:100", "sul"};
  return p;
}

// Comma-separated values in one or several occurrences of an option.
std::vector<std::string> split_list(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

// --model values: comma lists split like split_list, except a demo model's own comma
// ("demo:ALPHA,GAMMA" given as one value).
std::vector<std::string> split_models(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    if (flipside::is_demo_model(s)) {
      out.push_back(s);
      continue;
    }
    for (auto& m : split_list({s})) out.push_back(std::move(m));
  }
  return out;
}

std::string pct(double v) {
  if (v != v) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%5.1f%%", 100 * v);
  return b;
}

void print_summary(const flipside::sweep_outcome& r) {
  using namespace flipside;
  const results_log log = read_results(r.results);
  cell_set set;
  for (std::size_t i = 0; i < log.cells.size(); ++i) set.insert(log.cells[i], "results.jsonl");
  if (set.size() == 0) return;
  const auto summaries = summarize_override(aggregate_over_seeds(set.sorted()));
  std::printf("\n%-24s %-8s %-18s %4s %8s %8s %8s  %-9s %s\n", "model", "task", "scoring", "k",
              "gold", "100%flip", "SUL", "override", "majority follows flips at k");
  for (const auto& s : summaries) {
    std::string ok = "-";
    if (s.flip100) ok = s.significantly_overrides() ? "yes (sig)" : s.overrides() ? "yes" : "no";
    std::string speed = s.flipped_by_k.empty() ? "-"
                        : s.override_k         ? std::to_string(*s.override_k)
                                               : "never";
    std::printf("%-24s %-8s %-18s %4d %8s %8s %8s  %-9s %s\n", s.model.c_str(), s.task.c_str(),
                s.variant.name().c_str(), s.k, pct(s.accuracy0()).c_str(),
                pct(s.accuracy100()).c_str(), pct(s.sul_accuracy()).c_str(), ok.c_str(),
                speed.c_str());
  }
}

void setup_run(CLI::App& sub) {
  auto a = std::make_shared<run_args>();
  sub.add_option("--model", a->models,
                 "Model: a GGUF file or a Hugging Face model directory (repeat or comma-separate "
                 "for several), or a demo model: demo-prior, demo-balanced, demo-context, "
                 "demo:ALPHA,GAMMA. Default: the three demo models (not pretrained LLMs)");
  sub.add_option("--task", a->tasks,
                 "Tasks, comma-separated: sst2 subj trec fp ethos rte cb agnews rt qqp, "
                 "linear[:N], demo. Default: demo for demo models, else the paper's "
                 "sst2,subj,trec,fp,ethos,rte");
  sub.add_option("--data-dir", a->data_dir, "Directory with one subdirectory per dataset")
      ->capture_default_str();
  sub.add_option(
      "--policy", a->policies,
      "Label policies, comma-separated (gold, flip:P, flip-indep:P, random, sul, "
      "sul:letters, sul+flip:P, ...). Default: gold,flip:25,flip:50,flip:75,flip:100,sul");
  sub.add_option("--k", a->k, "Exemplars per class (the paper: 16)")->capture_default_str();
  sub.add_option("--k-sweep", a->k_sweep,
                 "Several k values, comma-separated (e.g. 1,2,4,8,16,32); replaces --k")
      ->delimiter(',');
  sub.add_option("--eval-n", a->eval_n,
                 "Eval examples per cell (a class-balanced subset; all when the split is smaller)")
      ->capture_default_str();
  sub.add_option("--seeds", a->seeds, "Number of seeds (exemplar draws): seeds 0 ... N-1")
      ->capture_default_str();
  sub.add_option("--first-seed", a->first_seed, "First seed")->capture_default_str();
  sub.add_option("--threads", a->threads, "Threads (0: one per hardware thread)")
      ->capture_default_str();
  sub.add_option("--out", a->out, "Output directory")->capture_default_str();
  sub.add_option("--shard", a->shard,
                 "Run shard i of n (0-based i/n) of the grid; combine with `flipside merge`");
  sub.add_flag("--resume", a->resume, "Continue the run in --out: skip its finished cells");
  sub.add_flag("--overwrite", a->overwrite, "Start --out/results.jsonl afresh");
  sub.add_option("--sampling", a->sampling,
                 "fresh (new exemplars per eval example, the paper's) or shared (one set per seed)")
      ->capture_default_str();
  sub.add_option("--template", a->tmpl,
                 "paper, qa, question, arrow, or a string with {input} and {label} (\\n allowed)")
      ->capture_default_str();
  sub.add_option("--instruction", a->instruction, "Text before the exemplars (\\n allowed)");
  sub.add_option("--split", a->split, "Eval split: test, dev or train")->capture_default_str();
  sub.add_option("--scoring", a->scorings,
                 "label-logit (argmax over the label options) and/or generate (greedy decoding, "
                 "exact match). Default: label-logit");
  sub.add_option("--calibration", a->calibration,
                 "Contextual calibration (Zhao et al. 2021): off, on, or both")
      ->capture_default_str();
  sub.add_option("--tokenizer", a->tokenizer,
                 "Tokenizer file or directory to use instead of the model's own");
  sub.add_flag("--no-sharing", a->no_sharing,
               "Evaluate every prompt and label option from scratch (the baseline)");
  sub.add_option("--cache-mb", a->cache_mb, "Memory bound of the prefix tree's KV blocks, MiB")
      ->capture_default_str();
  sub.add_option("--max-new-tokens", a->max_new_tokens, "Generate mode: tokens per answer")
      ->capture_default_str();
  sub.add_option("--eval-seed", a->eval_seed, "Which class-balanced eval subset")
      ->capture_default_str();
  sub.add_flag("--lenient", a->lenient, "Skip and count malformed dataset lines");
  sub.add_flag("--no-report", a->no_report, "Do not write summary.csv, report.md and plots");

  // Which options the user gave (defaults differ for the demo).
  auto given = [&sub](const char* name) { return sub.get_option(name)->count() > 0; };
  sub.callback([a, given] {
    using namespace flipside;
    sweep_request rq;
    const bool demo_default = a->models.empty();
    rq.grid.models = demo_default
                         ? std::vector<std::string>{"demo-prior", "demo-balanced", "demo-context"}
                         : split_models(a->models);
    bool all_demo = true;
    for (const auto& m : rq.grid.models) all_demo = all_demo && is_demo_model(m);
    rq.grid.tasks = !a->tasks.empty() ? split_list(a->tasks)
                    : all_demo
                        ? std::vector<std::string>{demo_task_name}
                        : std::vector<std::string>{"sst2", "subj", "trec", "fp", "ethos", "rte"};
    rq.grid.policies = a->policies.empty() ? paper_policies() : split_list(a->policies);
    for (auto& p : rq.grid.policies) p = parse_label_policy(p).name();  // canonical spelling
    if (!a->k_sweep.empty())
      rq.grid.ks = a->k_sweep;
    else if (all_demo && !given("--k"))
      rq.grid.ks = {1, 2, 4, 8, 16};  // the demo shows how fast each model is overridden
    else
      rq.grid.ks = {a->k};
    std::size_t n_seeds = a->seeds;
    if (all_demo && !given("--seeds")) n_seeds = 3;
    if (n_seeds == 0) throw argument_error("--seeds must be at least 1");
    rq.grid.seeds.clear();
    for (std::size_t s = 0; s < n_seeds; ++s) rq.grid.seeds.push_back(a->first_seed + s);
    rq.grid.scorings.clear();
    for (const auto& s :
         a->scorings.empty() ? std::vector<std::string>{"label-logit"} : split_list(a->scorings))
      rq.grid.scorings.push_back(parse_scoring_mode(s));
    if (a->calibration == "off")
      rq.grid.calibrations = {false};
    else if (a->calibration == "on")
      rq.grid.calibrations = {true};
    else if (a->calibration == "both")
      rq.grid.calibrations = {false, true};
    else
      throw argument_error("--calibration must be off, on or both, not '" + a->calibration + "'");

    run_settings& st = rq.settings;
    st.data_dir = a->data_dir;
    st.eval_split = parse_split(a->split);
    st.eval_n = a->eval_n;
    st.eval_seed = a->eval_seed;
    st.template_name = a->tmpl;
    st.instruction = a->instruction;
    st.sampling = parse_exemplar_sampling(a->sampling);
    st.max_new_tokens = a->max_new_tokens;
    st.lenient = a->lenient;
    st.tokenizer = a->tokenizer;
    st.share_prefixes = !a->no_sharing;
    st.max_tree_bytes = a->cache_mb << 20;
    st.threads = a->threads;
    (void)st.prompt_format();  // a bad template fails before any work

    rq.out = a->out;
    if (!a->shard.empty()) rq.shard = shard_spec::parse(a->shard);
    rq.resume = a->resume;
    rq.overwrite = a->overwrite;
    rq.write_report = !a->no_report;
    if (a->resume && a->overwrite)
      throw argument_error("--resume and --overwrite exclude each other");

    if (all_demo) {
      std::fprintf(stderr,
                   "flipside run: %s the built-in demonstration models: hand-built two-layer "
                   "transformers with a\n"
                   "  'prior' path and an in-context 'label copy' path (see "
                   "include/flipside/demo/demo_model.hpp and\n"
                   "  examples/override_demo.cpp). They are NOT pretrained language models; "
                   "their answers are known\n"
                   "  analytically. For a real model: flipside run --model MODEL.gguf --data-dir "
                   "DATA (see README.md).\n",
                   demo_default ? "no --model given, running" : "running");
      for (const auto& m : rq.grid.models)
        if (const auto s = find_demo_strength(m))
          std::fprintf(stderr, "  %-14s prior %.2f, context %.2f: %s\n", m.c_str(), s->prior,
                       s->context, s->summary.c_str());
    }
    const sweep_outcome r = run_sweep(rq);
    const throughput& w = r.work;
    std::fprintf(stderr,
                 "flipside run: %zu cells run, %zu resumed, in %.1f s; %llu prompts, %llu prompt "
                 "tokens, %llu computed (%.1fx fewer, prefix sharing %s)\n",
                 r.cells_run, r.cells_resumed, r.seconds,
                 static_cast<unsigned long long>(w.prompts),
                 static_cast<unsigned long long>(w.prompt_tokens),
                 static_cast<unsigned long long>(w.computed_tokens),
                 w.computed_tokens ? w.sharing_factor() : 1.0, st.share_prefixes ? "on" : "off");
    if (r.cells_run > 0)
      std::fprintf(stderr,
                   "  %.2f cells/s, %.1f prompts/s, %.0f computed tokens/s; prefix tree: %llu "
                   "tokens reused, %llu stored, %llu evicted, peak %.1f MiB\n",
                   w.cells_per_second(), w.prompts_per_second(), w.computed_tokens_per_second(),
                   static_cast<unsigned long long>(r.tree.reused_tokens),
                   static_cast<unsigned long long>(r.tree.stored_tokens),
                   static_cast<unsigned long long>(r.tree.evicted_tokens),
                   double(r.tree.peak_bytes) / double(1 << 20));
    for (const auto& wmsg : r.report.warnings)
      std::fprintf(stderr, "flipside run: warning: %s\n", wmsg.c_str());
    print_summary(r);
    if (!r.report.files.empty()) {
      std::printf("\nwritten to %s/: results.jsonl", a->out.c_str());
      for (const auto& f : r.report.files) std::printf(", %s", f.first.c_str());
      std::printf("\n");
    }
  });
}

const flipside::cli::command_registrar registrar{
    "run", "Run the ICL-override benchmark (no arguments: the built-in demo models)", setup_run};

}  // namespace

// `flipside prompt`: prints the prompt a model is shown for one eval example — the exact text
// (prefix + query), the label options scored as its continuations, and which exemplars were
// flipped — so that anyone can check what an experiment measures.
#include <cstdio>
#include <memory>
#include <string>

#include <flipside/data.hpp>
#include <flipside/prompt.hpp>

#include "command.hpp"

namespace {

struct prompt_args {
  std::string task;
  std::string data_dir = std::string(FLIPSIDE_SHARED_DIR_DEFAULT) + "/data";
  std::string policy = "gold";
  std::size_t k = 16;
  std::uint64_t seed = 0;
  std::size_t index = 0;
  std::string split = "test";
  std::string tmpl = "paper";
  std::string instruction;
  std::string sampling = "fresh";
  bool lenient = false;
  bool raw = false;
};

// A string as a C-style literal, so that spaces and newlines are visible.
std::string quoted(const std::string& s) {
  std::string q = "\"";
  for (const char c : s) {
    if (c == '\n') {
      q += "\\n";
    } else if (c == '\t') {
      q += "\\t";
    } else if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else {
      q += c;
    }
  }
  return q + "\"";
}

template <class Sampling>
void print_prompt(const prompt_args& a, const flipside::dataset& d, flipside::split eval_split,
                  const flipside::prompt_config& cfg) {
  const flipside::prompt_builder<Sampling> build(d, eval_split, cfg);
  const auto p = build(a.index);
  if (a.raw) {
    std::fwrite(p.prefix.data(), 1, p.prefix.size(), stdout);
    std::fwrite(p.query.data(), 1, p.query.size(), stdout);
    return;
  }
  const auto& classes = d.task.class_names;
  std::printf("# task %s, %s example %zu of %zu, k = %zu per class, seed %llu\n",
              d.task.name.c_str(), a.split.c_str(), a.index, build.size(), a.k,
              static_cast<unsigned long long>(a.seed));
  std::printf("# policy %s, sampling %s, template %s\n", cfg.policy.name().c_str(),
              build.sampling_name(), quoted(cfg.tmpl.spec()).c_str());
  std::printf("# exemplars (train index: true class -> shown label), %zu flipped:\n",
              p.num_flipped());
  for (const auto& e : p.exemplars) {
    std::printf("#   %6zu: %s -> %s%s\n", e.train_index,
                classes[static_cast<std::size_t>(e.true_class)].c_str(),
                p.label_words[static_cast<std::size_t>(e.shown_class)].c_str(),
                e.flipped() ? "  (flipped)" : "");
  }
  std::printf("# ---- the text the model sees (prefix + query) ----\n");
  std::fwrite(p.prefix.data(), 1, p.prefix.size(), stdout);
  std::fwrite(p.query.data(), 1, p.query.size(), stdout);
  std::printf("\n# ---- end ----\n# options, scored as continuations of the query (* gold):\n");
  for (std::size_t c = 0; c < p.options.size(); ++c) {
    std::printf("#   [%zu] %s%s\n", c, quoted(p.options[c]).c_str(),
                static_cast<int>(c) == p.gold ? " *" : "");
  }
}

void setup_prompt(CLI::App& sub) {
  auto a = std::make_shared<prompt_args>();
  sub.add_option("--task", a->task,
                 "Task: sst2 subj trec fp ethos rte cb agnews rt qqp, or linear[:N] (synthetic)")
      ->required();
  sub.add_option("--data-dir", a->data_dir, "Directory with one subdirectory per dataset")
      ->capture_default_str();
  sub.add_option("--policy", a->policy,
                 "Label policy: gold, flip:P, flip-indep:P, random, sul, sul:letters, "
                 "sul:numbers, sul:w0,w1,..., or sul+flip:P")
      ->capture_default_str();
  sub.add_option("--k", a->k, "Exemplars per class")->capture_default_str();
  sub.add_option("--seed", a->seed, "Seed of the exemplar and label draws")->capture_default_str();
  sub.add_option("--index", a->index, "Eval example (0-based index into the eval split)")
      ->capture_default_str();
  sub.add_option("--split", a->split, "Eval split: test, dev or train")->capture_default_str();
  sub.add_option("--template", a->tmpl,
                 "paper, qa, question, arrow, or a string with {input} and {label} (\\n allowed)")
      ->capture_default_str();
  sub.add_option("--instruction", a->instruction, "Text before the exemplars (\\n allowed)");
  sub.add_option("--sampling", a->sampling,
                 "fresh (new exemplars per eval example) or shared (one set per seed)")
      ->capture_default_str();
  sub.add_flag("--lenient", a->lenient, "Skip and count malformed dataset lines");
  sub.add_flag("--raw", a->raw, "Print only the text the model sees, nothing else");
  sub.callback([a] {
    flipside::load_options opt;
    opt.lenient = a->lenient;
    const auto d = flipside::load_task(a->task, a->data_dir, opt, a->seed);
    if (d.stats.malformed > 0) {
      std::fprintf(stderr, "flipside: %zu malformed lines skipped, e.g. %s\n", d.stats.malformed,
                   d.stats.problems.front().c_str());
    }
    flipside::prompt_config cfg;
    cfg.tmpl = flipside::template_named(a->tmpl);
    cfg.tmpl.instruction = flipside::unescape(a->instruction);
    cfg.policy = flipside::parse_label_policy(a->policy);
    cfg.k_per_class = a->k;
    cfg.seed = a->seed;
    const auto eval_split = flipside::parse_split(a->split);
    if (a->sampling == "fresh") {
      print_prompt<flipside::fresh_per_example>(*a, d, eval_split, cfg);
    } else if (a->sampling == "shared") {
      print_prompt<flipside::shared_per_seed>(*a, d, eval_split, cfg);
    } else {
      throw flipside::argument_error("--sampling must be fresh or shared, not '" + a->sampling +
                                     "'");
    }
  });
}

const flipside::cli::command_registrar registrar{
    "prompt", "Print the few-shot prompt a model is shown for one eval example", setup_prompt};

}  // namespace

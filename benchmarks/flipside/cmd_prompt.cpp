// `flipside prompt`: prints the prompt a model is shown for one eval example — the exact text
// (prefix + query), the label options scored as its continuations, and which exemplars were
// flipped — so that anyone can check what an experiment measures.
#include <cstdio>
#include <memory>
#include <string>

#include <flipside/data.hpp>
#include <flipside/prompt.hpp>
#include <flipside/tokenizer/load.hpp>

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
  std::string tokenizer;
  bool ids = false;
  bool add_special = false;
  bool parse_special = false;
};

template <class Ids>
std::string join_ids(const Ids& v) {
  std::string s;
  for (const auto id : v) {
    if (!s.empty()) s += ' ';
    s += std::to_string(id);
  }
  return s;
}

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

// The ids of prefix, query and options (cut from encodings of the full texts:
// tokenized_prompt.hpp).
void print_ids(const prompt_args& a, const flipside::assembled_prompt& p) {
  const auto tok = flipside::load_tokenizer(a.tokenizer);
  const flipside::encode_options opt{a.add_special, a.parse_special};
  const auto t =
      flipside::tokenize_prompt(p, [&](const std::string& s) { return tok.encode(s, opt); });
  if (a.raw) {
    std::printf("prefix: %s\nquery: %s\n", join_ids(t.prefix).c_str(), join_ids(t.query).c_str());
    for (std::size_t c = 0; c < t.options.size(); ++c) {
      std::printf("option %zu: %s\n", c, join_ids(t.options[c]).c_str());
    }
    return;
  }
  std::printf("# ---- token ids (%s; add_special %s, parse_special %s) ----\n",
              tok.description().c_str(), a.add_special ? "on" : "off",
              a.parse_special ? "on" : "off");
  std::printf("# prefix (%zu tokens):\n%s\n", t.prefix.size(), join_ids(t.prefix).c_str());
  std::printf("# query (%zu tokens):\n%s\n", t.query.size(), join_ids(t.query).c_str());
  std::printf("# options (continuation ids, * gold):\n");
  for (std::size_t c = 0; c < t.options.size(); ++c) {
    std::printf("#   [%zu] %s: %s%s\n", c, quoted(p.options[c]).c_str(),
                join_ids(t.options[c]).c_str(), static_cast<int>(c) == p.gold ? " *" : "");
  }
  std::printf("# boundaries: prefix|query %s, query|options %s\n",
              t.prefix_boundary_clean ? "clean" : "moved back (a merge crosses it)",
              t.option_boundary_clean ? "clean" : "moved back (a merge crosses it)");
}

template <class Sampling>
void print_prompt(const prompt_args& a, const flipside::dataset& d, flipside::split eval_split,
                  const flipside::prompt_config& cfg) {
  const flipside::prompt_builder<Sampling> build(d, eval_split, cfg);
  const auto p = build(a.index);
  if (a.raw && a.ids) return print_ids(a, p);
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
  if (a.ids) print_ids(a, p);
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
  sub.add_flag("--raw", a->raw,
               "Print only the text the model sees (with --ids: only the id lines)");
  sub.add_option("--tokenizer", a->tokenizer,
                 "tokenizer.json, a directory with it or GPT-2's encoder.json + vocab.bpe, or a "
                 ".gguf file");
  sub.add_flag("--ids", a->ids, "Also print the token ids of prefix, query and each option")
      ->needs("--tokenizer");
  sub.add_flag("--add-special", a->add_special,
               "Add the tokenizer's BOS/EOS tokens (as models "
               "are run)");
  sub.add_flag("--parse-special", a->parse_special,
               "Read special-token text in the prompt (e.g. <|im_start|>) as special tokens");
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

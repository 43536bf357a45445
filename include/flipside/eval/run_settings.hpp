// The settings of a `flipside run` besides its grid (grid.hpp): how prompts are made and scored,
// and how the work is done. The first group changes numbers and goes into every cell's settings
// fingerprint (fingerprint.hpp), so that results of different settings are never mixed; the second
// (prefix sharing, memory, threads) changes only speed and is not fingerprinted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/dataset.hpp>
#include <flipside/eval/file_identity.hpp>
#include <flipside/eval/fingerprint.hpp>
#include <flipside/prompt/template.hpp>
#include <flipside/scoring/content_free.hpp>

namespace flipside {

enum class exemplar_sampling {
  fresh,   // new exemplars for every eval example (Wei et al. 2023)
  shared,  // one exemplar set per seed for all eval examples (every prompt shares its prefix)
};

inline const char* to_string(exemplar_sampling s) {
  return s == exemplar_sampling::fresh ? "fresh" : "shared";
}

inline exemplar_sampling parse_exemplar_sampling(const std::string& s) {
  if (s == "fresh") return exemplar_sampling::fresh;
  if (s == "shared") return exemplar_sampling::shared;
  throw argument_error("--sampling must be fresh or shared, not '" + s + "'");
}

struct run_settings {
  // --- fingerprinted: these change the numbers ---
  split eval_split = split::test;
  std::size_t eval_n = 100;     // eval examples per cell (class-balanced subset; eval_subset.hpp)
  std::uint64_t eval_seed = 0;  // which subset
  std::string template_name = "paper";
  std::string instruction;
  exemplar_sampling sampling = exemplar_sampling::fresh;
  std::vector<std::string> content_free = default_content_free_inputs();  // calibration inputs
  std::size_t max_new_tokens = 16;                                        // generate mode
  bool lenient = false;           // skip malformed dataset lines
  std::string tokenizer;          // a tokenizer file/directory replacing the model's own; "" = own
  std::uint64_t linear_seed = 0;  // the synthetic linear task's data seed

  // --- not fingerprinted: speed and resources only ---
  std::filesystem::path data_dir;
  bool share_prefixes = true;
  std::size_t max_tree_bytes = std::size_t{2} << 30;
  std::size_t threads = 0;  // 0: one per hardware thread

  prompt_template prompt_format() const {
    prompt_template t = template_named(template_name);
    t.instruction = unescape(instruction);
    return t;
  }

  // name → value of every fingerprinted setting.
  std::map<std::string, std::string> fingerprint_fields() const {
    std::map<std::string, std::string> f;
    f["eval_split"] = to_string(eval_split);
    f["eval_n"] = std::to_string(eval_n);
    f["eval_seed"] = std::to_string(eval_seed);
    f["template"] = prompt_format().spec();
    f["instruction"] = prompt_format().instruction;
    f["sampling"] = to_string(sampling);
    std::string cf;
    for (const auto& s : content_free) cf += s + '\x1f';
    f["content_free"] = cf;
    f["max_new_tokens"] = std::to_string(max_new_tokens);
    f["lenient"] = lenient ? "true" : "false";
    f["tokenizer"] = tokenizer.empty() ? "model" : path_identity(tokenizer);
    f["linear_seed"] = std::to_string(linear_seed);
    f["scoring_policy"] = "unnormalised-sum";  // label_scorer's default policy and aggregation
    f["add_special"] = "true";                 // BOS as the tokenizer's post-processor adds it
    return f;
  }

  std::string fingerprint() const { return settings_fingerprint(fingerprint_fields()); }
};

}  // namespace flipside

// The unit of the override benchmark: a cell is one (model, task, label policy, k, seed, scoring
// mode, calibration) combination evaluated on the task's eval examples; its result is one record
// per eval example plus the timing of the work. `flipside run` fills these structs; results.jsonl
// stores one cell_result per line (results_codec.hpp); metrics and reports are computed from them.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <flipside/core/error.hpp>

namespace flipside {

enum class scoring_mode {
  label_logit,  // argmax of the label options' log-probabilities
  generate,     // greedy decoding, exact match against the label strings (may be out of set)
};

inline const char* to_string(scoring_mode m) {
  return m == scoring_mode::label_logit ? "label-logit" : "generate";
}

inline scoring_mode parse_scoring_mode(std::string_view s) {
  if (s == "label-logit") return scoring_mode::label_logit;
  if (s == "generate") return scoring_mode::generate;
  throw argument_error("unknown scoring mode '" + std::string(s) +
                       "' (expected label-logit or generate)");
}

struct cell_key {
  std::string model;   // model id exactly as given (model_id.hpp parses it for reports)
  std::string task;    // task name, e.g. "sst2"
  std::string policy;  // canonical label-policy name: "gold", "flip:50", "sul", "random", …
  int k = 16;          // exemplars per class
  std::uint64_t seed = 0;
  scoring_mode scoring = scoring_mode::label_logit;
  bool calibrated = false;  // contextual calibration (Zhao et al. 2021) applied to predictions

  auto tie() const { return std::tie(model, task, policy, k, seed, scoring, calibrated); }
  bool operator==(const cell_key& o) const { return tie() == o.tie(); }
  bool operator!=(const cell_key& o) const { return !(*this == o); }
  bool operator<(const cell_key& o) const { return tie() < o.tie(); }

  // `model|task|policy|k|seed|scoring|cal` with `\` escaping `|` and `\` inside the strings: one
  // byte string per cell, identical on every platform (the resume set, shard plans and error
  // messages use it).
  std::string canonical() const {
    std::string s;
    append_escaped(s, model);
    s += '|';
    append_escaped(s, task);
    s += '|';
    append_escaped(s, policy);
    s += '|' + std::to_string(k) + '|' + std::to_string(seed) + '|' + to_string(scoring) + '|' +
         (calibrated ? "cal" : "uncal");
    return s;
  }

  static void append_escaped(std::string& s, std::string_view v) {
    for (const char c : v) {
      if (c == '|' || c == '\\') s += '\\';
      s += c;
    }
  }
};

// Sentinels of example_record.
inline constexpr int out_of_set = -1;  // predicted: the generated answer matched no label
inline constexpr int no_flip = -1;     // flipped: the example's prompt flips no exemplar label

struct example_record {
  std::int64_t index = 0;  // the eval example's index in the task's eval split
  int gold = 0;            // gold class
  int predicted = out_of_set;
  // The class the prompt's flipped mapping assigns to this example's gold class (the answer that
  // "follows the flipped labels"), or no_flip when no exemplar label of its prompt is flipped.
  int flipped = no_flip;
  std::vector<double> probs;  // option probabilities renormalised over the label set, by class
  std::string output;         // generate mode: the decoded answer (empty otherwise)

  bool operator==(const example_record& o) const {
    return index == o.index && gold == o.gold && predicted == o.predicted && flipped == o.flipped &&
           probs == o.probs && output == o.output;
  }
  bool operator!=(const example_record& o) const { return !(*this == o); }
};

// The cost of a cell. With prefix sharing, tokens computed for a shared prefix are counted once,
// by the cell that computed them.
struct cell_timing {
  double seconds = 0;                 // wall-clock time spent on this cell
  std::uint64_t prompts = 0;          // prompts evaluated (one per eval example, plus calibration)
  std::uint64_t prompt_tokens = 0;    // tokens of all prompts and options, as if each were fresh
  std::uint64_t computed_tokens = 0;  // tokens actually run through the model
};

// What produced a result: hashes (hex) of the model file identity (file_identity.hpp), the task
// data, the run settings that change numbers other than the cell coordinates (eval split and
// count, template, label words, sampling mode, calibration inputs, …; not the grid) and the code
// version. Opaque strings: only equality matters.
struct fingerprint {
  std::string model, data, settings, code;

  bool operator==(const fingerprint& o) const {
    return model == o.model && data == o.data && settings == o.settings && code == o.code;
  }
  bool operator!=(const fingerprint& o) const { return !(*this == o); }

  // The first component that differs ("model", "data", "settings", "code"), or "" when equal.
  std::string first_difference(const fingerprint& o) const {
    if (model != o.model) return "model";
    if (data != o.data) return "data";
    if (settings != o.settings) return "settings";
    if (code != o.code) return "code";
    return "";
  }
};

struct cell_result {
  cell_key key;
  fingerprint fp;
  std::vector<std::string> classes;     // class names by class index; size = number of classes
  std::vector<example_record> records;  // one per eval example
  cell_timing timing;
  std::string shard;  // "i/n" when written by shard i of n, else empty
  std::string plan;   // shard plan hash (shard.hpp) of that sharded run, else empty

  // Same evaluation: key, fingerprint, classes and records equal (timing and shard may differ).
  bool same_evaluation(const cell_result& o) const {
    return key == o.key && fp == o.fp && classes == o.classes && records == o.records;
  }
};

// The flipped-label percentage of a pure flipping policy: "gold" → 0, "flip:P" → P; nullopt for
// every other policy (SUL, random, independent draws, SUL with flips).
inline std::optional<double> flip_percent(std::string_view policy) {
  if (policy == "gold") return 0.0;
  if (policy.substr(0, 5) != "flip:") return std::nullopt;
  const std::string tail(policy.substr(5));
  char* end = nullptr;
  const double v = std::strtod(tail.c_str(), &end);
  if (tail.empty() || end != tail.c_str() + tail.size() || !(v >= 0 && v <= 100))
    return std::nullopt;
  return v;
}

// SUL-ICL (gold mapping, semantically unrelated label words): "sul" or "sul:<vocabulary>".
inline bool is_sul_policy(std::string_view policy) {
  return (policy == "sul" || policy.substr(0, 4) == "sul:") &&
         policy.find('+') == std::string_view::npos;
}

}  // namespace flipside

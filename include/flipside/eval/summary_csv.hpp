// summary.csv: a tidy table, one row per grid point (model × task × policy × k × scoring ×
// calibration; seeds pooled), RFC 4180 quoting (rows end in LF), a fixed column schema
// (summary_csv_columns), in this order:
//
//   model            model id as given (adapter and scale included)
//   model_path       base model path; adapter, scale: LoRA adapter and scale ("" when none)
//   task, policy     task name; label policy ("gold", "flip:50", "sul", …)
//   flip_percent     % flipped exemplar labels for gold/flip:P, "" for other policies
//   k                exemplars per class
//   scoring          label-logit | generate;  calibrated: true | false
//   seeds            number of seeds pooled;  n_classes
//   n, correct       eval predictions pooled over seeds, and how many equal the gold label
//   accuracy, ci_low, ci_high   correct/n and its Wilson 95 % interval (fractions in [0, 1])
//   accuracy_sd      sample standard deviation of the per-seed accuracies ("" with one seed)
//   flip_eligible    predictions whose prompt flips labels (the flip-following denominator)
//   flip_following   fraction of those equal to the flipped label ("" when nothing flipped)
//   out_of_set       fraction of answers outside the label set (generate mode)
//   chance           1 / n_classes
//   seconds, prompts, prompt_tokens, computed_tokens   summed cost of the pooled cells
//
// Fractions are written with enough digits to read back the same double; missing values are "".
#pragma once

#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/eval/aggregate.hpp>
#include <flipside/eval/json_text.hpp>
#include <flipside/eval/model_id.hpp>

namespace flipside {

inline constexpr std::array<const char*, 26> summary_csv_columns = {
    "model",          "model_path",   "adapter",     "scale",         "task",
    "policy",         "flip_percent", "k",           "scoring",       "calibrated",
    "seeds",          "n_classes",    "n",           "correct",       "accuracy",
    "ci_low",         "ci_high",      "accuracy_sd", "flip_eligible", "flip_following",
    "out_of_set",     "chance",       "seconds",     "prompts",       "prompt_tokens",
    "computed_tokens"};

namespace detail {

inline std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

inline std::string csv_number(double v) {
  if (!std::isfinite(v)) return "";
  std::string s;
  append_json_number(s, v);
  return s;
}

}  // namespace detail

inline std::string summary_csv(const std::vector<grid_point>& points) {
  using detail::csv_field;
  using detail::csv_number;
  std::string out;
  for (std::size_t i = 0; i < summary_csv_columns.size(); ++i)
    out += std::string(i ? "," : "") + summary_csv_columns[i];
  out += "\n";
  for (const auto& g : points) {
    const model_id id = model_id::parse(g.model);
    const auto ci = g.metrics.accuracy_interval();
    const auto fp = flip_percent(g.policy);
    const std::vector<std::string> row = {csv_field(g.model),
                                          csv_field(id.path),
                                          csv_field(id.adapter),
                                          id.scale ? csv_number(*id.scale) : "",
                                          csv_field(g.task),
                                          csv_field(g.policy),
                                          fp ? csv_number(*fp) : "",
                                          std::to_string(g.k),
                                          to_string(g.variant.scoring),
                                          g.variant.calibrated ? "true" : "false",
                                          std::to_string(g.seeds.size()),
                                          std::to_string(g.classes.size()),
                                          std::to_string(g.metrics.n),
                                          std::to_string(g.metrics.correct),
                                          csv_number(g.metrics.accuracy()),
                                          g.metrics.n ? csv_number(ci.lo) : "",
                                          g.metrics.n ? csv_number(ci.hi) : "",
                                          csv_number(g.accuracy_sd()),
                                          std::to_string(g.metrics.flip_eligible),
                                          csv_number(g.metrics.flip_following()),
                                          csv_number(g.metrics.out_of_set_rate()),
                                          csv_number(g.chance()),
                                          csv_number(g.timing.seconds),
                                          std::to_string(g.timing.prompts),
                                          std::to_string(g.timing.prompt_tokens),
                                          std::to_string(g.timing.computed_tokens)};
    for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + row[i];
    out += "\n";
  }
  return out;
}

}  // namespace flipside

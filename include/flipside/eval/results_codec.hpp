// One line of results.jsonl ⇄ one cell_result. A line is a JSON object (keys in this order):
//
//   {"format":"flipside.results/1",
//    "cell":{"model":"base.gguf+lora:a@0.5","task":"sst2","policy":"flip:100","k":16,"seed":0,
//            "scoring":"label-logit","calibrated":false},
//    "fingerprint":{"model":"…","data":"…","settings":"…","code":"…"},
//    "classes":["negative","positive"],
//    "timing":{"seconds":1.5,"prompts":100,"prompt_tokens":91234,"computed_tokens":12345},
//    "shard":"0/4","plan":"…",                       (only when written by a sharded run)
//    "metrics":{"n":100,"correct":12,"accuracy":0.12,"ci_low":…,"ci_high":…,
//               "flip_following":0.85,"out_of_set_rate":0},      (derived, for jq; never read)
//    "records":[{"i":17,"gold":1,"pred":0,"flip":0,"probs":[0.7,0.3]}, …]}
//
// A record's "pred" is -1 for an out-of-set answer, "flip" is -1 when the prompt flips nothing,
// "out" (the generated answer) appears in generate mode only. Numbers round-trip exactly, so two
// evaluations are identical iff their lines' records are. Readers ignore unknown keys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <simdjson.h>

#include <flipside/core/error.hpp>
#include <flipside/eval/cell.hpp>
#include <flipside/eval/cell_metrics.hpp>
#include <flipside/eval/json_text.hpp>

namespace flipside {

inline constexpr const char* results_format = "flipside.results/1";

// The line for `cell`, ending in '\n'.
inline std::string to_json_line(const cell_result& c) {
  using detail::append_json_number;
  using detail::append_json_string;
  std::string s;
  s.reserve(256 + c.records.size() * (24 + 20 * c.classes.size()));
  s += "{\"format\":";
  append_json_string(s, results_format);
  s += ",\"cell\":{\"model\":";
  append_json_string(s, c.key.model);
  s += ",\"task\":";
  append_json_string(s, c.key.task);
  s += ",\"policy\":";
  append_json_string(s, c.key.policy);
  s += ",\"k\":" + std::to_string(c.key.k) + ",\"seed\":" + std::to_string(c.key.seed);
  s += ",\"scoring\":";
  append_json_string(s, to_string(c.key.scoring));
  s += std::string(",\"calibrated\":") + (c.key.calibrated ? "true" : "false") + "}";
  s += ",\"fingerprint\":{\"model\":";
  append_json_string(s, c.fp.model);
  s += ",\"data\":";
  append_json_string(s, c.fp.data);
  s += ",\"settings\":";
  append_json_string(s, c.fp.settings);
  s += ",\"code\":";
  append_json_string(s, c.fp.code);
  s += "},\"classes\":[";
  for (std::size_t i = 0; i < c.classes.size(); ++i) {
    if (i) s += ',';
    append_json_string(s, c.classes[i]);
  }
  s += "],\"timing\":{\"seconds\":";
  append_json_number(s, c.timing.seconds);
  s += ",\"prompts\":" + std::to_string(c.timing.prompts) +
       ",\"prompt_tokens\":" + std::to_string(c.timing.prompt_tokens) +
       ",\"computed_tokens\":" + std::to_string(c.timing.computed_tokens) + "}";
  if (!c.shard.empty()) {
    s += ",\"shard\":";
    append_json_string(s, c.shard);
    s += ",\"plan\":";
    append_json_string(s, c.plan);
  }
  const cell_metrics m = compute_metrics(c);
  const auto ci = m.accuracy_interval();
  s += ",\"metrics\":{\"n\":" + std::to_string(m.n) + ",\"correct\":" + std::to_string(m.correct) +
       ",\"accuracy\":";
  append_json_number(s, m.accuracy());
  s += ",\"ci_low\":";
  append_json_number(s, ci.lo);
  s += ",\"ci_high\":";
  append_json_number(s, ci.hi);
  s += ",\"flip_following\":";
  append_json_number(s, m.flip_following());
  s += ",\"out_of_set_rate\":";
  append_json_number(s, m.out_of_set_rate());
  s += "},\"records\":[";
  for (std::size_t i = 0; i < c.records.size(); ++i) {
    const auto& r = c.records[i];
    if (i) s += ',';
    s += "{\"i\":" + std::to_string(r.index) + ",\"gold\":" + std::to_string(r.gold) +
         ",\"pred\":" + std::to_string(r.predicted) + ",\"flip\":" + std::to_string(r.flipped) +
         ",\"probs\":[";
    for (std::size_t j = 0; j < r.probs.size(); ++j) {
      if (j) s += ',';
      append_json_number(s, r.probs[j]);
    }
    s += ']';
    if (!r.output.empty()) {
      s += ",\"out\":";
      append_json_string(s, r.output);
    }
    s += '}';
  }
  s += "]}\n";
  return s;
}

namespace detail {

class results_line_parser {
 public:
  results_line_parser(std::string source, std::size_t line) : where_(std::move(source)) {
    field_prefix_ = "line " + std::to_string(line) + ": ";
  }

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw format_error(where_, field_prefix_ + field, problem);
  }

  simdjson::dom::element member(simdjson::dom::object o, const char* key,
                                const std::string& path) const {
    simdjson::dom::element e;
    if (o[key].get(e)) fail(path + key, "missing");
    return e;
  }
  simdjson::dom::object object(simdjson::dom::element e, const std::string& path) const {
    simdjson::dom::object o;
    if (e.get(o)) fail(path, "not an object");
    return o;
  }
  simdjson::dom::array array(simdjson::dom::element e, const std::string& path) const {
    simdjson::dom::array a;
    if (e.get(a)) fail(path, "not an array");
    return a;
  }
  std::string string(simdjson::dom::element e, const std::string& path) const {
    std::string_view v;
    if (e.get(v)) fail(path, "not a string");
    return std::string(v);
  }
  std::int64_t int64(simdjson::dom::element e, const std::string& path) const {
    std::int64_t v;
    if (e.get(v)) fail(path, "not an integer");
    return v;
  }
  std::uint64_t uint64(simdjson::dom::element e, const std::string& path) const {
    std::uint64_t v;
    if (e.get(v)) fail(path, "not a non-negative integer");
    return v;
  }
  int small_int(simdjson::dom::element e, const std::string& path) const {
    const std::int64_t v = int64(e, path);
    if (v < -1000000000 || v > 1000000000) fail(path, "out of range");
    return static_cast<int>(v);
  }
  double number(simdjson::dom::element e, const std::string& path) const {
    if (e.is_null()) return cell_metrics::nan;
    double v;
    if (e.get(v)) fail(path, "not a number");
    return v;
  }
  bool boolean(simdjson::dom::element e, const std::string& path) const {
    bool v;
    if (e.get(v)) fail(path, "not a boolean");
    return v;
  }

 private:
  std::string where_;
  std::string field_prefix_;
};

}  // namespace detail

// Parses one line (without its '\n'). Throws format_error "<source>: line N: <field>: <problem>".
inline cell_result parse_results_line(std::string_view line, simdjson::dom::parser& parser,
                                      const std::string& source = "results.jsonl",
                                      std::size_t line_no = 1) {
  detail::results_line_parser p(source, line_no);
  simdjson::dom::element root;
  if (const auto err = parser.parse(line.data(), line.size()).get(root))
    p.fail("json", simdjson::error_message(err));
  const auto top = p.object(root, "line");
  const std::string format = p.string(p.member(top, "format", ""), "format");
  if (format != results_format) p.fail("format", "'" + format + "' is not " + results_format);

  cell_result c;
  const auto cell = p.object(p.member(top, "cell", ""), "cell");
  c.key.model = p.string(p.member(cell, "model", "cell."), "cell.model");
  c.key.task = p.string(p.member(cell, "task", "cell."), "cell.task");
  c.key.policy = p.string(p.member(cell, "policy", "cell."), "cell.policy");
  c.key.k = p.small_int(p.member(cell, "k", "cell."), "cell.k");
  c.key.seed = p.uint64(p.member(cell, "seed", "cell."), "cell.seed");
  const std::string scoring = p.string(p.member(cell, "scoring", "cell."), "cell.scoring");
  try {
    c.key.scoring = parse_scoring_mode(scoring);
  } catch (const argument_error& e) {
    p.fail("cell.scoring", e.what());
  }
  c.key.calibrated = p.boolean(p.member(cell, "calibrated", "cell."), "cell.calibrated");

  const auto fp = p.object(p.member(top, "fingerprint", ""), "fingerprint");
  c.fp.model = p.string(p.member(fp, "model", "fingerprint."), "fingerprint.model");
  c.fp.data = p.string(p.member(fp, "data", "fingerprint."), "fingerprint.data");
  c.fp.settings = p.string(p.member(fp, "settings", "fingerprint."), "fingerprint.settings");
  c.fp.code = p.string(p.member(fp, "code", "fingerprint."), "fingerprint.code");

  for (const auto e : p.array(p.member(top, "classes", ""), "classes"))
    c.classes.push_back(p.string(e, "classes[]"));
  if (c.classes.empty()) p.fail("classes", "empty");

  const auto t = p.object(p.member(top, "timing", ""), "timing");
  c.timing.seconds = p.number(p.member(t, "seconds", "timing."), "timing.seconds");
  c.timing.prompts = p.uint64(p.member(t, "prompts", "timing."), "timing.prompts");
  c.timing.prompt_tokens =
      p.uint64(p.member(t, "prompt_tokens", "timing."), "timing.prompt_tokens");
  c.timing.computed_tokens =
      p.uint64(p.member(t, "computed_tokens", "timing."), "timing.computed_tokens");

  simdjson::dom::element e;
  if (!top["shard"].get(e)) c.shard = p.string(e, "shard");
  if (!top["plan"].get(e)) c.plan = p.string(e, "plan");

  const auto records = p.array(p.member(top, "records", ""), "records");
  c.records.reserve(records.size());
  std::size_t i = 0;
  const int C = static_cast<int>(c.classes.size());
  for (const auto re : records) {
    const std::string path = "records[" + std::to_string(i++) + "]";
    const auto ro = p.object(re, path);
    example_record r;
    r.index = p.int64(p.member(ro, "i", path + "."), path + ".i");
    r.gold = p.small_int(p.member(ro, "gold", path + "."), path + ".gold");
    r.predicted = p.small_int(p.member(ro, "pred", path + "."), path + ".pred");
    r.flipped = p.small_int(p.member(ro, "flip", path + "."), path + ".flip");
    if (r.gold < 0 || r.gold >= C) p.fail(path + ".gold", "not a class index");
    if (r.predicted < out_of_set || r.predicted >= C) p.fail(path + ".pred", "not a class index");
    if (r.flipped < no_flip || r.flipped >= C) p.fail(path + ".flip", "not a class index");
    for (const auto pe : p.array(p.member(ro, "probs", path + "."), path + ".probs"))
      r.probs.push_back(p.number(pe, path + ".probs[]"));
    if (!ro["out"].get(e)) r.output = p.string(e, path + ".out");
    c.records.push_back(std::move(r));
  }
  return c;
}

}  // namespace flipside

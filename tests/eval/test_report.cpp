#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include <flipside/eval/override_summary.hpp>
#include <flipside/eval/report.hpp>
#include <flipside/eval/svg.hpp>

#include "eval_support.hpp"
#include "xml_check.hpp"

using namespace flipside;

namespace {

const std::string fixed_results =
    std::string(FLIPSIDE_SOURCE_DIR) + "/tests/eval/data/results.jsonl";

// RFC 4180 fields of one record (no embedded newlines in this file).
std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    out.push_back(text.substr(pos, nl - pos));
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("the XML checker accepts well-formed and rejects malformed documents") {
  using eval_test::xml_problem;
  CHECK(xml_problem("<?xml version=\"1.0\"?>\n<a x=\"1\"><b/><c y='&amp;'>t &lt; u</c></a>\n") ==
        "");
  CHECK(xml_problem("<a><b></a></b>") != "");
  CHECK(xml_problem("<a x=\"1\" x=\"2\"/>") != "");
  CHECK(xml_problem("<a x=1/>") != "");
  CHECK(xml_problem("<a>&nbsp;</a>") != "");
  CHECK(xml_problem("<a>x & y</a>") != "");
  CHECK(xml_problem("<a/><b/>") != "");
  CHECK(xml_problem("<a>") != "");
  CHECK(xml_problem("<a>1 > 0</a>") != "");
  CHECK(xml_problem("") != "");
}

TEST_CASE("svg_writer escapes text and attributes and formats numbers compactly") {
  svg_writer svg(100, 50);
  svg.text(1.005, 2, "a <b> & \"c\" 'd'\x01", 12, "middle");
  svg.line(0, 0, 1.5, -0.001, {"#000", 1, "4 3"});
  svg.begin_group("x < y");
  svg.polyline({{0, 0}, {1, 1}}, {});
  svg.end_group();
  const std::string s = svg.str();
  CHECK(eval_test::xml_problem(s) == "");
  CHECK(s.find("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;</text>") != std::string::npos);
  CHECK(s.find("x2=\"1.5\" y2=\"0\"") != std::string::npos);
  CHECK(svg_writer::num(12.0) == "12");
  CHECK(svg_writer::num(0.126) == "0.13");  // two decimals, trailing zeros dropped
}

TEST_CASE("report from the fixed results.jsonl: files, CSV schema, numbers, well-formed SVG") {
  eval_test::scratch_dir dir("report");
  const report_files r = write_report(fixed_results, dir.path);
  CHECK(r.cells == 130);
  CHECK(r.warnings.empty());
  std::map<std::string, std::string> files;
  for (const auto& f : r.files) {
    files[f.first] = eval_test::slurp(dir / f.first);
    CHECK(files[f.first] == f.second);  // written as built
  }
  for (const char* name :
       {"summary.csv", "report.md", "accuracy_vs_flipped.svg", "accuracy_vs_k.svg",
        "sul_vs_gold.svg", "override_vs_scale.svg", "accuracy_vs_flipped.generate.svg"})
    CHECK(files.count(name) == 1);
  // The generate-mode variant has one k and no SUL cells: no k or SUL plot for it.
  CHECK(files.count("accuracy_vs_k.generate.svg") == 0);
  CHECK(files.count("sul_vs_gold.generate.svg") == 0);
  CHECK(files.size() == 7);

  for (const auto& f : files) {
    if (f.first.size() < 4 || f.first.substr(f.first.size() - 4) != ".svg") continue;
    INFO(f.first);
    CHECK(eval_test::xml_problem(f.second) == "");
    CHECK(f.second.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  }
  // One panel per task, one line per model, the chance line, Wilson error bars.
  const std::string& flipped = files["accuracy_vs_flipped.svg"];
  CHECK(flipped.find(">sst2 (2 classes)</text>") != std::string::npos);
  CHECK(flipped.find(">trec (6 classes)</text>") != std::string::npos);
  CHECK(flipped.find(">context.gguf</text>") != std::string::npos);
  CHECK(flipped.find(">prior.gguf+flipper@0.5</text>") != std::string::npos);
  CHECK(flipped.find(">chance</text>") != std::string::npos);
  std::size_t polylines = 0;
  for (auto p = flipped.find("<polyline"); p != std::string::npos;
       p = flipped.find("<polyline", p + 1))
    ++polylines;
  CHECK(polylines == 8);  // 4 models × 2 tasks
  const std::string& scale = files["override_vs_scale.svg"];
  CHECK(scale.find(">sst2 · prior.gguf+flipper</text>") != std::string::npos);
  CHECK(scale.find(">flip-following, 100 % flipped</text>") != std::string::npos);

  // summary.csv: the documented header, one row per grid point, every row complete.
  const auto csv = lines_of(files["summary.csv"]);
  REQUIRE(!csv.empty());
  const auto header = csv_split(csv[0]);
  REQUIRE(header.size() == summary_csv_columns.size());
  for (std::size_t i = 0; i < header.size(); ++i) CHECK(header[i] == summary_csv_columns[i]);
  CHECK(csv.size() == 1 + 65);  // 4 models × 2 tasks × 4 policies × 2 k + 1 generate point
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  bool found = false;
  for (std::size_t i = 1; i < csv.size(); ++i) {
    const auto f = csv_split(csv[i]);
    REQUIRE(f.size() == header.size());
    if (f[col["model"]] == "context.gguf" && f[col["task"]] == "sst2" &&
        f[col["policy"]] == "flip:100" && f[col["k"]] == "16") {
      found = true;
      CHECK(f[col["flip_percent"]] == "100");
      CHECK(f[col["seeds"]] == "2");
      CHECK(f[col["n"]] == "20");
      CHECK(f[col["correct"]] == "1");
      CHECK(f[col["accuracy"]] == "0.05");
      CHECK(std::stod(f[col["ci_low"]]) == wilson_interval(1, 20).lo);
      CHECK(std::stod(f[col["ci_high"]]) == wilson_interval(1, 20).hi);
      CHECK(std::stod(f[col["accuracy_sd"]]) == Approx(std::sqrt(0.005)).epsilon(1e-12));
      CHECK(f[col["flip_eligible"]] == "20");
      CHECK(f[col["flip_following"]] == "0.95");
      CHECK(f[col["chance"]] == "0.5");
      CHECK(f[col["computed_tokens"]] == "5000");
    }
    if (f[col["model"]] == "prior.gguf+lora:adapters/flipper@0.5" && f[col["k"]] == "4" &&
        f[col["policy"]] == "gold" && f[col["task"]] == "sst2") {
      CHECK(f[col["model_path"]] == "prior.gguf");
      CHECK(f[col["adapter"]] == "adapters/flipper");
      CHECK(f[col["scale"]] == "0.5");
      CHECK(f[col["flip_following"]] == "");
    }
  }
  CHECK(found);

  // report.md: hand-computed override rows (Wilson bounds worked out from the formula).
  const std::string& md = files["report.md"];
  INFO(md);
  CHECK(md.find("| context.gguf | sst2 | 16 | 100.0 % [83.9, 100.0] | 5.0 % [0.9, 23.6] | "
                "95.0 pt | 50.0 % | yes (significant) | 95.0 % | 95.0 % [76.4, 99.1] | 16 |") !=
        std::string::npos);
  CHECK(md.find("| prior.gguf | sst2 | 16 | 95.0 % [76.4, 99.1] | 80.0 % [58.4, 91.9] | "
                "15.0 pt | 50.0 % | no | 20.0 % | 60.0 % [38.7, 78.1] | never (k ≤ 16) |") !=
        std::string::npos);
  CHECK(md.find("| prior.gguf+flipper@0.5 | sst2 | 16 | 90.0 % [69.9, 97.2] | "
                "40.0 % [21.9, 61.3] | 50.0 pt | 50.0 % | yes | 60.0 % | 70.0 % [48.1, 85.5] | "
                "16 |") != std::string::npos);
  CHECK(md.find("| prior.gguf+flipper@1 | sst2 | 16 | 100.0 % [83.9, 100.0] | "
                "20.0 % [8.1, 41.6] | 80.0 pt | 50.0 % | yes (significant) | 80.0 % |") !=
        std::string::npos);
  CHECK(md.find("| context.gguf | trec | 16 | 100.0 % [83.9, 100.0] | 5.0 % [0.9, 23.6] | "
                "95.0 pt | 16.7 % | yes | 85.0 % |") != std::string::npos);
  // Generate mode: 17 of 20 correct, 2 answers outside the label set.
  CHECK(md.find("## Override summary (generate)") != std::string::npos);
  CHECK(md.find("| context.gguf | sst2 | gold | 16 | generate | 2 | 20 | 85.0 % [64.0, 94.8] | "
                "7.1 pt | — | 10.0 % |") != std::string::npos);
  // Throughput: 130 cells × 2 s, 10 prompts, 10,000 prompt tokens, 2,500 computed.
  CHECK(md.find("| all | 130 | 260.0 | 0.5 | 5 | 1250 | 1,300,000 | 325,000 | 4.00× (75.0 % "
                "saved) |") != std::string::npos);
  CHECK(md.find("![Accuracy vs % flipped labels (k = 16 per class, label-logit)]"
                "(accuracy_vs_flipped.svg)") != std::string::npos);

  // Regenerating gives byte-identical files.
  const report_files again = build_report(read_results(fixed_results));
  REQUIRE(again.files.size() == r.files.size());
  for (std::size_t i = 0; i < again.files.size(); ++i) CHECK(again.files[i] == r.files[i]);
}

TEST_CASE("override summary picks the reference k, the speed and 'never'") {
  const auto log = read_results(fixed_results);
  const auto summaries = summarize_override(aggregate_over_seeds(log.cells));
  std::map<std::string, override_summary> by;
  for (const auto& s : summaries)
    if (s.task == "sst2" && !s.variant.calibrated && s.variant.scoring == scoring_mode::label_logit)
      by[s.model] = s;
  REQUIRE(by.size() == 4);
  CHECK(by["context.gguf"].k == 16);
  CHECK(by["context.gguf"].override_k == 16);
  CHECK(by["prior.gguf"].override_k == std::nullopt);
  CHECK(by["prior.gguf+lora:adapters/flipper@1"].override_k == 4);
  REQUIRE(by["context.gguf"].flip_curve.size() == 3);  // 0, 50, 100 % at k = 16
  CHECK(by["context.gguf"].flip_curve[1].first == 50);
  CHECK(by["context.gguf"].flip_curve[1].second.correct == 10);
  CHECK(by["context.gguf"].overrides());
  CHECK_FALSE(by["prior.gguf"].overrides());
  CHECK(by["prior.gguf"].drop() == Approx(0.15));
  const auto sweeps = find_scale_sweeps(summaries);
  REQUIRE(sweeps.size() == 2);  // sst2 and trec
  REQUIRE(sweeps[0].by_scale.size() == 3);
  CHECK(sweeps[0].by_scale[0].first == 0.0);  // the base model joins as scale 0
  CHECK(sweeps[0].by_scale[0].second.model == "prior.gguf");
  CHECK(sweeps[0].by_scale[2].first == 1.0);
}

TEST_CASE("report refuses an empty results file and reports a torn tail") {
  eval_test::scratch_dir dir("report-edge");
  eval_test::spit(dir / "results.jsonl", "");
  CHECK_THROWS_WITH(write_report(dir.path), Catch::Contains("no finished cells"));
  const std::string text = eval_test::slurp(fixed_results);
  eval_test::spit(dir / "results.jsonl", text + text.substr(0, 100));
  const auto r = write_report(dir.path);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("line 131") != std::string::npos);
  CHECK(eval_test::slurp(dir / "report.md").find("**Warning:**") != std::string::npos);
}

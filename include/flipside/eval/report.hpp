// `flipside report`: everything a results directory shows, regenerated from results.jsonl alone —
// summary.csv, report.md and the SVG plots (one set per scoring variant; the label-logit,
// uncalibrated set has no file-name suffix, others get e.g. ".generate" or ".calibrated").
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/aggregate.hpp>
#include <flipside/eval/atomic_file.hpp>
#include <flipside/eval/cell_set.hpp>
#include <flipside/eval/override_summary.hpp>
#include <flipside/eval/report_markdown.hpp>
#include <flipside/eval/report_plots.hpp>
#include <flipside/eval/results_reader.hpp>
#include <flipside/eval/summary_csv.hpp>

namespace flipside {

struct report_files {
  std::vector<std::pair<std::string, std::string>> files;  // (file name, content)
  std::vector<std::string> warnings;
  std::size_t cells = 0;
};

inline std::string variant_suffix(const scoring_variant& v) {
  std::string s;
  if (v.scoring != scoring_mode::label_logit) s += std::string(".") + to_string(v.scoring);
  if (v.calibrated) s += ".calibrated";
  return s;
}

// Builds every report file in memory from a results log (pure; nothing is written).
inline report_files build_report(const results_log& log) {
  report_files r;
  if (log.recovered()) r.warnings.push_back(log.recovery_message());
  cell_set set;
  std::size_t dups = 0;
  for (std::size_t i = 0; i < log.cells.size(); ++i)
    if (!set.insert(log.cells[i], log.source + ": line " + std::to_string(log.line_of[i]))) ++dups;
  if (dups) r.warnings.push_back(std::to_string(dups) + " duplicate cell line(s) ignored");
  const auto cells = set.sorted();
  if (cells.empty()) throw error(log.source + ": no finished cells to report");
  r.cells = cells.size();
  const auto points = aggregate_over_seeds(cells);
  const auto summaries = summarize_override(points);
  std::set<scoring_variant> variants;
  for (const auto& s : summaries) variants.insert(s.variant);
  std::vector<report_figure> figures;
  for (const auto& v : variants) {
    std::vector<override_summary> sub;
    for (const auto& s : summaries)
      if (s.variant == v) sub.push_back(s);
    for (auto& f : report_figures(sub, v.name(), variant_suffix(v)))
      figures.push_back(std::move(f));
  }
  report_context ctx;
  ctx.source = std::filesystem::path(log.source).filename().string();
  ctx.warnings = r.warnings;
  ctx.settings_fp = cells.front().fp.settings;
  ctx.code_fp = cells.front().fp.code;
  r.files.emplace_back("summary.csv", summary_csv(points));
  r.files.emplace_back("report.md", report_markdown(cells, points, summaries, figures, ctx));
  for (auto& f : figures) r.files.emplace_back(f.file, std::move(f.svg));
  return r;
}

// Reads `results` (a results directory holding results.jsonl, or the file itself) and writes the
// report files into `out_dir` (default: the results directory), each atomically.
inline report_files write_report(const std::filesystem::path& results,
                                 std::filesystem::path out_dir = {}) {
  namespace fs = std::filesystem;
  const fs::path file = fs::is_directory(results) ? results / "results.jsonl" : results;
  if (!fs::is_regular_file(file)) throw error(file.string() + ": no such results file");
  if (out_dir.empty()) out_dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  fs::create_directories(out_dir);
  report_files r = build_report(read_results(file));
  for (const auto& f : r.files) write_file_atomically(out_dir / f.first, f.second);
  return r;
}

}  // namespace flipside

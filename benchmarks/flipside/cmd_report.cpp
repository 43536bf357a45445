// `flipside report RESULTS [--out DIR]`: regenerates summary.csv, report.md and the SVG plots
// from a results directory's results.jsonl alone (after a run, a resume or a merge).
#include <cstdio>
#include <memory>
#include <string>

#include <flipside/eval/report.hpp>

#include "command.hpp"

namespace {

struct report_args {
  std::string results;
  std::string out;
};

void setup_report(CLI::App& sub) {
  auto a = std::make_shared<report_args>();
  sub.add_option("results", a->results,
                 "Results directory (holding results.jsonl) or a results.jsonl file")
      ->required();
  sub.add_option("--out", a->out, "Where to write the report (default: beside results.jsonl)");
  sub.callback([a] {
    const flipside::report_files r = flipside::write_report(a->results, a->out);
    for (const auto& w : r.warnings)
      std::fprintf(stderr, "flipside report: warning: %s\n", w.c_str());
    const std::string dir = !a->out.empty() ? a->out : a->results;
    std::printf("report of %zu cells written to %s:\n", r.cells, dir.c_str());
    for (const auto& f : r.files) std::printf("  %s\n", f.first.c_str());
  });
}

const flipside::cli::command_registrar registrar{
    "report", "Regenerate summary.csv, report.md and plots from results.jsonl", setup_report};

}  // namespace

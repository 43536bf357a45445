// `flipside merge OUT IN1 IN2 …`: combines the results of shards (`flipside run --shard i/n`) or of
// separate runs of one sweep. Refuses inputs whose fingerprints disagree (different settings,
// model files, task data or code) and conflicting duplicates; identical duplicates are dropped.
// OUT and every IN may be a results directory (results.jsonl inside) or a .jsonl file.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/merge.hpp>
#include <flipside/eval/report.hpp>

#include "command.hpp"

namespace {

namespace fs = std::filesystem;

struct merge_args {
  std::string out;
  std::vector<std::string> inputs;
  bool force = false;
  bool report = false;
};

bool is_jsonl(const std::string& p) {
  return p.size() > 6 && p.compare(p.size() - 6, 6, ".jsonl") == 0;
}

fs::path results_file(const std::string& p) {
  return fs::is_directory(p) || !is_jsonl(p) ? fs::path(p) / "results.jsonl" : fs::path(p);
}

void setup_merge(CLI::App& sub) {
  auto a = std::make_shared<merge_args>();
  sub.add_option("out", a->out, "Output results directory, or a .jsonl file")->required();
  sub.add_option("inputs", a->inputs, "Results directories or .jsonl files to combine")->required();
  sub.add_flag("--force", a->force, "Replace an existing output file");
  sub.add_flag("--report", a->report, "Also write the report beside the merged results");
  sub.callback([a] {
    const fs::path out = results_file(a->out);
    std::vector<fs::path> inputs;
    for (const auto& in : a->inputs) inputs.push_back(results_file(in));
    if (fs::exists(out) && fs::file_size(out) > 0 && !a->force)
      throw flipside::argument_error(out.string() + " already exists; pass --force to replace it");
    if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
    const flipside::merge_stats st = flipside::merge_results(inputs, out);
    for (const auto& w : st.warnings)
      std::fprintf(stderr, "flipside merge: warning: %s\n", w.c_str());
    std::printf("merged %zu cells from %zu inputs into %s (%zu identical duplicates dropped)\n",
                st.cells_written, st.inputs, out.string().c_str(), st.duplicates);
    if (a->report) {
      const auto r = flipside::write_report(out);
      std::printf("report of %zu cells written beside it (%zu files)\n", r.cells, r.files.size());
    }
  });
}

const flipside::cli::command_registrar registrar{
    "merge", "Combine the results of shards or runs of one sweep (fingerprints must match)",
    setup_merge};

}  // namespace

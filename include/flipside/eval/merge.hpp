// `flipside merge`: combine the results files of shards (or of separate runs of one sweep) into
// one. Cells are checked by cell_set (identical duplicates dropped, conflicts and fingerprint
// mismatches refused) and written sorted by canonical key, without shard tags, so merging the
// shards of a sweep gives the same lines as running it in one process (up to timing).
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/atomic_file.hpp>
#include <flipside/eval/cell_set.hpp>
#include <flipside/eval/results_codec.hpp>
#include <flipside/eval/results_reader.hpp>
#include <flipside/eval/shard.hpp>

namespace flipside {

struct merge_stats {
  std::size_t inputs = 0;
  std::size_t cells_read = 0;
  std::size_t cells_written = 0;
  std::size_t duplicates = 0;         // identical cells found in more than one input
  std::vector<std::string> warnings;  // torn tails dropped, shards missing or from other plans
};

// Reads every input, then writes `out` atomically. Throws flipside::error on conflicts and
// fingerprint mismatches, before anything is written.
inline merge_stats merge_results(const std::vector<std::filesystem::path>& inputs,
                                 const std::filesystem::path& out) {
  merge_stats st;
  cell_set set;
  std::map<std::string, std::set<std::size_t>> shards_by_plan;  // "plan n" → indices seen
  for (const auto& in : inputs) {
    if (!std::filesystem::is_regular_file(in)) throw error(in.string() + ": no such results file");
    const results_log log = read_results(in);
    ++st.inputs;
    if (log.recovered()) st.warnings.push_back(log.recovery_message());
    for (std::size_t i = 0; i < log.cells.size(); ++i) {
      cell_result c = log.cells[i];
      ++st.cells_read;
      if (!c.shard.empty()) {
        try {
          const shard_spec sp = shard_spec::parse(c.shard);
          shards_by_plan[c.plan + " " + std::to_string(sp.count)].insert(sp.index);
        } catch (const argument_error&) {
          st.warnings.push_back(log.source + ": line " + std::to_string(log.line_of[i]) +
                                ": unreadable shard tag '" + c.shard + "'");
        }
      }
      c.shard.clear();
      c.plan.clear();
      if (!set.insert(std::move(c), log.source + ": line " + std::to_string(log.line_of[i])))
        ++st.duplicates;
    }
  }
  if (shards_by_plan.size() > 1)
    st.warnings.push_back("the inputs come from " + std::to_string(shards_by_plan.size()) +
                          " different shard plans (grids or shard counts differ)");
  for (const auto& kv : shards_by_plan) {
    const std::size_t n = std::stoul(kv.first.substr(kv.first.rfind(' ') + 1));
    std::string missing;
    for (std::size_t i = 0; i < n; ++i)
      if (!kv.second.count(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
    if (!missing.empty())
      st.warnings.push_back("no cells from shard(s) " + missing + " of " + std::to_string(n) +
                            " (not given, or they had no cells)");
  }
  std::string text;
  for (const auto& c : set.sorted()) text += to_json_line(c);
  st.cells_written = set.size();
  write_file_atomically(out, text);
  return st;
}

}  // namespace flipside

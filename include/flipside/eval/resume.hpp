// `--resume`: which cells of the current grid are already finished in results.jsonl. A cell
// counts as finished only when its line carries the fingerprint the current run would write; a
// line with another fingerprint means the model file, task data, settings or code changed since —
// mixing such results would be silently wrong, so that is an error, not a re-run.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include <flipside/core/error.hpp>
#include <flipside/eval/cell.hpp>
#include <flipside/eval/results_reader.hpp>

namespace flipside {

// `expected(key)` returns the fingerprint the current run computes for that cell, or nullopt when
// the cell is not in the current grid (such lines are kept and not checked). Returns the
// canonical keys (cell_key::canonical()) of the finished cells.
inline std::set<std::string> finished_cells(
    const results_log& log,
    const std::function<std::optional<fingerprint>(const cell_key&)>& expected) {
  std::set<std::string> done;
  for (std::size_t i = 0; i < log.cells.size(); ++i) {
    const cell_result& c = log.cells[i];
    if (const auto fp = expected(c.key)) {
      const std::string what = c.fp.first_difference(*fp);
      if (!what.empty())
        throw error(log.source + ": line " + std::to_string(log.line_of[i]) + ": cell " +
                    c.key.canonical() + " was computed with a different " + what +
                    " fingerprint; the " + what +
                    " changed since, so these results cannot be resumed (use another output "
                    "directory)");
    }
    done.insert(c.key.canonical());
  }
  return done;
}

}  // namespace flipside

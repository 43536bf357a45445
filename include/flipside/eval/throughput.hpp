// Throughput of a run (or of any set of cells): cells/s, prompts/s, computed tokens/s, and what
// prefix sharing saved — tokens in all prompts (each evaluated from scratch) vs tokens actually
// run through the model. Rates use the summed per-cell wall time, i.e. the compute time of one
// process; shards that ran in parallel finish sooner than that.
#pragma once

#include <cstdint>
#include <vector>

#include <flipside/eval/cell.hpp>
#include <flipside/eval/cell_metrics.hpp>

namespace flipside {

struct throughput {
  std::size_t cells = 0;
  double seconds = 0;
  std::uint64_t prompts = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t computed_tokens = 0;

  void add(const cell_timing& t, std::size_t n_cells = 1) {
    cells += n_cells;
    seconds += t.seconds;
    prompts += t.prompts;
    prompt_tokens += t.prompt_tokens;
    computed_tokens += t.computed_tokens;
  }

  double cells_per_second() const { return rate(double(cells)); }
  double prompts_per_second() const { return rate(double(prompts)); }
  double computed_tokens_per_second() const { return rate(double(computed_tokens)); }
  // How many times fewer tokens were computed than the prompts hold (≥ 1 with sharing).
  double sharing_factor() const {
    return computed_tokens ? double(prompt_tokens) / double(computed_tokens) : cell_metrics::nan;
  }
  // The fraction of prompt tokens that did not have to be computed.
  double saved_fraction() const {
    return prompt_tokens ? 1.0 - double(computed_tokens) / double(prompt_tokens)
                         : cell_metrics::nan;
  }

 private:
  double rate(double x) const { return seconds > 0 ? x / seconds : cell_metrics::nan; }
};

inline throughput total_throughput(const std::vector<cell_result>& cells) {
  throughput t;
  for (const auto& c : cells) t.add(c.timing);
  return t;
}

}  // namespace flipside

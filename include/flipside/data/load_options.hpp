// How a dataset load treats bad input, and what it reports back.
//
// A malformed line (a missing field, an unknown label, invalid UTF-8, an unterminated quote…) is
// an error naming the file and line by default. In lenient mode it is skipped and counted in
// load_stats instead, with the first few problems kept verbatim — never dropped silently.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/data/text_encoding.hpp>

namespace flipside {

struct load_options {
  bool lenient = false;                   // skip and count malformed lines instead of throwing
  std::size_t max_problems_kept = 20;     // lenient mode: how many messages load_stats keeps
  std::optional<text_encoding> encoding;  // overrides the dataset's default encoding
  std::size_t holdout_every = 5;  // single-file datasets: every n-th example per class → test
};

struct load_stats {
  std::size_t records = 0;    // non-blank lines (or CSV/JSONL records) read
  std::size_t kept = 0;       // examples produced
  std::size_t filtered = 0;   // well-formed but outside the task (e.g. FP "neutral"), by design
  std::size_t malformed = 0;  // skipped in lenient mode
  std::size_t blank = 0;      // empty lines, ignored
  std::vector<std::string> problems;  // "file: line N: what" for the first malformed lines

  void merge(const load_stats& o) {
    records += o.records;
    kept += o.kept;
    filtered += o.filtered;
    malformed += o.malformed;
    blank += o.blank;
    for (const auto& p : o.problems) problems.push_back(p);
  }
};

namespace detail {

inline std::string line_field(std::size_t line) { return "line " + std::to_string(line); }

// A malformed record: throws format_error("<file>: line N: <problem>"), or counts it when lenient.
inline void malformed_record(load_stats& stats, const load_options& opt, const std::string& file,
                             std::size_t line, const std::string& problem) {
  format_error e(file, line_field(line), problem);
  if (!opt.lenient) throw e;
  ++stats.malformed;
  if (stats.problems.size() < opt.max_problems_kept) stats.problems.emplace_back(e.what());
}

}  // namespace detail
}  // namespace flipside

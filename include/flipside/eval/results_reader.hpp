// Reading results.jsonl, with recovery from a crash. The writer (results_writer.hpp) appends one
// whole line per finished cell with a single write and an fsync, so after a kill -9 or power loss
// the file is intact lines followed by at most one torn line. The reader keeps every intact line
// and drops (and reports) a torn tail: a last segment without its '\n', or a last line that does
// not parse. A malformed line followed by intact lines is not a crash artefact: that is an error
// naming the file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include <flipside/core/error.hpp>
#include <flipside/eval/results_codec.hpp>

namespace flipside {

struct results_log {
  std::string source;
  std::vector<cell_result> cells;
  std::vector<std::size_t> line_of;  // 1-based line number of cells[i]
  std::uint64_t valid_bytes = 0;     // length of the intact prefix (whole lines)
  std::size_t dropped_line = 0;      // 1-based line number of a dropped torn tail; 0 if none
  std::string dropped_reason;

  bool recovered() const { return dropped_line != 0; }
  // "results.jsonl: line 7: dropped a torn last line (no end of line, 812 bytes)" or "".
  std::string recovery_message() const {
    if (!recovered()) return "";
    return source + ": line " + std::to_string(dropped_line) + ": dropped a torn last line (" +
           dropped_reason + "); its cell will be computed again";
  }
};

inline results_log parse_results(std::string_view text, std::string source = "results.jsonl") {
  results_log log;
  log.source = std::move(source);
  simdjson::dom::parser parser;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      log.dropped_line = line_no;
      log.dropped_reason = "no end of line, " + std::to_string(text.size() - pos) + " bytes";
      break;
    }
    const std::string_view line = text.substr(pos, nl - pos);
    const bool last = nl + 1 == text.size();
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {  // blank line
      pos = nl + 1;
      log.valid_bytes = pos;
      continue;
    }
    try {
      log.cells.push_back(parse_results_line(line, parser, log.source, line_no));
      log.line_of.push_back(line_no);
    } catch (const format_error& e) {
      if (!last) throw;
      log.dropped_line = line_no;
      log.dropped_reason = e.what();
      break;
    }
    pos = nl + 1;
    log.valid_bytes = pos;
  }
  return log;
}

// A missing file reads as an empty log.
inline results_log read_results(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    results_log log;
    log.source = path.string();
    return log;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(path.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw error(path.string() + ": read error");
  return parse_results(ss.str(), path.string());
}

}  // namespace flipside

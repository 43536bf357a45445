// A set of finished cells gathered from one or more results files (a run, its resumes, shards),
// with the checks that make combining them safe:
//  - one cell key, one evaluation: an identical duplicate (same fingerprint and records; timing may
//    differ) is dropped, a conflicting one is an error naming both origins;
//  - one provenance per run: every cell must share the settings and code fingerprints, every cell
//    of a model id the model fingerprint, every cell of a task the data fingerprint — otherwise
//    the files come from different settings, model files, data or code and must not be mixed.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/cell.hpp>

namespace flipside {

class cell_set {
 public:
  // Returns true when the cell was new, false for an identical duplicate (dropped). `origin`
  // ("shard1/results.jsonl: line 4") appears in error messages.
  bool insert(cell_result cell, const std::string& origin) {
    check_provenance(cell, origin);
    const std::string key = cell.key.canonical();
    const auto it = cells_.find(key);
    if (it != cells_.end()) {
      if (it->second.first.same_evaluation(cell)) return false;
      throw error("conflicting results for cell " + key + ": " + it->second.second + " and " +
                  origin + " hold different predictions");
    }
    cells_.emplace(key, std::make_pair(std::move(cell), origin));
    return true;
  }

  std::size_t size() const { return cells_.size(); }
  bool contains(const cell_key& k) const { return cells_.count(k.canonical()) != 0; }

  // Cells in canonical-key order (the same order on every platform).
  std::vector<cell_result> sorted() const {
    std::vector<cell_result> out;
    out.reserve(cells_.size());
    for (const auto& kv : cells_) out.push_back(kv.second.first);
    return out;
  }

 private:
  void check_provenance(const cell_result& c, const std::string& origin) {
    if (!has_run_) {
      run_ = {c.fp.settings, c.fp.code};
      run_origin_ = origin;
      has_run_ = true;
    } else {
      if (c.fp.settings != run_.first)
        mismatch("settings", origin, run_origin_, "were run with different settings");
      if (c.fp.code != run_.second)
        mismatch("code", origin, run_origin_, "were run by different code versions");
    }
    check_same(models_, c.key.model, c.fp.model, origin, "model",
               "model '" + c.key.model + "' is a different file");
    check_same(tasks_, c.key.task, c.fp.data, origin, "data",
               "task '" + c.key.task + "' has different data");
  }

  static void mismatch(const std::string& component, const std::string& a, const std::string& b,
                       const std::string& what) {
    throw error("fingerprint mismatch (" + component + "): " + a + " and " + b + " " + what +
                "; results of different runs cannot be combined");
  }

  static void check_same(std::map<std::string, std::pair<std::string, std::string>>& seen,
                         const std::string& name, const std::string& fp, const std::string& origin,
                         const std::string& component, const std::string& what) {
    const auto it = seen.find(name);
    if (it == seen.end()) {
      seen.emplace(name, std::make_pair(fp, origin));
    } else if (it->second.first != fp) {
      throw error("fingerprint mismatch (" + component + "): " + it->second.second + " and " +
                  origin + ": " + what + "; results of different runs cannot be combined");
    }
  }

  std::map<std::string, std::pair<cell_result, std::string>> cells_;
  bool has_run_ = false;
  std::pair<std::string, std::string> run_;
  std::string run_origin_;
  std::map<std::string, std::pair<std::string, std::string>> models_, tasks_;
};

}  // namespace flipside

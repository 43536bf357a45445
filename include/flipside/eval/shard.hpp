// Splitting a sweep into n shards (Slurm job arrays, Kubernetes indexed Jobs) deterministically.
//
// Cells are grouped by (model, task, k, seed): the cells of one group share their exemplars (all
// label policies of a seed use the same exemplars, nested flips change labels only), so keeping a
// group on one shard keeps its prefix sharing. The distinct groups, sorted by their canonical byte
// string, are dealt round-robin: group j goes to shard j mod n. This is stable across runs,
// platforms and compilers and balanced to within one group, provided every shard is given the
// same grid (the same command line) — shard_plan_hash() records the grid so that `flipside merge`
// can tell shards of different plans apart. Shard indices are 0-based: i/n with 0 ≤ i < n.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/core/error.hpp>
#include <flipside/eval/cell.hpp>
#include <flipside/eval/hash.hpp>

namespace flipside {

struct shard_spec {
  std::size_t index = 0;
  std::size_t count = 1;

  // "i/n" with 0 ≤ i < n.
  static shard_spec parse(std::string_view s) {
    const auto slash = s.find('/');
    auto number = [&](std::string_view part) -> std::size_t {
      if (part.empty() || part.size() > 9 ||
          part.find_first_not_of("0123456789") != std::string_view::npos)
        throw argument_error("--shard '" + std::string(s) + "': expected i/n, e.g. 0/4");
      return static_cast<std::size_t>(std::strtoul(std::string(part).c_str(), nullptr, 10));
    };
    if (slash == std::string_view::npos)
      throw argument_error("--shard '" + std::string(s) + "': expected i/n, e.g. 0/4");
    shard_spec sp{number(s.substr(0, slash)), number(s.substr(slash + 1))};
    if (sp.count == 0 || sp.index >= sp.count)
      throw argument_error("--shard '" + std::string(s) +
                           "': need 0 <= i < n (shard indices start at 0)");
    return sp;
  }

  std::string str() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// The sharing group of a cell: `model|task|k|seed` (escaped like cell_key::canonical()).
inline std::string shard_group(const cell_key& k) {
  std::string s;
  cell_key::append_escaped(s, k.model);
  s += '|';
  cell_key::append_escaped(s, k.task);
  s += '|' + std::to_string(k.k) + '|' + std::to_string(k.seed);
  return s;
}

// shard_of[i] = the shard (0 … n-1) of cells[i]. Independent of the order of `cells`.
inline std::vector<std::size_t> shard_assignment(const std::vector<cell_key>& cells,
                                                 std::size_t n) {
  if (n == 0) throw argument_error("shard count must be at least 1");
  std::map<std::string, std::size_t> group_shard;
  for (const auto& c : cells) group_shard.emplace(shard_group(c), 0);
  std::size_t j = 0;
  for (auto& kv : group_shard) kv.second = j++ % n;  // std::map iterates in sorted key order
  std::vector<std::size_t> out;
  out.reserve(cells.size());
  for (const auto& c : cells) out.push_back(group_shard.at(shard_group(c)));
  return out;
}

// The cells of `cells` that shard `spec` runs, in their original order.
inline std::vector<cell_key> select_shard(const std::vector<cell_key>& cells, shard_spec spec) {
  const auto where = shard_assignment(cells, spec.count);
  std::vector<cell_key> out;
  for (std::size_t i = 0; i < cells.size(); ++i)
    if (where[i] == spec.index) out.push_back(cells[i]);
  return out;
}

// A hash of the whole grid (sorted canonical keys) and the shard count.
inline std::string shard_plan_hash(const std::vector<cell_key>& cells, std::size_t n) {
  std::vector<std::string> keys;
  keys.reserve(cells.size());
  for (const auto& c : cells) keys.push_back(c.canonical());
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  field_hasher h;
  h.add("shards", static_cast<unsigned long long>(n));
  for (const auto& k : keys) h.add("cell", k);
  return h.hex();
}

}  // namespace flipside

// Building the fingerprint a `flipside run` stamps on each cell (cell.hpp, struct fingerprint):
// canonical "name=value" fields hashed with FNV-1a (hash.hpp), so equal inputs give equal hex
// strings on every platform.
//
//   model:    the base model's and the adapter's path_identity (content, not path or mtime); the
//             adapter scale is part of the model id, hence of the cell key, not of the hash.
//   data:     the task name and the path_identity of each data file or directory it reads.
//   settings: every run setting that changes numbers besides the cell coordinates — the caller
//             lists them (eval split and count, template, label words, sampling mode, calibration
//             inputs, …); the grid itself (policies, k, seeds) is NOT a setting, so a resume with
//             more k values or seeds can reuse finished cells.
//   code:     the library version and the results format.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <flipside/eval/file_identity.hpp>
#include <flipside/eval/hash.hpp>
#include <flipside/eval/model_id.hpp>
#include <flipside/eval/results_codec.hpp>
#include <flipside/version.hpp>

namespace flipside {

inline std::string model_fingerprint(const model_id& m) {
  field_hasher h;
  h.add("base", path_identity(m.path));
  if (m.has_adapter()) h.add("lora", path_identity(m.adapter));
  return h.hex();
}

inline std::string data_fingerprint(const std::string& task,
                                    const std::vector<std::filesystem::path>& files) {
  field_hasher h;
  h.add("task", task);
  for (const auto& f : files) h.add("file", path_identity(f));
  return h.hex();
}

// Settings by name; std::map sorts them, so the order the caller lists them in does not matter.
inline std::string settings_fingerprint(const std::map<std::string, std::string>& settings) {
  field_hasher h;
  for (const auto& kv : settings) h.add(kv.first, kv.second);
  return h.hex();
}

inline std::string code_fingerprint() {
  field_hasher h;
  h.add("flipside", version_string);
  h.add("format", results_format);
  return h.hex();
}

}  // namespace flipside

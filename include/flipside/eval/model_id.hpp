// A model as the benchmark names it: the string the user gave (`--model`), kept opaque as the key
// of every result, plus the parts a report needs, parsed leniently from the issue-8 syntax
// `PATH[+lora:ADAPTER[@SCALE]]` (e.g. `base.gguf+lora:adapters/sst2-flip@0.5`).
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <flipside/model/model_spec.hpp>

namespace flipside {

struct model_id {
  std::string id;               // as given; results are keyed by this exact string
  std::string path;             // the base model file or directory
  std::string adapter;          // LoRA adapter path, empty when none
  std::optional<double> scale;  // adapter scale when given (`@0.5`)

  // Never throws (model_spec.hpp's split): results of any id can be reported.
  static model_id parse(std::string id) {
    model_id m;
    model_spec_parts p = split_model_spec(id);
    m.id = std::move(id);
    m.path = std::move(p.path);
    m.adapter = std::move(p.adapter);
    m.scale = p.scale;
    return m;
  }

  bool has_adapter() const { return !adapter.empty(); }

  // A short legend label: file names without directories, e.g. `base.gguf+sst2-flip@0.5`.
  std::string display_name() const {
    std::string s = base_name(path);
    if (has_adapter()) {
      s += "+" + base_name(adapter);
      if (scale) s += "@" + format_scale(*scale);
    }
    return s;
  }

  static std::string format_scale(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }

 private:
  static std::string base_name(std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    const auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
  }
};

// Legend labels for a set of model ids: display_name() where it is unique, the full id where two
// different ids would otherwise read the same (e.g. two runs/model.gguf from different folders).
inline std::map<std::string, std::string> unique_display_names(
    const std::vector<std::string>& ids) {
  std::map<std::string, std::set<std::string>> by_name;
  for (const auto& id : ids) by_name[model_id::parse(id).display_name()].insert(id);
  std::map<std::string, std::string> out;
  for (const auto& kv : by_name)
    for (const auto& id : kv.second) out[id] = kv.second.size() == 1 ? kv.first : id;
  return out;
}

}  // namespace flipside

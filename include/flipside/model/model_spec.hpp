// How a model is named on the command line: `PATH[+lora:ADAPTER[@SCALE]]` (issue 8; the same
// syntax eval/model_id.hpp reads for reports), e.g. `base.gguf+lora:adapters/sst2-flip@0.5`.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <flipside/core/error.hpp>

namespace flipside {

// A LoRA adapter to attach to a base model at load.
struct adapter_spec {
  std::filesystem::path path;  // PEFT directory (adapter_config.json) or GGUF adapter file
  double scale = 1.0;          // its strength (× the adapter's own alpha / r)
  bool merge = false;          // fold into the weights at load: no run-time cost, fixed strength
};

// The parts of `PATH[+lora:ADAPTER[@SCALE]]`, split without judging them (never throws): a string
// without `+lora:` is all path; `@…` counts as a scale only when the whole tail is a finite number,
// so an adapter directory named `run@v2` stays intact.
struct model_spec_parts {
  std::string path;
  std::string adapter;  // empty when none
  std::optional<double> scale;
};

inline model_spec_parts split_model_spec(const std::string& text) {
  static constexpr std::string_view marker = "+lora:";
  model_spec_parts p;
  const auto at = text.find(marker);
  if (at == std::string::npos) {
    p.path = text;
    return p;
  }
  p.path = text.substr(0, at);
  p.adapter = text.substr(at + marker.size());
  const auto sep = p.adapter.rfind('@');
  if (sep != std::string::npos && sep + 1 < p.adapter.size()) {
    const std::string tail = p.adapter.substr(sep + 1);
    char* end = nullptr;
    const double v = std::strtod(tail.c_str(), &end);
    if (end == tail.c_str() + tail.size() && std::isfinite(v)) {
      p.scale = v;
      p.adapter.resize(sep);
    }
  }
  return p;
}

struct model_spec {
  std::filesystem::path path;
  std::vector<adapter_spec> adapters;

  // Adapters given this way are unmerged, so that a sweep over scales shares one loaded base.
  // argument_error on an empty part.
  static model_spec parse(const std::string& text) {
    const model_spec_parts parts = split_model_spec(text);
    model_spec s;
    s.path = parts.path;
    if (text.find("+lora:") == std::string::npos) return s;
    if (parts.path.empty() || parts.adapter.empty())
      throw argument_error("model '" + text + "': expected PATH+lora:ADAPTER[@SCALE]");
    adapter_spec a;
    a.path = parts.adapter;
    a.scale = parts.scale.value_or(1.0);
    s.adapters.push_back(a);
    return s;
  }
};

}  // namespace flipside

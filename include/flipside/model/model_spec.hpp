// How a model is named on the command line: `PATH[+lora:ADAPTER[@SCALE]]` (issue 8; the same
// syntax eval/model_id.hpp reads for reports), e.g. `base.gguf+lora:adapters/sst2-flip@0.5`.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <flipside/core/error.hpp>

namespace flipside {

// A LoRA adapter to attach to a base model at load.
struct adapter_spec {
  std::filesystem::path path;  // PEFT directory (adapter_config.json) or GGUF adapter file
  double scale = 1.0;          // its strength (× the adapter's own alpha / r)
  bool merge = false;          // fold into the weights at load: no run-time cost, fixed strength
};

struct model_spec {
  std::filesystem::path path;
  std::vector<adapter_spec> adapters;

  // Splits at the first `+lora:`; `@SCALE` is a scale only when the whole tail is a finite number
  // (an adapter directory named `run@v2` stays intact). Adapters given this way are unmerged,
  // so that a sweep over scales shares one loaded base. argument_error on an empty part.
  static model_spec parse(const std::string& text) {
    static constexpr const char* marker = "+lora:";
    model_spec s;
    const auto at = text.find(marker);
    if (at == std::string::npos) {
      s.path = text;
      return s;
    }
    s.path = text.substr(0, at);
    std::string rest = text.substr(at + 6);
    adapter_spec a;
    const auto sep = rest.rfind('@');
    if (sep != std::string::npos && sep + 1 < rest.size()) {
      const std::string tail = rest.substr(sep + 1);
      char* end = nullptr;
      const double v = std::strtod(tail.c_str(), &end);
      if (end == tail.c_str() + tail.size() && std::isfinite(v)) {
        a.scale = v;
        rest.resize(sep);
      }
    }
    if (s.path.empty() || rest.empty())
      throw argument_error("model '" + text + "': expected PATH+lora:ADAPTER[@SCALE]");
    a.path = rest;
    s.adapters.push_back(a);
    return s;
  }
};

}  // namespace flipside

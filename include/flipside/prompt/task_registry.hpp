// Every task by name: the built-in datasets (data/builtin_datasets.hpp) and the paper's synthetic
// linear classification task ("linear" = 16 dimensions, "linear:N" = N dimensions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <flipside/core/error.hpp>
#include <flipside/data/builtin_datasets.hpp>
#include <flipside/prompt/synthetic_linear.hpp>

namespace flipside {

// `data_dir` holds one directory per built-in task (../shared/data's layout); the synthetic task
// ignores it and is generated from `linear_seed`.
inline dataset load_task(std::string_view name, const std::filesystem::path& data_dir,
                         const load_options& opt = {}, std::uint64_t linear_seed = 0) {
  if (name == "linear" || name.rfind("linear:", 0) == 0) {
    linear_task_params prm;
    prm.seed = linear_seed;
    if (name.size() > 7) {
      const std::string n(name.substr(7));
      char* end = nullptr;
      const unsigned long long dims = std::strtoull(n.c_str(), &end, 10);
      if (n.empty() || end != n.c_str() + n.size() || dims == 0 || dims > 4096) {
        throw argument_error("task '" + std::string(name) + "': expected linear:N, 1 ≤ N ≤ 4096");
      }
      prm.dims = static_cast<std::size_t>(dims);
    }
    return make_linear_task(prm).data;
  }
  return load_builtin_dataset(name, data_dir, opt);
}

}  // namespace flipside
